/**
 * A long-running agent pushing to a real OTLP/gRPC receiver while pods come and go on a real
 * containerd, and while containerd itself restarts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { flattenRequest, startOtlpReceiver, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { collectedAt, startAgentWithSteadyPod, type AgentOnRuntime } from '../helpers/agent-on-runtime.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-lifecycle';
const RESTART = fileURLToPath(new URL('../harness/restart-containerd.sh', import.meta.url));

function podsIn(req: FlatRequest, metric = 'container_memory_working_set_bytes'): Set<string> {
  const out = new Set<string>();
  for (const m of req.metrics) if (m.name === metric) for (const p of m.points) out.add(String(p.attributes.pod));
  return out;
}

function gauge(req: FlatRequest, name: string): number | undefined {
  return req.metrics.find((m) => m.name === name)?.points[0]?.value;
}

describe.skipIf(gate.skip)(gate.title('a running agent on a real containerd'), () => {
  let receiver: OtlpReceiver;
  let agent: Agent;
  let pods: TestPods;
  let steady: TestPod;

  /** Waits for the first request collected at or after `sinceNs` that satisfies `ok`. */
  async function nextRequest(sinceNs: bigint, ok: (r: FlatRequest) => boolean = () => true, timeoutMs = 15_000): Promise<FlatRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = receiver.requests.map(flattenRequest).find((r) => collectedAt(r) >= sinceNs && ok(r));
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no matching export arrived in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

  let running: AgentOnRuntime | undefined;

  beforeAll(async () => {
    running = await startAgentWithSteadyPod(gate.get(), NS);
    ({ agent, receiver, pods, steady } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('a deleted pod is absent from the next export', async () => {
    const pod = await pods.createPod({ name: 'ephemeral', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
    const seen = await nextRequest(nowNs(), (r) => podsIn(r).has('ephemeral'));
    expect(podsIn(seen)).toContain('steady');
    await pods.removePod(pod.id);
    const removedAt = nowNs();
    // The first export of data (not of end markers, which come right after it) collected after the removal.
    const after = await nextRequest(removedAt, (r) => r.metrics.some((m) => m.points.some((p) => p.flags === 0)));
    for (const m of after.metrics) {
      expect(m.points.filter((p) => p.attributes.pod === 'ephemeral'), m.name).toEqual([]);
    }
    expect(podsIn(after)).toContain('steady');
    const lag = Number(collectedAt(after) - removedAt) / 1e6;
    console.log(`[lifecycle] pod removed; first export collected ${lag.toFixed(0)} ms later has no series for it`);
    // And its series are ended explicitly: a no-recorded-value point (flags 1) for each of them,
    // which the collector's remote-write exporter turns into a Prometheus staleness marker.
    const markers = await nextRequest(removedAt, (r) => r.metrics.some((m) => m.points.some((p) => p.flags === 1 && p.attributes.pod === 'ephemeral')));
    const ended = markers.metrics.flatMap((m) => m.points.filter((p) => p.attributes.pod === 'ephemeral').map((p) => ({ name: m.name, flags: p.flags })));
    expect(ended.every((e) => e.flags === 1)).toBe(true);
    expect(ended.map((e) => e.name)).toContain('container_memory_working_set_bytes');
    expect(ended.map((e) => e.name)).toContain('container_cpu_usage_seconds_total');
  });

  it('survives a containerd restart: keeps collecting, reconnects, sees new pods', async () => {
    const dir = gate.get().dir;
    const before = await nextRequest(nowNs());
    expect(gauge(before, 'podpulse_cri_up')).toBe(1);
    execFileSync(RESTART, [dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
    const restartedAt = nowNs();
    // The test's own CRI client saw its connection dropped too: its first call may fail once.
    let fresh: TestPod | undefined;
    for (let attempt = 0; !fresh; attempt++) {
      try {
        fresh = await pods.createPod({ name: 'after-restart', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const after = await nextRequest(restartedAt, (r) => gauge(r, 'podpulse_cri_up') === 1 && podsIn(r).has('after-restart'), 20_000);
    // The pod that ran through the restart keeps its series and its labels.
    const ws = after.metrics.find((m) => m.name === 'container_memory_working_set_bytes');
    const steadyCtr = ws?.points.find((p) => p.attributes.pod === 'steady' && p.attributes.container === 'sleeper');
    expect(steadyCtr?.attributes).toMatchObject({ id: steady.containers[0]?.cgroup, name: steady.containers[0]?.id, namespace: NS });
    expect(podsIn(after)).toContain('after-restart');
    await pods.removePod(fresh.id);
  });

  it('starts without a runtime socket, collects raw cgroups, and connects once the socket appears', async () => {
    const rt = gate.get();
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-late-socket-'));
    const link = join(dir, 'containerd.sock');
    const late = await startOtlpReceiver();
    const { config } = loadConfig(
      ['--cri-endpoint', link, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', '1s', '--export-otlp-endpoint', late.url],
      {},
    );
    const lateAgent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    const steadyId = steady.containers[0]?.cgroup;
    const steadyLabels = (r: FlatRequest) =>
      r.metrics.find((m) => m.name === 'container_memory_working_set_bytes')?.points.find((p) => p.attributes.id === steadyId)?.attributes;
    try {
      await lateAgent.start();
      await late.waitForRequests(1, 10_000);
      const first = flattenRequest(late.requests[0] as never);
      expect(gauge(first, 'podpulse_cri_up')).toBe(0);
      expect(steadyLabels(first)).toMatchObject({ id: steadyId, pod: '', container: '' }); // raw cgroup, no identity yet
      symlinkSync(rt.socket, link);
      const since = nowNs();
      const deadline = Date.now() + 15_000;
      let labelled: FlatRequest | undefined;
      while (!labelled && Date.now() < deadline) {
        labelled = late.requests.map(flattenRequest).find((r) => collectedAt(r) >= since && gauge(r, 'podpulse_cri_up') === 1);
        if (!labelled) await new Promise((r) => setTimeout(r, 100));
      }
      expect(labelled, 'an export after the socket appeared').toBeDefined();
      expect(steadyLabels(labelled as FlatRequest)).toMatchObject({ id: steadyId, pod: 'steady', container: 'sleeper', namespace: NS });
    } finally {
      await lateAgent.stop();
      await late.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
