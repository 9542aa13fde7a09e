import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { CycleReader } from '../../src/collection/cycle-reader.js';
import { READ_DEFAULT } from '../../src/collection/read-plan.js';
import { rawIdentity } from '../../src/discovery/target.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { readPlanFor } from '../../src/metrics/read-plan.js';
import { perProcessRows } from '../../src/metrics/rows/per-process.js';
import { parsePidStat } from '../../src/procfs/pid-stat.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { RecordingReader } from '../cgroup/recording-reader.js';

/** This test process's own cgroup: the v2 line, else the v1 cpu hierarchy's line of /proc/self/cgroup. */
function ownCgroup(): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':'));
  const line = lines.find((f) => f[1]?.split(',').includes('cpu')) ?? lines.find((f) => f[0] === '0' && f[1] === '');
  return line?.slice(2).join(':') ?? '/';
}

function collector(processes: boolean, maxProcessesPerContainer = 20): { reader: RecordingReader; cycle: CycleReader; cgroup: string } {
  const reader = new RecordingReader();
  const layout = detectCgroupLayout({ procRoot: '/proc', sysRoot: '/sys' }, reader);
  const cgroup = ownCgroup();
  const cycle = new CycleReader({
    layout,
    reader,
    roots: { procRoot: '/proc', sysRoot: '/sys', rootfsRoot: '/' },
    targets: { list: async () => ({ targets: [{ cgroupPath: cgroup, identity: rawIdentity(cgroup) }], truncated: false }) },
    stats: new SelfStats(),
    log: pino({ level: 'silent' }),
    plan: { ...READ_DEFAULT, network: false, processes: false, taskStates: false, rootFilesystems: false, rootDiskIo: false, perProcess: processes },
    maxProcessesPerContainer,
  });
  return { reader, cycle, cgroup };
}

describe('group per_process on this host (this test process\'s own cgroup)', () => {
  it('is off by default and then reads no /proc/<pid> file at all', async () => {
    expect(readPlanFor(enabledSpecs({ groups: {}, disabled: [] })).perProcess).toBe(false);
    expect(readPlanFor(enabledSpecs({ groups: { per_process: true }, disabled: [] })).perProcess).toBe(true);
    const { reader, cycle } = collector(false);
    reader.take('/');
    const snap = await cycle.collect();
    expect(reader.take('/').filter((p) => /^proc\/\d+\//.test(p))).toEqual([]);
    expect(snap.containers[0]?.processes).toBeUndefined();
  });

  it('reports the busiest processes, capped, with pid and comm, matching their /proc/<pid>/stat', async () => {
    const { cycle } = collector(true, 2);
    const snap = await cycle.collect();
    const sample = snap.containers[0];
    const processes = sample?.processes ?? [];
    expect(processes.length).toBeGreaterThan(0);
    expect(processes.length).toBeLessThanOrEqual(2);
    for (const p of processes) {
      const stat = parsePidStat(readFileSync(`/proc/${p.pid}/stat`, 'utf8'));
      expect(p.comm).toBe(stat.comm);
      // Read a moment earlier: never more CPU than now, and this test runs in well under a minute.
      const now = (stat.utimeTicks + stat.stimeTicks) / 100;
      expect(p.cpuSeconds).toBeLessThanOrEqual(now);
      expect(now - p.cpuSeconds).toBeLessThan(60);
    }
    const [cpu, rss, threads] = perProcessRows.map((r) => r.points(sample!));
    expect(cpu?.map((pt) => pt.attributes)).toEqual(processes.map((p) => ({ pid: String(p.pid), comm: p.comm })));
    expect(rss?.every((pt) => pt.value > 0)).toBe(true);
    expect(threads?.every((pt) => pt.value >= 1)).toBe(true);
  });
});
