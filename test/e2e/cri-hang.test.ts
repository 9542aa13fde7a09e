/**
 * A stalled container runtime must cost labels, never cgroup data. The real agent (Agent, 1 s
 * interval, real cgroups of this host, real OTLP/gRPC export) runs against two kinds of hung CRI
 * socket on a real unix socket:
 * - one that accepts connections and never answers (a stopped or wedged runtime);
 * - one that answers the lists and then never answers ContainerStatus (a stuck shim).
 * Every cycle must still export the host's cgroup series; the figures per cycle are printed.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { startFakeCri, startSilentSocket, type FakeCri, type SilentSocket } from '../helpers/fake-cri.js';
import { flattenRequest, startOtlpReceiver, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const WS = 'container_memory_working_set_bytes';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function dataExports(rx: OtlpReceiver): FlatRequest[] {
  return rx.requests.map(flattenRequest).filter((r) => r.metrics.some((m) => m.points.some((p) => p.flags === 0)));
}

function seriesOf(req: FlatRequest, name: string): number {
  return req.metrics.find((m) => m.name === name)?.points.filter((p) => p.flags === 0).length ?? 0;
}

function gauge(req: FlatRequest, name: string): number | undefined {
  return req.metrics.find((m) => m.name === name)?.points[0]?.value;
}

/** The sum over every point matching attrs (e.g. all codes of one source). */
function counter(req: FlatRequest, name: string, attrs: Record<string, string>): number {
  const points = req.metrics.find((m) => m.name === name)?.points ?? [];
  return points.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + p.value, 0);
}

describe('cgroup data keeps flowing while the CRI runtime hangs', () => {
  let rx: OtlpReceiver | undefined;
  let agent: Agent | undefined;
  let silent: SilentSocket | undefined;
  let fake: FakeCri | undefined;

  afterEach(async () => {
    const t0 = performance.now();
    await agent?.stop();
    const stopMs = performance.now() - t0;
    console.log(`[cri-hang] agent.stop() took ${stopMs.toFixed(0)} ms with the runtime still hung`);
    await rx?.stop();
    fake?.release('*');
    await fake?.dispose();
    await silent?.dispose();
    agent = undefined;
    rx = undefined;
    fake = undefined;
    silent = undefined;
  });

  /** Runs the agent for `cycles` export intervals of 1 s against `endpoint`; returns the data exports. */
  async function run(endpoint: string, cycles: number, criTimeout = '5s'): Promise<FlatRequest[]> {
    rx = await startOtlpReceiver();
    const { config } = loadConfig(
      ['--cri-endpoint', endpoint, '--collection-interval', '1s', '--cri-timeout', criTimeout, '--export-otlp-endpoint', rx.url],
      {},
    );
    agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    await agent.start();
    // Generous: a busy 2-core machine may delay a cycle, but a hung runtime must not stop them.
    const deadline = Date.now() + cycles * 1000 + 8000;
    while (dataExports(rx).length < cycles && Date.now() < deadline) await sleep(100);
    return dataExports(rx);
  }

  function report(label: string, exports: FlatRequest[]): void {
    const perCycle = exports.map((r) => seriesOf(r, WS));
    console.log(`[cri-hang] ${label}: ${exports.length} data exports; ${WS} series per export: ${perCycle.join(' ') || '(none)'}`);
  }

  it('a socket that accepts and never answers: every cycle exports the host cgroups, cri_up=0', async () => {
    silent = await startSilentSocket();
    // A 1 s call deadline, so several deadlines pass during the run.
    const exports = await run(silent.endpoint, 6, '1s');
    report('silent socket', exports);
    expect(exports.length).toBeGreaterThanOrEqual(6);
    for (const r of exports) {
      expect(seriesOf(r, WS), 'cgroup series in every export').toBeGreaterThan(0);
      expect(r.metrics.find((m) => m.name === WS)?.points.some((p) => p.attributes.id === '/')).toBe(true);
    }
    // The runtime never answered: it is reported down once a refresh gave up on it.
    const last = exports[exports.length - 1] as FlatRequest;
    expect(gauge(last, 'podpulse_cri_up')).toBe(0);
    expect(counter(last, 'podpulse_source_errors_total', { source: 'cri' })).toBeGreaterThan(0);
    expect(counter(last, 'podpulse_source_errors_total', { source: 'cri', code: 'DEADLINE_EXCEEDED' })).toBeGreaterThan(0);
    // A deadline on the lists renews the channel: a fresh connection, not the same wedged one.
    expect(silent.connections).toBeGreaterThanOrEqual(2);
    console.log(`[cri-hang] silent socket: ${silent.connections} connections opened by the agent`);
  });

  it('lists answered, ContainerStatus hung: every cycle exports the host cgroups; no refresh is started twice', async () => {
    fake = await startFakeCri({ scenario: 'containerd-1.6' });
    fake.hang('ContainerStatus');
    const exports = await run(fake.endpoint, 6);
    report('ContainerStatus hung', exports);
    expect(exports.length).toBeGreaterThanOrEqual(6);
    for (const r of exports) expect(seriesOf(r, WS), 'cgroup series in every export').toBeGreaterThan(0);
    // Status calls go N at a time (cri.concurrency, default 4), never one pile per cycle.
    const lists = fake.callsOf('ListContainers').length;
    const statuses = fake.callsOf('ContainerStatus').length;
    console.log(`[cri-hang] ContainerStatus hung: ${lists} ListContainers, ${statuses} ContainerStatus calls, ${fake.pending('ContainerStatus')} open now`);
    expect(fake.pending('ContainerStatus')).toBeLessThanOrEqual(4);
    expect(fake.pending('ContainerStatus')).toBeGreaterThan(0);
    // The lists and the sandboxes answered: the runtime is up although some status calls hang.
    const last = exports[exports.length - 1] as FlatRequest;
    expect(gauge(last, 'podpulse_cri_up')).toBe(1);
  });
});
