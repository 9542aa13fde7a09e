/**
 * The path users deploy, run for real: podpulse (real containerd pods) -> OTLP/gRPC -> the
 * OpenTelemetry Collector built from otel-collector/ with otel-collector/config.yaml -> Prometheus
 * 2.42 remote-write receiver (this repo's prometheus.yml storage settings and rules) -> PromQL over HTTP.
 *
 * a. every series `--print prometheus` prints for the test pod arrives with the same name, label set
 *    and value (counters bracketed by the samples around the print, gauges within the samples' range);
 * b. every dashboard query, recording rule and alert expression returns data from pushed series;
 * c. staleness: a removed pod's series vanish within two intervals plus the batch timeout with end
 *    markers, and still return their last value then without them;
 * d. outage: the collector is stopped for more than three intervals; the snapshots of the outage
 *    reach Prometheus and the counters stay continuous;
 * f. compression: gzip reaches the collector; bytes on the wire per series, gzip vs none.
 * (e. TLS and auth: collector-tls.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { collectorOrSkip, parseExposition, seriesKey, startCollector, startCountingProxy, type RunningCollector } from '../helpers/collector.js';
import { childOomVictim, TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { alertSignal, dashboardExprs, needsKsm, ruleExprs, ruleFiles } from '../helpers/shipped-promql.js';
import { ensurePrometheusInstalled, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';
import { batchTimeoutS, kernelCpuSeconds, prometheusConfig } from '../helpers/collector-e2e.js';

const NS = 'podpulse-otelcol';
const NODE = 'node-otelcol';
const MIB = 1024 * 1024;
const INTERVAL_S = 1;
const rt = runtimeOrSkip();
const col = collectorOrSkip();
const prom = ensurePrometheusInstalled();
const NAME = 'agent -> OpenTelemetry Collector -> Prometheus remote write';
const title = rt.skip ? rt.title(NAME) : col.skip ? col.title(NAME) : prom.title(NAME);

interface LogLine {
  level: number;
  msg: string;
  time: number;
  export?: string;
  series?: number;
  queued?: number;
  reason?: string;
}

function capturingLogger(): { log: Logger; lines: () => LogLine[] } {
  const raw: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void raw.push(s) });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as LogLine) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

type Matrix = { metric: Record<string, string>; values: [number, number][] }[];

/** Raw samples of `selector` in (at - windowS, at]. */
async function rawSamples(p: RunningPrometheus, selector: string, at: number, windowS: number): Promise<Matrix> {
  const q = new URLSearchParams({ query: `${selector}[${Math.ceil(windowS)}s]`, time: at.toFixed(3) });
  const data = await p.api<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(`/api/v1/query?${q.toString()}`);
  expect(data.resultType).toBe('matrix');
  return data.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
}

function agentArgs(endpoint: string, instance: string, extra: string[] = []): string[] {
  return [
    '--cri-endpoint', rt.get().socket, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', `${INTERVAL_S}s`,
    '--export-otlp-endpoint', endpoint, '--resource-service-instance-id', instance,
    // An outage of several cycles plus grpc-js' reconnect: keep every snapshot of it.
    '--export-otlp-replay-snapshots', '30',
    ...extra,
  ];
}

async function startAgent(args: string[]): Promise<{ agent: Agent; lines: () => LogLine[] }> {
  const { config } = loadConfig(args, {});
  const { log, lines } = capturingLogger();
  const agent = new Agent({ config, env: {}, log });
  await agent.start();
  return { agent, lines };
}

