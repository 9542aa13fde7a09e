/**
 * The semconv profile (metrics.profile: semconv) for real: podpulse on real containerd pods and real
 * cgroups -> OTLP/gRPC -> the OpenTelemetry Collector built from otel-collector/ with the shipped
 * otel-collector/config.yaml -> Prometheus remote write -> PromQL; and the same agent set-up against
 * a loopback OTLP receiver to see the wire itself.
 *
 * a. on the wire: ONE ExportMetricsServiceRequest carries the node's resource and one resource per
 *    pod and container, the identity (container.id, k8s.pod.uid, …) in those resources and never on
 *    the points; names and units are semconv's;
 * b. through the collector: the semconv names with the collector's unit suffixes, the resource keys
 *    the shipped config promotes as labels, one target_info per pod and container carrying the whole
 *    resource, and no cadvisor-profile series;
 * c. a removed pod's semconv series get their end markers under the pod's resources: they vanish
 *    within two intervals plus the batch timeout;
 * d. figures: metrics per profile, and series per container and per pod, from one collection each;
 * e. profile both through the same collector config: the cadvisor series keep exactly kubelet's
 *    labels while the semconv series of the same container arrive beside them.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { collectorOrSkip, startCollector, type RunningCollector } from '../helpers/collector.js';
import { flattenResourceMetrics, startOtlpReceiver, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { ensurePrometheusInstalled, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';
import { batchTimeoutS, kernelCpuSeconds, prometheusConfig } from '../helpers/collector-e2e.js';

const NS = 'podpulse-semconv';
const NODE = 'node-semconv';
const MIB = 1024 * 1024;
const INTERVAL_S = 1;
const rt = runtimeOrSkip();
const col = collectorOrSkip();
const prom = ensurePrometheusInstalled();
const NAME = 'semconv profile: agent -> OpenTelemetry Collector -> Prometheus, and on the wire';
const title = rt.skip ? rt.title(NAME) : col.skip ? col.title(NAME) : prom.title(NAME);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startAgent(endpoint: string, profile = 'semconv', node = NODE): Promise<Agent> {
  const { config } = loadConfig(
    [
      '--cri-endpoint', rt.get().socket, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', `${INTERVAL_S}s`,
      '--export-otlp-endpoint', endpoint, '--metrics-profile', profile,
    ],
    {},
  );
  const agent = new Agent({ config, env: { NODE_NAME: node }, log: pino({ level: 'warn' }) });
  await agent.start();
  return agent;
}

describe.skipIf(rt.skip || col.skip || !prom.ok)(title, () => {
  let pods: TestPods;
  let web: TestPod;
  let prometheus: RunningPrometheus;
  let collector: RunningCollector;
  let receiver: OtlpReceiver;
  const agents: Agent[] = [];
  const figures: string[] = [];
  const batchS = batchTimeoutS();
  const cid = (name: string): string => web.containers.find((c) => c.name === name)?.id as string;

  beforeAll(async () => {
    const r = rt.get();
    pods = new TestPods(r);
    web = await pods.createPod({
      name: 'web',
      namespace: NS,
      qos: 'burstable',
      containers: [
        { name: 'burner', command: workloads.cpuLoop(), cpuQuota: 20_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * MIB },
        { name: 'pinger', command: workloads.pingGateway(r.gateway, 3000, 0.2, 1000) },
      ],
    });
    receiver = await startOtlpReceiver();
    prometheus = await startPrometheus({ configYaml: prometheusConfig(), extraArgs: ['--web.enable-remote-write-receiver'] });
    collector = await startCollector({ binary: col.binary(), remoteWriteUrl: `${prometheus.url}/api/v1/write` });
    agents.push(await startAgent(`http://${collector.grpcAddress}`));
  }, 120_000);

  afterAll(async () => {
    for (const f of figures) console.log(`[collector-semconv e2e] ${f}`);
    for (const a of agents) await a.stop().catch(() => undefined);
    await receiver?.stop();
    await collector?.stop();
    await prometheus?.stop();
    await pods?.removeAll();
    pods?.close();
  });

  it('a. one request carries the node, the pod and each container as resources; identity only there; semconv names and units', async () => {
    const burnerCgroup = web.containers.find((c) => c.name === 'burner')?.cgroup as string;
    const k0 = { cpu: kernelCpuSeconds(pods, burnerCgroup), at: Date.now() };
    const direct = await startAgent(receiver.url);
    try {
      // The first cycle has no CPU rate yet; the usage gauge is averaged over the later ones.
      await receiver.waitForRequests(7, 30_000);
    } finally {
      await direct.stop();
    }
    const kernelRate = (kernelCpuSeconds(pods, burnerCgroup) - k0.cpu) / ((Date.now() - k0.at) / 1000);
    const request = receiver.requests[2];
    if (!request) throw new Error('no third request');
    const resources: FlatRequest[] = request.resource_metrics.map(flattenResourceMetrics);
    const mine = resources.filter((r) => r.resource['k8s.namespace.name'] === NS);
    const node = resources.filter((r) => r.resource['k8s.pod.uid'] === undefined);
    expect(node).toHaveLength(1);
    expect(node[0]?.resource).toMatchObject({ 'service.name': 'cadvisor', 'service.instance.id': NODE, 'k8s.node.name': NODE });
    expect(node[0]?.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['k8s.node.cpu.time', 'k8s.node.memory.working_set', 'k8s.node.uptime', 'podpulse_exports_total']));
    // The pod (its cgroup and its sandbox's network: one resource) and the two containers.
    const pod = mine.filter((r) => r.resource['container.id'] === undefined);
    expect(pod).toHaveLength(1);
    expect(pod[0]?.resource).toMatchObject({ 'k8s.pod.name': 'web', 'k8s.pod.uid': web.uid, 'k8s.namespace.name': NS, 'k8s.node.name': NODE, 'service.instance.id': NODE });
    const podNames = pod[0]?.metrics.map((m) => m.name) ?? [];
    expect(podNames).toEqual(expect.arrayContaining(['k8s.pod.cpu.time', 'k8s.pod.memory.usage', 'k8s.pod.network.io']));
    for (const name of ['burner', 'pinger']) {
      const hits = mine.filter((r) => r.resource['k8s.container.name'] === name);
      expect(hits, name).toHaveLength(1);
      expect(hits[0]?.resource).toMatchObject({
        'container.id': cid(name),
        'container.name': name,
        'container.image.name': expect.any(String),
        'k8s.container.name': name,
        'k8s.pod.name': 'web',
        'k8s.pod.uid': web.uid,
        'k8s.namespace.name': NS,
        'k8s.node.name': NODE,
      });
    }
    const burner = mine.find((r) => r.resource['k8s.container.name'] === 'burner') as FlatRequest;
    const units = Object.fromEntries(burner.metrics.map((m) => [m.name, `${m.kind}${m.kind === 'sum' ? (m.monotonic ? '+' : '~') : ''} ${m.unit}`]));
    expect(units).toMatchObject({
      'container.cpu.time': 'sum+ s',
      'container.cpu.usage': 'gauge {cpu}',
      'container.memory.usage': 'sum~ By',
      'container.memory.working_set': 'sum~ By',
      'container.memory.rss': 'sum~ By',
      'container.memory.available': 'sum~ By',
      'container.paging.faults': 'sum+ {fault}',
      'container.uptime': 'gauge s',
    });
    // The burner gets at most 0.2 CPU (its quota; less on a loaded machine): the usage gauge agrees
    // with the kernel's counter over the same time, on average over the cycles (a cycle can fall into
    // one 100 ms CFS period and see a throttled or a running slice only).
    const usages = receiver.requests.slice(2, 7).map((req) => {
      const rm = req.resource_metrics.map(flattenResourceMetrics).find((r) => r.resource['container.id'] === cid('burner'));
      return rm?.metrics.find((m) => m.name === 'container.cpu.usage')?.points[0]?.value ?? Number.NaN;
    });
    const usage = usages.reduce((a, b) => a + b, 0) / usages.length;
    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThan(0.25);
    expect(Math.abs(usage - kernelRate)).toBeLessThan(0.02 + 0.35 * kernelRate);
    expect(burner.metrics.find((m) => m.name === 'container.cpu.time')?.points.map((p) => p.attributes['cpu.mode']).sort()).toEqual(['system', 'user']);
    // Identity never on a point, and no cadvisor-profile names.
    for (const r of resources) {
      for (const m of r.metrics) {
        expect(m.name, 'no cadvisor container_* names').not.toMatch(/^(container|machine)_/);
        for (const p of m.points) for (const k of Object.keys(p.attributes)) expect(k, m.name).not.toMatch(/^(container\.|k8s\.)|^(id|name|image|container|pod|namespace)$/);
      }
    }
    figures.push(
      `a: one request of ${request.resource_metrics.length} ResourceMetrics (node + ${resources.length - 1} pod/container resources, ${mine.length} of the test pod), ` +
        `${resources.reduce((n, r) => n + r.metrics.reduce((k, m) => k + m.points.length, 0), 0)} points; burner container: ${burner.metrics.length} metrics, ` +
        `${burner.metrics.reduce((k, m) => k + m.points.length, 0)} series; pod resource: ${podNames.length} metrics; container.cpu.usage of the 0.2-CPU burner over 5 cycles ${usages.map((u) => u.toFixed(3)).join(', ')} (mean ${usage.toFixed(3)}; kernel cpuacct over the run ${kernelRate.toFixed(3)})`,
    );
  }, 60_000);

  it('b. through the collector: semconv names with unit suffixes, the identity as promoted labels and on one target_info per resource', async () => {
    const who = `k8s_namespace_name="${NS}", k8s_pod_name="web"`;
    const burner = `${who}, k8s_container_name="burner", container_id="${cid('burner')}"`;
    await prometheus.waitFor(`rate(container_cpu_time_seconds_total{${burner}, cpu_mode="user", job="cadvisor", instance="${NODE}"}[30s]) > 0`, { timeoutMs: 60_000 });
    for (const expr of [
      `container_memory_usage_bytes{${burner}}`,
      `container_memory_working_set_bytes{${burner}}`,
      `container_memory_available_bytes{${burner}}`,
      `container_paging_faults_total{${burner}, system_paging_fault_type="minor"}`,
      `container_uptime_seconds{${burner}}`,
      `container_cpu_usage{${burner}}`,
      `k8s_pod_cpu_time_seconds_total{${who}, k8s_pod_uid="${web.uid}"}`,
      `k8s_pod_memory_working_set_bytes{${who}, k8s_pod_uid="${web.uid}"}`,
      `k8s_pod_network_io_bytes_total{${who}, network_io_direction="transmit"} > 0`,
      `k8s_node_cpu_time_seconds_total{job="cadvisor", instance="${NODE}", cpu_mode="system"}`,
    ]) {
      expect((await prometheus.waitFor(expr, { timeoutMs: 20_000 })).length, expr).toBeGreaterThan(0);
    }
    // Each pod/container series is its own: the two containers' memory differ by container_id.
    const mem = await prometheus.query(`container_memory_usage_bytes{${who}}`);
    expect(mem.map((s) => s.metric.k8s_container_name).sort()).toEqual(['burner', 'pinger']);
    // One target_info per resource with the whole resource; joinable on job/instance + identity.
    const info = await prometheus.query(`target_info{job="cadvisor", instance="${NODE}", ${who}}`);
    const infoBy = new Map(info.map((s) => [s.metric.k8s_container_name ?? '(pod)', s.metric]));
    expect([...infoBy.keys()].sort()).toEqual(['(pod)', 'burner', 'pinger']);
    expect(infoBy.get('burner')).toMatchObject({ container_id: cid('burner'), container_name: 'burner', k8s_pod_uid: web.uid, k8s_node_name: NODE, container_image_name: expect.any(String) });
    // No cadvisor-profile series from this agent: kubelet's labels are not there.
    expect(await prometheus.query(`{job="cadvisor", instance="${NODE}", namespace="${NS}"}`)).toEqual([]);
    expect(await prometheus.query(`container_cpu_usage_seconds_total{instance="${NODE}"}`)).toEqual([]);
    const names = await prometheus.query(`count by (__name__) ({job="cadvisor", instance="${NODE}", ${burner}})`);
    figures.push(`b: ${names.length} metric names for the burner container in Prometheus: ${names.map((s) => s.metric.__name__).sort().join(', ')}; target_info labels of a container: ${Object.keys(infoBy.get('burner') ?? {}).sort().join(',')}`);
  }, 120_000);

  it('c. a removed pod gets end markers for its semconv series under its own resources', async () => {
    const gone = await pods.createPod({ name: 'gone', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
    const q = [
      `container_memory_working_set_bytes{instance="${NODE}", k8s_namespace_name="${NS}", k8s_pod_name="gone", k8s_container_name="sleeper"}`,
      `k8s_pod_memory_working_set_bytes{instance="${NODE}", k8s_namespace_name="${NS}", k8s_pod_name="gone"}`,
    ];
    for (const e of q) await prometheus.waitFor(e, { timeoutMs: 30_000 });
    await sleep((batchS + 2 * INTERVAL_S) * 1000);
    const removedAt = Date.now();
    await pods.removePod(gone.id);
    const limitS = 2 * INTERVAL_S + batchS;
    let goneAfterS = Number.NaN;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const left = (await Promise.all(q.map((e) => prometheus.query(e)))).flat();
      if (left.length === 0) {
        goneAfterS = (Date.now() - removedAt) / 1000;
        break;
      }
      if (Date.now() > deadline) throw new Error(`series of the removed pod still there: ${JSON.stringify(left.map((s) => s.metric))}`);
      await sleep(100);
    }
    figures.push(`c: the removed pod's container.* and k8s.pod.* series vanished after ${goneAfterS.toFixed(2)} s (limit ${limitS} s; without markers Prometheus keeps them 5 min)`);
    expect(goneAfterS).toBeLessThanOrEqual(limitS);
  }, 90_000);

  it('d. per profile: enabled metrics, series of one container and of its pod (one collection each)', async () => {
    const rows: string[] = [];
    const counts: Record<string, { metrics: number; container: number; pod: number }> = {};
    for (const profile of ['cadvisor', 'semconv', 'both'] as const) {
      const { config } = loadConfig(['--cri-endpoint', rt.get().socket, '--discovery-cgroup-parents', 'kubepods', '--export-otlp-endpoint', '', '--metrics-profile', profile], {});
      const agent = new Agent({ config, env: { NODE_NAME: NODE }, log: pino({ level: 'warn' }) });
      const rm = await agent.collectOnce();
      let container = 0;
      let pod = 0;
      for (const p of toJsonPoints(rm)) {
        const a = p.attributes;
        const r = p.resource ?? {};
        if (a.name === cid('burner') || r['container.id'] === cid('burner')) container++;
        // The pod's own series: cadvisor's pod cgroup and sandbox series, semconv's pod resource.
        else if ((a.pod === 'web' && a.namespace === NS && a.container === '') || (r['k8s.pod.uid'] === web.uid && r['container.id'] === undefined)) pod++;
      }
      counts[profile] = { metrics: agent.specs.length, container, pod };
      rows.push(`${profile}: ${agent.specs.length} metrics enabled, ${container} series for the burner container, ${pod} for its pod (pod cgroup + sandbox)`);
    }
    figures.push(`d: ${rows.join('; ')}`);
    expect(counts.semconv?.container).toBeGreaterThan(8);
    expect(counts.cadvisor?.container).toBeGreaterThan(counts.semconv?.container ?? 0);
    // Separate collections: a CRI stat may arrive in one and not the other, so not an exact sum.
    expect(counts.both?.container).toBeGreaterThan(Math.max(counts.cadvisor?.container ?? 0, counts.semconv?.container ?? 0));
  }, 120_000);

  it('e. both: cadvisor series keep exactly kubelet\'s labels, the semconv series of the same container arrive beside them', async () => {
    const node = `${NODE}-both`;
    const agent = await startAgent(`http://${collector.grpcAddress}`, 'both', node);
    agents.push(agent);
    const cad = await prometheus.waitFor(`container_memory_working_set_bytes{instance="${node}", namespace="${NS}", pod="web", container="burner"}`, { timeoutMs: 30_000 });
    expect(Object.keys(cad[0]?.metric ?? {}).sort()).toEqual(['__name__', 'container', 'id', 'image', 'instance', 'job', 'name', 'namespace', 'pod']);
    const sem = await prometheus.waitFor(`container_memory_working_set_bytes{instance="${node}", k8s_namespace_name="${NS}", k8s_pod_name="web", k8s_container_name="burner"}`, { timeoutMs: 30_000 });
    expect(Object.keys(sem[0]?.metric ?? {}).sort()).toEqual(['__name__', 'container_id', 'instance', 'job', 'k8s_container_name', 'k8s_namespace_name', 'k8s_pod_name', 'k8s_pod_uid']);
    await agent.stop();
    figures.push(`e: both profile, one container's working set twice: cadvisor labels ${Object.keys(cad[0]?.metric ?? {}).sort().join(',')}; semconv labels ${Object.keys(sem[0]?.metric ?? {}).sort().join(',')}`);
  }, 90_000);
});
