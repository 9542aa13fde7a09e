import { describe, expect, it } from 'vitest';
import type { ContainerSample, Snapshot } from '../../src/collection/sample.js';
import { sortRows, topFrame } from '../../src/cli/top.js';
import { statsText } from '../../src/cli/stats.js';
import { usageRows } from '../../src/cli/usage-rows.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

function sample(pod: string, container: string, name: string, at: number, values: { cpu?: number; periods?: number; throttled?: number; ws?: number; rx?: number; wb?: number }): ContainerSample {
  const s: ContainerSample = {
    identity: { id: `/kubepods/${pod}/${name || 'pod'}`, name, image: '', container, pod, namespace: 'ns' },
    lastSeenSeconds: at,
    cgroup: {
      ...(values.cpu !== undefined ? { cpu: { usageSeconds: values.cpu, ...(values.periods !== undefined ? { periods: values.periods, throttledPeriods: values.throttled } : {}) } } : {}),
      ...(values.periods !== undefined ? { cpuSpec: { quotaUs: 50_000, periodUs: 100_000 } } : {}),
      ...(values.ws !== undefined ? { memory: { workingSetBytes: values.ws, limitBytes: 1000 } } : {}),
      ...(values.wb !== undefined ? { io: [{ major: 8, minor: 0, device: '/dev/sda', writeBytes: values.wb }] } : {}),
    },
  };
  if (values.rx !== undefined) s.network = [{ name: 'eth0', rxBytes: values.rx, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 2 * values.rx, txPackets: 0, txErrors: 0, txDropped: 0 }];
  return s;
}

const snap = (containers: ContainerSample[]): Snapshot => ({ containers, agent: new SelfStats() });

const before = snap([
  sample('web', '', '', 100, { cpu: 10, ws: 500 }),
  sample('web', '', 'sb', 100, { rx: 1000 }),
  sample('web', 'burn', 'c1', 100, { cpu: 8, periods: 100, throttled: 10, ws: 100, wb: 0 }),
  sample('db', 'pg', 'c2', 100, { cpu: 1, ws: 900 }),
  sample('db', '', '', 100, { cpu: 1 }),
]);
const after = snap([
  sample('web', '', '', 102, { cpu: 11, ws: 600 }),
  sample('web', '', 'sb', 102, { rx: 5000 }),
  sample('web', 'burn', 'c1', 102, { cpu: 9, periods: 120, throttled: 30, ws: 200, wb: 4096 }),
  sample('db', 'pg', 'c2', 102, { cpu: 0.5, ws: 950 }), // restarted: the counter went down
  sample('db', '', '', 102, { cpu: 1.2 }),
]);

describe('usageRows', () => {
  it('computes rates from the same cumulative values the catalog exports, per container and pod', () => {
    const rows = usageRows(before, after, {});
    const burn = rows.find((r) => r.container === 'burn');
    expect(burn).toMatchObject({ cpuCores: 0.5, cpuLimitCores: 0.5, throttledFraction: 1, memoryWorkingSetBytes: 200, memoryLimitBytes: 1000, diskWriteBytesPerSecond: 2048, intervalSeconds: 2 });
    const webPod = rows.find((r) => r.pod === 'web' && r.container === '');
    expect(webPod).toMatchObject({ cpuCores: 0.5, networkRxBytesPerSecond: 2000, networkTxBytesPerSecond: 4000 });
    // The sandbox has no row of its own: its network is on the pod row.
    expect(rows.filter((r) => r.pod === 'web')).toHaveLength(2);
  });

  it('gives no rate for a counter that went down (a restart), rather than a negative or made-up one', () => {
    const pg = usageRows(before, after, { pod: 'db', container: 'pg' });
    expect(pg).toHaveLength(1);
    expect(pg[0]?.cpuCores).toBeUndefined();
    expect(statsText(pg)).toMatch(/ns\s+db\s+pg\s+-\s+-/);
  });

  it('top sorts pods by their own row and keeps each pod with its containers', () => {
    const rows = usageRows(before, after, {});
    expect(sortRows(rows, 'memory').map((r) => `${r.pod}/${r.container}`)).toEqual(['web/', 'web/burn', 'db/', 'db/pg']);
    expect(sortRows(rows, 'cpu').map((r) => `${r.pod}/${r.container}`)).toEqual(['web/', 'web/burn', 'db/', 'db/pg']);
    expect(sortRows(rows, 'name').map((r) => `${r.pod}/${r.container}`)).toEqual(['db/', 'db/pg', 'web/', 'web/burn']);
    const frame = topFrame(sortRows(rows, 'cpu'), { host: 'h', at: new Date(0), sort: 'cpu', intervalMs: 1000, columns: 40, lines: 4 });
    // lines - 1 rows fit (the cursor line stays free): the title, a blank line and the header.
    expect(frame.split('\n').filter((l) => l !== '')).toHaveLength(2);
    expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(40);
  });
});
