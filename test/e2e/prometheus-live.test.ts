/**
 * A real Prometheus (Debian's package) scrapes podpulse's pull endpoint as job="cadvisor" while real
 * containerd pods run, with this repo's recording and alerting rules loaded. Every PromQL expression
 * of the provisioned dashboards, the recording rules and the alert rules is evaluated through the
 * HTTP API: it must parse and return data, and the container ones must return the test pod.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { childOomVictim, TestPods, workloads } from '../helpers/pods.js';
import { ensurePrometheusInstalled, freePort, startPrometheus, type PromSample, type RunningPrometheus } from '../helpers/prometheus.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';
import { alertSignal, dashboardExprs, needsKsm, ruleExprs, ruleFiles } from '../helpers/shipped-promql.js';

const NS = 'podpulse-prom';
const NODE = 'node-e2e';
const MIB = 1024 * 1024;
const gate = runtimeOrSkip();
const prom = ensurePrometheusInstalled();
const skip = gate.skip || !prom.ok;
const title = gate.skip ? gate.title('dashboards and rules on a real Prometheus') : prom.title('dashboards and rules on a real Prometheus');

describe.skipIf(skip)(title, () => {
  let pods: TestPods;
  let agent: Agent;
  let prometheus: RunningPrometheus;
  let burnerCgroup = '';
  const results: { where: string; series: number }[] = [];

  beforeAll(async () => {
    const rt = gate.get();
    pods = new TestPods(rt);
    const workload = await pods.createPod({
      name: 'workload',
      namespace: NS,
      qos: 'burstable',
      containers: [
        // A 0.1-core quota: the loop is throttled in every CFS period in which it gets 10 ms of CPU,
        // which it does even on a machine busy enough to starve a half-core loop of its 50 ms (then
        // it is rarely throttled and CPUThrottlingHigh rightly stays quiet).
        { name: 'cpu-burner', command: workloads.cpuLoop(), cpuQuota: 10_000, cpuPeriod: 100_000 },
        {
          name: 'disk-writer',
          // O_DIRECT I/O reaches the block layer, so blkio (armed by the harness) counts it per device.
          command: ['sh', '-c', 'dd if=/dev/zero of=/data.bin bs=1M count=8 oflag=direct 2>/dev/null; while :; do dd if=/data.bin of=/dev/null bs=1M iflag=direct 2>/dev/null; sleep 1; done'],
          memoryLimitBytes: 256 * MIB,
        },
        // 60 MiB of shmem under a 64 MiB limit: a working set above 90 % of the limit.
        { name: 'near-limit', command: workloads.pageCache(60), memoryLimitBytes: 64 * MIB },
        { name: 'net-gen', command: workloads.pingGateway(rt.gateway, 3000, 0.2, 1000) },
        // A child OOM-killed in a running container: the kernel's count, whatever the runtime reports.
        childOomVictim(),
      ],
    });
    // CRI has no per-container pids limit (the kubelet sets pod-level ones); write one as the kubelet would.
    burnerCgroup = workload.containers.find((c) => c.name === 'cpu-burner')?.cgroup as string;
    const writer = workload.containers.find((c) => c.name === 'disk-writer');
    writeFileSync(`${pods.cgroupDir('pids', writer?.cgroup as string)}/pids.max`, '100\n');

    const port = await freePort();
    const { config } = loadConfig(
      [
        '--cri-endpoint', rt.socket, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', '1s',
        '--export-otlp-endpoint', '', '--export-prometheus-enabled', 'true', '--export-prometheus-port', String(port),
        '--resource-service-instance-id', NODE,
      ],
      {},
    );
    agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    await agent.start();
    // As in prometheus/prometheus.yml: scrape the endpoint as job="cadvisor" and keep Prometheus' own
    // `up` (podpulse's synthetic `up` is for the push path, where nothing else writes it).
    prometheus = await startPrometheus({
      configYaml: [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: cadvisor',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        `        labels: { instance: ${NODE} }`,
        '    metric_relabel_configs:',
        '      - { source_labels: [__name__], regex: up, action: drop }',
      ].join('\n'),
      ruleFiles: ruleFiles(),
    });
    // Rates need a few samples; recording rules need an evaluation after them.
    await prometheus.waitFor(`rate(container_cpu_usage_seconds_total{job="cadvisor", namespace="${NS}", pod="workload", container="cpu-burner"}[5m]) > 0`, { timeoutMs: 30_000 });
    await prometheus.waitFor(`container_fs_writes_bytes_total{job="cadvisor", namespace="${NS}", container="disk-writer"} > 0`, { timeoutMs: 30_000 });
    await prometheus.waitFor(`container_oom_events_total{namespace="${NS}", pod="workload", container="oom-victim"} > 0`, { timeoutMs: 30_000 });
    // containerd measures writable layers about every 10 s, podpulse asks it as often.
    await prometheus.waitFor(`container_fs_usage_bytes{job="cadvisor", namespace="${NS}", container="disk-writer"} > 0`, { timeoutMs: 40_000 });
    await new Promise((r) => setTimeout(r, 4000));
  });

  afterAll(async () => {
    const withData = results.filter((r) => r.series > 0).length;
    console.log(`[prometheus-live] ${results.length} expressions evaluated against the real Prometheus, ${withData} returned data`);
    await prometheus?.stop();
    await agent?.stop();
    await pods?.removeAll();
    pods?.close();
  });

  it('scrapes kubelet-compatible series as job="cadvisor"', async () => {
    const s = await prometheus.query(`container_memory_working_set_bytes{namespace="${NS}", pod="workload", container="cpu-burner"}`);
    expect(s).toHaveLength(1);
    expect(s[0]?.metric).toMatchObject({ job: 'cadvisor', instance: NODE, namespace: NS, pod: 'workload', container: 'cpu-burner', image: gate.get().image });
    expect(s[0]?.metric.name).toMatch(/^[0-9a-f]{64}$/);
  });

  // Requests come from kube-state-metrics, which is not part of this test: those queries must parse
  // (a PromQL error throws), and their data is not expected here.

  it.each(dashboardExprs({ node: NODE, namespace: NS, pod: 'workload' }).filter((e) => !needsKsm(e)).map((e) => [e.where, e] as const))('dashboard %s returns data', async (where, e) => {
    const samples: PromSample[] = await prometheus.query(e.expr);
    results.push({ where, series: samples.length });
    expect(samples.length, e.expr).toBeGreaterThan(0);
  });

  it.each(dashboardExprs({ node: NODE, namespace: NS, pod: 'workload' }).filter(needsKsm).map((e) => [e.where, e] as const))('dashboard %s parses (needs kube-state-metrics for data)', async (where, e) => {
    const samples: PromSample[] = await prometheus.query(e.expr);
    results.push({ where, series: samples.length });
    expect(Array.isArray(samples)).toBe(true);
  });

  it.each(ruleExprs().filter((e) => !e.alert).map((e) => [e.where, e] as const))('recording rule %s returns the test pod', async (where, e) => {
    const samples = await prometheus.query(e.expr);
    results.push({ where, series: samples.length });
    expect(samples.some((s) => s.metric.namespace === NS && s.metric.pod === 'workload'), e.expr).toBe(true);
    // The rule is also being recorded by Prometheus itself.
    const recorded = await prometheus.query(where.split(' / ')[1] as string);
    expect(recorded.length).toBeGreaterThan(0);
  });

  it.each(ruleExprs().filter((e) => e.alert).map((e) => [e.where, e] as const))('alert %s parses and its signal has data', async (where, e) => {
    const full = await prometheus.query(e.expr); // a PromQL error throws here
    const signal = full.length > 0 ? full : await prometheus.query(alertSignal(e.expr));
    results.push({ where, series: signal.length });
    expect(signal.length, alertSignal(e.expr)).toBeGreaterThan(0);
  });

  it('container alerts fire for the workloads built to trigger them', async () => {
    const rules = ruleExprs().filter((e) => e.alert);
    const byName = (n: string) => rules.find((r) => r.where.endsWith(`/ ${n}`))?.expr as string;
    // The ratio is over increase()s of a few seconds of samples: wait for it (the rule's `for` is
    // not part of the expression). If it never comes, say what the kernel counted for the burner.
    const throttled = await prometheus
      .waitFor(byName('CPUThrottlingHigh'), { timeoutMs: 45_000, accept: (s) => s.some((x) => x.metric.container === 'cpu-burner') })
      .catch((err: Error) => {
        const stat = readFileSync(`${pods.cgroupDir('cpu', burnerCgroup)}/cpu.stat`, 'utf8').replace(/\n/g, ' ');
        throw new Error(`${err.message}\nburner cpu.stat: ${stat}; load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
      });
    expect(throttled.map((s) => s.metric.container)).toContain('cpu-burner');
    const oom = await prometheus.query(byName('ContainerOOMKilled'));
    expect(oom.map((s) => `${s.metric.pod}/${s.metric.container}`)).toContain('workload/oom-victim');
    const near = await prometheus.query(byName('ContainerMemoryNearLimit'));
    expect(near.map((s) => s.metric.container)).toContain('near-limit');
    // A healthy agent does not trip its own alerts.
    for (const n of ['PodpulseDown', 'PodpulseAbsent', 'PodpulseExportFailing', 'PodpulseDroppingPoints', 'PodpulseCRIDown']) {
      expect(await prometheus.query(byName(n)), n).toEqual([]);
    }
  });
});