describe.skipIf(rt.skip || col.skip || !prom.ok)(title, () => {
  let pods: TestPods;
  let workload: TestPod;
  let prometheus: RunningPrometheus;
  let collector: RunningCollector;
  let main: { agent: Agent; lines: () => LogLine[] };
  const agents: Agent[] = [];
  const figures: string[] = [];
  const batchS = batchTimeoutS();
  const sel = (metric: string, extra = ''): string => `${metric}{job="cadvisor", instance="${NODE}", namespace="${NS}", pod="workload"${extra}}`;

  beforeAll(async () => {
    ensureBuilt();
    const r = rt.get();
    pods = new TestPods(r);
    workload = await pods.createPod({
      name: 'workload',
      namespace: NS,
      qos: 'burstable',
      containers: [
        { name: 'cpu-burner', command: workloads.cpuLoop(), cpuQuota: 50_000, cpuPeriod: 100_000 },
        {
          name: 'disk-writer',
          command: ['sh', '-c', 'dd if=/dev/zero of=/data.bin bs=1M count=8 oflag=direct 2>/dev/null; while :; do dd if=/data.bin of=/dev/null bs=1M iflag=direct 2>/dev/null; sleep 1; done'],
          memoryLimitBytes: 256 * MIB,
        },
        { name: 'near-limit', command: workloads.pageCache(60), memoryLimitBytes: 64 * MIB },
        { name: 'net-gen', command: workloads.pingGateway(r.gateway, 3000, 0.2, 1000) },
        // A child OOM-killed inside a container that keeps running: counted from the kernel, whatever CRI says.
        childOomVictim(),
      ],
    });
    // CRI has no per-container pids limit (the kubelet sets pod-level ones); write one as the kubelet would.
    const writer = workload.containers.find((c) => c.name === 'disk-writer');
    writeFileSync(`${pods.cgroupDir('pids', writer?.cgroup as string)}/pids.max`, '100\n');
    prometheus = await startPrometheus({ configYaml: prometheusConfig(), ruleFiles: ruleFiles(), extraArgs: ['--web.enable-remote-write-receiver'] });
    collector = await startCollector({ binary: col.binary(), remoteWriteUrl: `${prometheus.url}/api/v1/write` });
    main = await startAgent(agentArgs(`http://${collector.grpcAddress}`, NODE));
    agents.push(main.agent);
    await prometheus.waitFor(`rate(${sel('container_cpu_usage_seconds_total', ', container="cpu-burner"')}[1m]) > 0`, { timeoutMs: 60_000 });
    await prometheus.waitFor(`${sel('container_oom_events_total', ', container="oom-victim"')} > 0`, { timeoutMs: 30_000 });
    await prometheus.waitFor(`container_fs_usage_bytes{namespace="${NS}", container="disk-writer"} > 0`, { timeoutMs: 40_000 });
    // The OOM victim keeps running, so it has a writable layer too; containerd measures it on its own schedule.
    await prometheus.waitFor(`container_fs_usage_bytes{namespace="${NS}", container="oom-victim"} > 0`, { timeoutMs: 40_000 });
  });

  afterAll(async () => {
    console.log(`[collector e2e] collector build in setup: ${col.buildMs() === 0 ? 'up to date' : `${(col.buildMs() / 1000).toFixed(1)} s`}`);
    for (const f of figures) console.log(`[collector e2e] ${f}`);
    for (const a of agents) await a.stop().catch(() => undefined);
    await collector?.stop();
    await prometheus?.stop();
    await pods?.removeAll();
    pods?.close();
  });

  it('a. every series --print prometheus prints for the pod arrives with the same name, labels and value', async () => {
    const before = Date.now() / 1000;
    const printed = await runCli(
      ['--once', '--print', 'prometheus', '--cri-endpoint', rt.get().socket, '--discovery-cgroup-parents', 'kubepods', '--export-otlp-endpoint', '', '--resource-service-instance-id', NODE],
      { timeoutMs: 90_000 },
    );
    const after = Date.now() / 1000;
    expect(printed.code, printed.stderr).toBe(0);
    const mine = parseExposition(printed.stdout).filter((s) => s.labels.namespace === NS && s.labels.pod === 'workload');
    expect(mine.length).toBeGreaterThan(40);
    // Let the agent collect after the print and the collector's batch reach Prometheus.
    await sleep((2 * INTERVAL_S + batchS + 2) * 1000);
    const window = after + 2 * INTERVAL_S - (before - INTERVAL_S);
    const pushed = await rawSamples(prometheus, `{job="cadvisor", instance="${NODE}", namespace="${NS}", pod="workload"}`, after + 2 * INTERVAL_S, window);
    // Recording rules' outputs (level:metric:operation names) are Prometheus' own, not remote-written.
    const written = pushed.filter((m) => !(m.metric.__name__ as string).includes(':'));
    const byKey = new Map(written.map((m) => [seriesKey(m.metric.__name__ as string, m.metric), m]));
    // Gauges of a busy container swing within a second (disk-writer's working set moves by the dd
    // buffer, 0.35..0.75 MB, as dd runs and sleeps): the print, read by another process, is matched
    // against the pushed range over three cycles either side instead of one.
    const wideFrom = before - 3 * INTERVAL_S;
    const wideTo = after + 3 * INTERVAL_S;
    const wide = new Map(
      (await rawSamples(prometheus, `{job="cadvisor", instance="${NODE}", namespace="${NS}", pod="workload"}`, wideTo, wideTo - wideFrom)).map((m) => [seriesKey(m.metric.__name__ as string, m.metric), m]),
    );
    const counters = new Set(printed.stdout.split('\n').filter((l) => /^# TYPE \S+ counter$/.test(l)).map((l) => l.split(' ')[2]));
    const missing: string[] = [];
    const wrong: string[] = [];
    let exact = 0;
    for (const s of mine) {
      const key = seriesKey(s.name, s.labels);
      const m = byKey.get(key);
      if (!m) {
        missing.push(key);
        continue;
      }
      // The load averages are the agent's own EWMA over its past cycles: a fresh --once process has
      // one sample of history, the running agent many, so only their presence can match.
      if (OWN_HISTORY.has(s.name)) continue;
      const vals = (counters.has(s.name) ? m : (wide.get(key) ?? m)).values.map(([, v]) => v);
      const lo = Math.min(...vals);
      const hi = Math.max(...vals);
      // Counters: the print lies between the samples around it. Gauges: within their range over the
      // wider window, widened by 5 % (a separate process reads at a slightly different moment).
      const slack = counters.has(s.name) ? 0 : Math.max(Math.abs(hi), Math.abs(lo)) * 0.05;
      if (s.value < lo - slack || s.value > hi + slack) wrong.push(`${key}: printed ${s.value}, pushed ${lo}..${hi}`);
      if (vals.includes(s.value)) exact++;
    }
    expect(missing, `missing in Prometheus (have ${byKey.size}):\n${missing.join('\n')}`).toEqual([]);
    expect(wrong).toEqual([]);
    // Nothing else arrived for the pod: no extra series and no extra labels.
    const printedKeys = new Set(mine.map((s) => seriesKey(s.name, s.labels)));
    const extra = [...byKey.keys()].filter((k) => !printedKeys.has(k));
    expect(extra, 'series in Prometheus that the print does not have').toEqual([]);
    for (const m of written) {
      expect(m.metric).toMatchObject({ job: 'cadvisor', instance: NODE });
      expect(Object.keys(m.metric).filter((k) => k.startsWith('otel_scope'))).toEqual([]);
    }
    // The resource lands on target_info, joinable on (job, instance).
    const target = await prometheus.query(`target_info{job="cadvisor", instance="${NODE}"}`);
    expect(target).toHaveLength(1);
    expect(target[0]?.metric).toMatchObject({ host_name: expect.any(String) });
    figures.push(`a: ${mine.length} series of the pod compared (${counters.size} counter names), ${exact} equal to a pushed sample exactly, target_info labels: ${Object.keys(target[0]?.metric ?? {}).sort().join(',')}`);
  });

  /** Gauges computed from the agent's own earlier cycles (collection/cpu-load.ts). */
const OWN_HISTORY = new Set(['container_cpu_load_average_10s', 'container_cpu_load_d_average_10s']);

describe('b. shipped PromQL on remote-written series', () => {
    const values = { node: NODE, namespace: NS, pod: 'workload' };
    it.each(dashboardExprs(values).filter((e) => !needsKsm(e)).map((e) => [e.where, e] as const))('dashboard %s returns data', async (_w, e) => {
      expect((await prometheus.query(e.expr)).length, e.expr).toBeGreaterThan(0);
    });
    it.each(dashboardExprs(values).filter(needsKsm).map((e) => [e.where, e] as const))('dashboard %s parses (needs kube-state-metrics for data)', async (_w, e) => {
      expect(Array.isArray(await prometheus.query(e.expr))).toBe(true);
    });
    it.each(ruleExprs().filter((e) => !e.alert).map((e) => [e.where, e] as const))('recording rule %s returns the test pod, and is recorded', async (_w, e) => {
      const samples = await prometheus.query(e.expr);
      expect(samples.some((s) => s.metric.namespace === NS && s.metric.pod === 'workload'), e.expr).toBe(true);
      await prometheus.waitFor(e.record as string, { timeoutMs: 10_000 });
    });
    it.each(ruleExprs().filter((e) => e.alert).map((e) => [e.where, e] as const))('alert %s parses and its signal has data', async (_w, e) => {
      const full = await prometheus.query(e.expr);
      const signal = full.length > 0 ? full : await prometheus.query(alertSignal(e.expr));
      expect(signal.length, alertSignal(e.expr)).toBeGreaterThan(0);
    });
  });

  it('c. a removed pod goes stale within two intervals plus the batch timeout with end markers, not without', async () => {
    // A second agent with end markers off, under its own instance so the two never write the same series.
    const plain = await startAgent(agentArgs(`http://${collector.grpcAddress}`, `${NODE}-nomarkers`, ['--export-otlp-end-markers', 'false']));
    agents.push(plain.agent);
    const pod = await pods.createPod({ name: 'ephemeral', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
    const q = (instance: string): string => `container_memory_working_set_bytes{instance="${instance}", namespace="${NS}", pod="ephemeral", container="sleeper"}`;
    await prometheus.waitFor(q(NODE), { timeoutMs: 30_000 });
    await prometheus.waitFor(q(`${NODE}-nomarkers`), { timeoutMs: 30_000 });
    await sleep((batchS + 2 * INTERVAL_S) * 1000);
    const lastPlain = (await prometheus.query(q(`${NODE}-nomarkers`)))[0]?.value;
    const removedAt = Date.now();
    await pods.removePod(pod.id);
    const limitS = 2 * INTERVAL_S + batchS;
    let goneAfterS = Number.NaN;
    await waitUntil(async () => {
      if ((await prometheus.query(q(NODE))).length > 0) return false;
      goneAfterS = (Date.now() - removedAt) / 1000;
      return true;
    }, 30_000, 'the removed pod\'s series to vanish (end markers on)');
    // Without markers the last value is still returned once the same time has passed.
    const waitMore = removedAt + Math.max(goneAfterS, limitS) * 1000 - Date.now();
    if (waitMore > 0) await sleep(waitMore);
    const still = await prometheus.query(q(`${NODE}-nomarkers`));
    const plainAtS = (Date.now() - removedAt) / 1000;
    await plain.agent.stop();
    figures.push(`c: with end markers the removed pod's series vanished after ${goneAfterS.toFixed(2)} s (limit ${limitS} s = 2 x ${INTERVAL_S} s interval + ${batchS} s batch); without markers it still returned ${still[0]?.value} after ${plainAtS.toFixed(2)} s`);
    expect(goneAfterS).toBeLessThanOrEqual(limitS);
    expect(still).toHaveLength(1);
    expect(lastPlain).toBeDefined();
  });

  it('d. a collector outage of more than three intervals: the outage snapshots arrive and counters stay continuous', async () => {
    const burner = workload.containers.find((c) => c.name === 'cpu-burner')?.cgroup as string;
    const cpuSel = sel('container_cpu_usage_seconds_total', ', container="cpu-burner"');
    const failedBefore = main.lines().filter((l) => l.export === 'failed').length;
    const tsdb = async (): Promise<{ oooAppended: number; oooRejected: number }> => {
      const text = await (await fetch(`${prometheus.url}/metrics`)).text();
      const sum = (n: string): number => parseExposition(text.split('\n').filter((l) => l.startsWith(n)).join('\n')).filter((x) => x.name === n).reduce((a, x) => a + x.value, 0);
      return { oooAppended: sum('prometheus_tsdb_head_out_of_order_samples_appended_total'), oooRejected: sum('prometheus_tsdb_out_of_order_samples_total') };
    };
    const tsdbBefore = await tsdb();
    await sleep(2000);
    const k0 = kernelCpuSeconds(pods, burner);
    const t0 = Date.now() / 1000;
    await collector.stop();
    const downAt = Date.now() / 1000;
    // Down for at least three intervals and three failed cycles: the first failure may come at once
    // (a cycle already under way when the collector went), so the count alone can be under 3 s.
    await waitUntil(
      () => main.lines().filter((l) => l.export === 'failed').length - failedBefore >= 3 && Date.now() / 1000 - downAt >= 3 * INTERVAL_S + 0.5,
      30_000,
      'three failed cycles over three intervals',
    );
    await collector.start();
    const upAt = Date.now() / 1000;
    await waitUntil(() => main.lines().slice(-1)[0]?.export === 'ok' && main.lines().slice(-1)[0]?.queued === undefined, 30_000, 'the agent to deliver its queue');
    const k1 = kernelCpuSeconds(pods, burner);
    const t1 = Date.now() / 1000;
    await sleep((batchS + 3 * INTERVAL_S) * 1000);
    const failedCycles = main.lines().filter((l) => l.export === 'failed').length - failedBefore;
    const tsdbAfter = await tsdb();
    const oooAppended = tsdbAfter.oooAppended - tsdbBefore.oooAppended;
    // Nothing was refused as too old: every replayed sample was stored.
    expect(tsdbAfter.oooRejected - tsdbBefore.oooRejected).toBe(0);
    expect(upAt - downAt).toBeGreaterThanOrEqual(3 * INTERVAL_S);

    // Every series of the pod: samples collected while the collector was down are in Prometheus.
    const at = Date.now() / 1000;
    const all = await rawSamples(prometheus, `{job="cadvisor", instance="${NODE}", namespace="${NS}", pod="workload"}`, at, at - t0 + 5);
    const inOutage = all.reduce((n, m) => n + m.values.filter(([t]) => t > downAt && t < upAt).length, 0);
    const seriesWithOutageSamples = all.filter((m) => m.values.some(([t]) => t > downAt && t < upAt)).length;
    expect(seriesWithOutageSamples).toBeGreaterThan(all.length * 0.9);
    // Counters: no reset anywhere across the outage (fs counters excepted, see outage.test.ts).
    const counterNames = new Set(all.map((m) => m.metric.__name__ as string).filter((n) => n.endsWith('_total') && !n.startsWith('container_fs_')));
    const resets: string[] = [];
    for (const m of all.filter((x) => counterNames.has(x.metric.__name__ as string))) {
      for (let i = 1; i < m.values.length; i++) {
        if ((m.values[i]?.[1] as number) < (m.values[i - 1]?.[1] as number)) resets.push(seriesKey(m.metric.__name__ as string, m.metric));
      }
    }
    expect(resets).toEqual([]);
    // What the kernel counted between t0 and t1 equals the pushed samples' increase over the same
    // span, within one cycle's worth of CPU at either end.
    const cpu = (await rawSamples(prometheus, cpuSel, at, at - t0 + 5))[0]?.values ?? [];
    const nearest = (t: number): [number, number] => cpu.reduce((b, s) => (Math.abs(s[0] - t) < Math.abs(b[0] - t) ? s : b), cpu[0] as [number, number]);
    const [s0t, s0] = nearest(t0);
    const [s1t, s1] = nearest(t1);
    const kernel = k1 - k0;
    const pushed = s1 - s0;
    const perSecond = kernel / (t1 - t0);
    const allowed = perSecond * (Math.abs(s0t - t0) + Math.abs(s1t - t1) + INTERVAL_S);
    figures.push(
      `d: collector down ${(upAt - downAt).toFixed(1)} s (${failedCycles} failed cycles); ${inOutage} samples of ${seriesWithOutageSamples}/${all.length} pod series ` +
        `collected during the outage reached Prometheus; cpu-burner kernel +${kernel.toFixed(3)} s vs pushed +${pushed.toFixed(3)} s (allowed ±${allowed.toFixed(3)}); ` +
        `${counterNames.size} counter names checked for resets; samples Prometheus stored through its out-of-order window meanwhile: ${oooAppended}`,
    );
    expect(Math.abs(pushed - kernel)).toBeLessThanOrEqual(allowed);
    expect(inOutage).toBeGreaterThan(0);
  });

  it('f. gzip reaches the collector compressed; bytes on the wire per series, gzip vs none', async () => {
    const proxy = await startCountingProxy(collector.grpcPort);
    const perSeries: Record<string, number> = {};
    try {
      for (const compression of ['gzip', 'none'] as const) {
        const a = await startAgent(agentArgs(`http://127.0.0.1:${proxy.port}`, `${NODE}-${compression}`, ['--export-otlp-compression', compression]));
        agents.push(a.agent);
        await waitUntil(() => a.lines().filter((l) => l.export === 'ok').length >= 2, 30_000, `two ${compression} cycles`);
        const okBefore = a.lines().filter((l) => l.export === 'ok').length;
        proxy.reset();
        await waitUntil(() => a.lines().filter((l) => l.export === 'ok').length >= okBefore + 5, 30_000, `five more ${compression} cycles`);
        await a.agent.stop();
        const cycles = a.lines().filter((l) => l.export === 'ok').slice(okBefore);
        const series = cycles.reduce((n, l) => n + (l.series ?? 0), 0);
        perSeries[compression] = proxy.bytesUp / series;
        figures.push(`f: ${compression}: ${proxy.bytesUp} bytes for ${cycles.length} cycles of ${series / cycles.length} series = ${perSeries[compression]?.toFixed(1)} bytes/series; gRPC messages compressed ${proxy.compressed}, uncompressed ${proxy.uncompressed}`);
        if (compression === 'gzip') {
          expect(proxy.compressed).toBeGreaterThanOrEqual(cycles.length);
          expect(proxy.uncompressed).toBe(0);
        } else {
          expect(proxy.uncompressed).toBeGreaterThanOrEqual(cycles.length);
          expect(proxy.compressed).toBe(0);
        }
        // And the collector accepted them: they are in Prometheus.
        await prometheus.waitFor(`container_memory_working_set_bytes{instance="${NODE}-${compression}", namespace="${NS}"}`, { timeoutMs: 20_000 });
      }
    } finally {
      await proxy.stop();
    }
    expect(perSeries.gzip).toBeLessThan((perSeries.none as number) / 2);
  });
});
