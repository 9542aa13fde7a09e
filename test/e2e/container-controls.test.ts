/**
 * metrics.containerLabels, metrics.maxSeriesPerContainer and metrics.overrides against the REAL
 * containerd of test/global-setup.ts (root): pod labels on every series of the pod's containers as
 * container_label_*, the per-container cap trimming a pod sandbox's series with
 * podpulse_container_series_over_limit_total rising, and a bad override stopping the CLI with exit 2.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { catalog } from '../../src/metrics/catalog.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { startOtlpReceiver, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-controls';
const LABEL_FLAGS = ['--metrics-container-labels', 'team,app.kubernetes.io/name,absent'];
const LABEL_KEYS = ['container_label_team', 'container_label_app_kubernetes_io_name', 'container_label_absent'];
const CONTAINER_METRICS = new Set(catalog.filter((s) => s.entity === 'container').map((s) => s.name));

type JsonPoint = { name: string; attributes: Record<string, string>; value: number };

function agentFor(socket: string, extra: string[], log = pino({ level: 'silent' })): Agent {
  const { config } = loadConfig(['--cri-endpoint', socket, '--discovery-cgroup-parents', 'kubepods', ...extra], {});
  return new Agent({ config, env: {}, log });
}

const seriesKey = (p: { name: string; attributes: Record<string, unknown> }) =>
  `${p.name}{${Object.entries(p.attributes).filter(([k]) => k !== 'id').map(([k, v]) => `${k}=${String(v)}`).join(',')}}`;

describe.skipIf(gate.skip)(gate.title('container labels and the per-container series cap on a real containerd'), () => {
  let pods: TestPods;
  let socket = '';
  let labelled: TestPod;
  let plain: TestPod;

  beforeAll(async () => {
    const rt = gate.get();
    socket = rt.socket;
    pods = new TestPods(rt);
    labelled = await pods.createPod({
      name: 'labelled',
      namespace: NS,
      qos: 'burstable',
      labels: { team: 'payments', 'app.kubernetes.io/name': 'web' },
      containers: [
        { name: 'app', command: workloads.sleep() },
        { name: 'pinger', command: workloads.pingGateway(rt.gateway, 600, 0.2, 200) },
      ],
    });
    plain = await pods.createPod({ name: 'plain', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
  });

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
  });

  it('the pod labels in the allowlist are on every series of its containers, sandbox and pod cgroup; others carry ""', async () => {
    const points = toJsonPoints(await agentFor(socket, LABEL_FLAGS).collectOnce()) as JsonPoint[];
    const containerPoints = points.filter((p) => CONTAINER_METRICS.has(p.name));
    expect(containerPoints.length).toBeGreaterThan(100);
    // One label set per family: every container series carries every allowlisted key.
    for (const p of containerPoints) for (const k of LABEL_KEYS) expect(p.attributes, `${p.name} ${p.attributes.id}`).toHaveProperty(k);
    const labelledIds = [labelled.cgroup, labelled.sandboxCgroup, ...labelled.containers.map((c) => c.cgroup)];
    for (const id of labelledIds) {
      const own = containerPoints.filter((p) => p.attributes.id === id);
      expect(own.length, id).toBeGreaterThan(5);
      for (const p of own) {
        expect(p.attributes, `${p.name} ${id}`).toMatchObject({ container_label_team: 'payments', container_label_app_kubernetes_io_name: 'web', container_label_absent: '' });
      }
    }
    for (const id of ['/', plain.cgroup, plain.sandboxCgroup, ...plain.containers.map((c) => c.cgroup)]) {
      const own = containerPoints.filter((p) => p.attributes.id === id);
      expect(own.length, id).toBeGreaterThan(5);
      for (const p of own) for (const k of LABEL_KEYS) expect(p.attributes[k], `${p.name} ${id} ${k}`).toBe('');
    }
    // Off by default: no container_label_* at all.
    const unlabelled = toJsonPoints(await agentFor(socket, []).collectOnce()) as JsonPoint[];
    expect(unlabelled.filter((p) => Object.keys(p.attributes).some((k) => k.startsWith('container_label_')))).toEqual([]);
  });

  describe('the per-container series cap in the push loop', () => {
    let receiver: OtlpReceiver;
    let agent: Agent;
    const warnings: { msg: string; id?: string; observed?: number; kept?: number }[] = [];
    /** Per cgroup of the labelled pod: its series, uncapped, in catalog order (then the row's point order). */
    const reference = new Map<string, string[]>();
    let cap = 0;

    const seriesOf = (points: readonly { name: string; attributes: Record<string, unknown> }[], id: string): string[] =>
      points.filter((p) => CONTAINER_METRICS.has(p.name) && p.attributes.id === id).map(seriesKey);

    beforeAll(async () => {
      // containerd measures writable layers on its own schedule (about every 10 s): until it has measured
      // this pod's, its containers have no container_fs_* series, and they appear in a later cycle. The
      // reference waits for them (at most 20 s), so it holds every series the push loop will see.
      let uncapped: JsonPoint[] = [];
      const fsDeadline = Date.now() + 20_000;
      for (;;) {
        uncapped = toJsonPoints(await agentFor(socket, []).collectOnce()) as JsonPoint[];
        const measured = (id: string) => uncapped.some((p) => p.name === 'container_fs_usage_bytes' && p.attributes.id === id);
        if (labelled.containers.every((c) => measured(c.cgroup)) || Date.now() > fsDeadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const perContainer = new Map<string, number>();
      for (const p of uncapped) if (CONTAINER_METRICS.has(p.name)) perContainer.set(p.attributes.id as string, (perContainer.get(p.attributes.id as string) ?? 0) + 1);
      for (const id of [labelled.sandboxCgroup, labelled.cgroup, ...labelled.containers.map((c) => c.cgroup)]) reference.set(id, seriesOf(uncapped, id));
      const counts = [...perContainer.values()].sort((a, b) => b - a);
      const sandboxCount = reference.get(labelled.sandboxCgroup)?.length ?? 0;
      console.log(
        `[controls] series per cgroup (uncapped): pod sandbox ${sandboxCount}, pod cgroup ${reference.get(labelled.cgroup)?.length}, ` +
          `containers ${labelled.containers.map((c) => reference.get(c.cgroup)?.length).join('/')}, root ${perContainer.get('/')}, ` +
          `max ${counts[0]}, median ${counts[Math.floor(counts.length / 2)]} over ${counts.length} cgroups`,
      );
      // The sandbox (it owns the pod network) has the most series of the pod: a cap between it and the
      // next largest cuts the sandbox and leaves the rest of the pod alone.
      const others = Math.max(...[...reference].filter(([id]) => id !== labelled.sandboxCgroup).map(([, ref]) => ref.length));
      cap = sandboxCount > others + 1 ? Math.floor((sandboxCount + others) / 2) : Math.floor(sandboxCount / 2);
      receiver = await startOtlpReceiver();
      const stream = new Writable({
        write(chunk, _enc, cb) {
          for (const l of String(chunk).split('\n')) if (l) {
            const line = JSON.parse(l) as { level: number; msg: string };
            if (line.level === 40 && line.msg.includes('maxSeriesPerContainer')) warnings.push(line);
          }
          cb();
        },
      });
      agent = agentFor(socket, ['--collection-interval', '1s', '--export-otlp-endpoint', receiver.url, '--metrics-max-series-per-container', String(cap)], pino({ level: 'info' }, stream));
      await agent.start({ serveHealth: false });
      await receiver.waitForRequests(4, 30_000);
    });

    afterAll(async () => {
      await agent?.stop();
      await receiver?.stop();
    });

    const counter = (req: FlatRequest): number | undefined =>
      req.metrics.find((m) => m.name === 'podpulse_container_series_over_limit_total')?.points[0]?.value;
    const exported = (req: FlatRequest, id: string): string[] =>
      seriesOf(req.metrics.flatMap((m) => m.points.map((p) => ({ name: m.name, attributes: p.attributes }))), id);

    it('each cgroup of the pod keeps exactly its first N series in catalog order; the counter rises every cycle', () => {
      const flat = receiver.flat();
      const last = flat[flat.length - 1] as FlatRequest;
      expect(cap).toBeGreaterThan(5);
      let cut = 0;
      let untouched = 0; // cgroups under the cap export all their series
      for (const [id, ref] of reference) {
        expect(ref.length, id).toBeGreaterThan(0);
        expect(exported(last, id), id).toEqual(ref.slice(0, cap));
        if (ref.length > cap) cut++;
        else untouched++;
      }
      expect(reference.get(labelled.sandboxCgroup)?.length).toBeGreaterThan(cap); // the sandbox is cut
      const values = flat.map(counter).filter((v): v is number => v !== undefined);
      expect(values.length).toBeGreaterThanOrEqual(3);
      // Each export counts its own cycle's cut too: from the first, it rises at least by what this pod lost.
      const lostPerCycle = [...reference.values()].reduce((n, ref) => n + Math.max(0, ref.length - cap), 0);
      expect(values[0]).toBeGreaterThanOrEqual(lostPerCycle);
      for (let i = 1; i < values.length; i++) expect((values[i] as number) - (values[i - 1] as number)).toBeGreaterThanOrEqual(lostPerCycle);
      console.log(
        `[controls] cap ${cap}: ${cut} cgroup(s) of the pod cut, ${untouched} untouched; sandbox kept ${exported(last, labelled.sandboxCgroup).length} of ` +
          `${reference.get(labelled.sandboxCgroup)?.length}; podpulse_container_series_over_limit_total ${values.join(' -> ')}`,
      );
    });

    it('warns once (rate-limited), naming the container, what it had and what it kept', () => {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toMatch(/over metrics\.maxSeriesPerContainer=/);
    });
  });

  it('an override naming no metric stops the agent: exit 2, one stderr line naming the key', async () => {
    ensureBuilt();
    const run = await runCli(['--once', '--cri-endpoint', socket, '--metrics-overrides', 'container_memory_rs=true']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'podpulse: config error: metrics.overrides.container_memory_rs: unknown metric "container_memory_rs" (did you mean container_memory_rss?); allowed: metric names listed in docs/metrics.md',
    ]);
  });
});
