/**
 * The semconv profile in-process: its rows (names against @opentelemetry/semantic-conventions, units,
 * values from a sample), the regrouping of one collection into one Resource per pod and container,
 * the single multi-resource OTLP request, end markers under the ended pod's resource, --print json.
 */
import * as semconvNames from '@opentelemetry/semantic-conventions/incubating';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ContainerSample, Snapshot } from '../../src/collection/sample.js';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { createOtlpExporter } from '../../src/export/otlp/exporter.js';
import { multiResourceSerializer } from '../../src/export/otlp/sdk-serializer.js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { encodeStalenessMarkers } from '../../src/export/otlp/staleness-markers.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import type { EndedSeries } from '../../src/export/sdk/live-series.js';
import { collectOnce, MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { ResourceGroups } from '../../src/export/sdk/resource-groups.js';
import { catalog } from '../../src/metrics/catalog.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { splitImage, subjectOf } from '../../src/metrics/semconv/identity.js';
import { profileOf, type ContainerMetricSpec, type Profile } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { decodeExportRequest, flattenResourceMetrics, startOtlpReceiver, type FlatRequest } from '../helpers/otlp-receiver.js';
import type { SeriesShortfall } from '../../src/export/sdk/live-series.js';
import { prometheusMetricName } from '../../src/export/prometheus/name.js';
import { renderPrometheusText } from '../../src/export/prometheus/text.js';

const semconvRows = catalog.filter((s): s is ContainerMetricSpec => profileOf(s) === 'semconv');
const NODE_RESOURCE = { 'service.name': 'cadvisor', 'service.instance.id': 'node1', 'k8s.node.name': 'node1' };
const UID = '0b0f4b5e-1111-4c4c-9c9c-000000000001';

const cgroup = (cpu: number) => ({
  cpu: { usageSeconds: cpu, userSeconds: cpu * 0.75, systemSeconds: cpu * 0.25 },
  memory: { usageBytes: 1000, workingSetBytes: 800, rssBytes: 500, limitBytes: 4096, pageFaults: 90, majorPageFaults: 4 },
  io: [{ major: 8, minor: 0, device: '/dev/sda', readBytes: 11, writeBytes: 22 }],
});

function container(name: string, id: string): ContainerSample {
  return {
    identity: { id: `/kubepods/pod${UID}/${id}`, name: id, image: 'docker.io/library/busybox:1.36', container: name, pod: 'web', namespace: 'shop' },
    k8s: { role: 'container', podUid: UID },
    cgroup: cgroup(3),
    fs: [{ device: '/dev/sda1', usageBytes: 4096, limitBytes: 1 << 30, availableBytes: 1 << 29 }],
    startTimeSeconds: 100,
    lastSeenSeconds: 160,
  };
}

/** A node with one pod: its pod cgroup, its sandbox (owning the network), two containers, and a raw cgroup. */
function snapshot(containers: readonly string[] = ['app', 'sidecar']): Snapshot {
  const ids: Record<string, string> = { app: 'a'.repeat(64), sidecar: 'b'.repeat(64), c3: 'c'.repeat(64), c4: 'd'.repeat(64) };
  return {
    containers: [
      { identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: cgroup(50), lastSeenSeconds: 160, startTimeSeconds: 10 },
      { identity: { id: `/kubepods/pod${UID}`, name: '', image: '', container: '', pod: 'web', namespace: 'shop' }, k8s: { role: 'pod', podUid: UID }, cgroup: cgroup(7), lastSeenSeconds: 160 },
      {
        identity: { id: `/kubepods/pod${UID}/sandbox`, name: 's'.repeat(64), image: 'registry.k8s.io/pause:3.9', container: '', pod: 'web', namespace: 'shop' },
        k8s: { role: 'sandbox', podUid: UID },
        cgroup: cgroup(1),
        network: [{ name: 'eth0', rxBytes: 10, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 20, txPackets: 2, txErrors: 1, txDropped: 0 }],
        lastSeenSeconds: 160,
      },
      ...containers.map((c) => container(c, ids[c] as string)),
      { identity: { id: '/system.slice/cron.service', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: cgroup(2), lastSeenSeconds: 160 },
    ],
    agent: new SelfStats(),
  };
}

const specsFor = (profile: Profile) => enabledSpecs({ groups: {}, disabled: [], profile });

async function collect(profile: Profile, snap = snapshot()): Promise<ResourceMetrics> {
  return collectOnce(resourceFromAttributes(NODE_RESOURCE), specsFor(profile), { collect: async () => snap });
}

function decodeAll(rms: ResourceMetrics[]): FlatRequest[] {
  const wire = multiResourceSerializer.serializeRequest(rms) as Uint8Array;
  return decodeExportRequest(Buffer.from(wire)).resource_metrics.map(flattenResourceMetrics);
}

describe('semconv rows', () => {
  it('carry the names of the pinned semantic conventions, or kubeletstats names for PSI', () => {
    const known = new Set<string>((Object.values(semconvNames) as unknown[]).filter((v): v is string => typeof v === 'string'));
    for (const s of semconvRows) {
      if (s.name.includes('.pressure.')) expect(s.name, s.name).toMatch(/^(container|k8s\.pod|k8s\.node)\.(cpu|memory|io)\.pressure\.time$/);
      else expect(known.has(s.name), `${s.name} is a semconv ${'1.45.0'} metric`).toBe(true);
    }
    for (const k of ['container.id', 'container.name', 'container.image.name', 'container.image.tags', 'k8s.container.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.namespace.name', 'k8s.node.name', 'cpu.mode', 'network.io.direction', 'network.interface.name', 'disk.io.direction', 'system.device', 'system.paging.fault.type']) {
      expect(known.has(k), k).toBe(true);
    }
  });

  it('use UCUM units (s, By, {…}) and a name unique in the catalog', () => {
    const names = catalog.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of semconvRows) {
      expect(s.unit, s.name).toMatch(/^(s|By|\{[a-z]+\})$/);
      expect(s.description, s.name).toMatch(/^[A-Z].*\.$/);
      if (s.unit === 's' || s.unit === '{cpu}') expect(s.valueType, s.name).toBe('double');
      else expect(s.valueType, s.name).toBe('int');
    }
    // How Prometheus names them after the collector (for docs and the collector suite).
    const byName = new Map(semconvRows.map((s) => [s.name, s]));
    const prom = (n: string) => {
      const s = byName.get(n) as ContainerMetricSpec;
      return prometheusMetricName(s.name, s.unit, s.instrument === 'counter' ? 'monotonic-counter' : s.instrument === 'gauge' ? 'gauge' : 'non-monotonic-counter');
    };
    expect(prom('container.cpu.time')).toBe('container_cpu_time_seconds_total');
    expect(prom('container.memory.working_set')).toBe('container_memory_working_set_bytes');
    expect(prom('k8s.pod.network.io')).toBe('k8s_pod_network_io_bytes_total');
    expect(prom('container.cpu.usage')).toBe('container_cpu_usage');
    expect(prom('container.paging.faults')).toBe('container_paging_faults_total');
  });

  it('select values from the sample: modes, limit − working set, minor = pgfault − pgmajfault, uptime', () => {
    const row = (n: string) => semconvRows.find((s) => s.name === n) as ContainerMetricSpec;
    const c = container('app', 'a'.repeat(64));
    expect(row('container.cpu.time').points(c)).toEqual([
      { value: 2.25, attributes: { 'cpu.mode': 'user' } },
      { value: 0.75, attributes: { 'cpu.mode': 'system' } },
    ]);
    expect(row('container.memory.available').points(c)).toEqual([{ value: 4096 - 800 }]);
    expect(row('container.memory.available').points({ ...c, cgroup: { memory: { workingSetBytes: 1, limitBytes: null } } })).toEqual([]);
    expect(row('container.paging.faults').points(c)).toEqual([
      { value: 4, attributes: { 'system.paging.fault.type': 'major' } },
      { value: 86, attributes: { 'system.paging.fault.type': 'minor' } },
    ]);
    expect(row('container.uptime').points(c)).toEqual([{ value: 60 }]);
    expect(row('container.filesystem.usage').points(c)).toEqual([{ value: 4096 }]);
    expect(row('container.filesystem.capacity').points(c)).toEqual([{ value: 1 << 30 }]);
    expect(row('container.filesystem.available').points(c)).toEqual([{ value: 1 << 29 }]);
    expect(row('container.disk.io').points(c)).toEqual([
      { value: 11, attributes: { 'disk.io.direction': 'read', 'system.device': '/dev/sda' } },
      { value: 22, attributes: { 'disk.io.direction': 'write', 'system.device': '/dev/sda' } },
    ]);
    expect(row('container.cpu.usage').points(c)).toEqual([]); // no rate before a second cycle
    expect(row('container.cpu.usage').points({ ...c, cpuUsageCores: 0.5 })).toEqual([{ value: 0.5 }]);
  });

  it('know their subject: containers, pod cgroups, the sandbox for the pod network, `/` for the node, nothing for raw cgroups', () => {
    expect(snapshot().containers.map(subjectOf)).toEqual(['node', 'pod', 'pod-network', 'container', 'container', undefined]);
    expect(splitImage('docker.io/library/busybox:1.36')).toEqual({ name: 'docker.io/library/busybox', tag: '1.36' });
    expect(splitImage('localhost:5000/app@sha256:abc')).toEqual({ name: 'localhost:5000/app' });
    expect(splitImage('localhost:5000/app:v2@sha256:abc')).toEqual({ name: 'localhost:5000/app', tag: 'v2' });
  });

  it('are chosen by metrics.profile: cadvisor has none, semconv no cadvisor container rows, both has both; agent rows in all', () => {
    const cad = specsFor('cadvisor');
    const sem = specsFor('semconv');
    const both = specsFor('both');
    expect(cad.some((s) => profileOf(s) === 'semconv')).toBe(false);
    expect(sem.every((s) => profileOf(s) !== 'cadvisor')).toBe(true);
    expect(sem.some((s) => s.name === 'podpulse_exports_total')).toBe(true);
    expect(both.length).toBe(cad.length + sem.length - sem.filter((s) => profileOf(s) === 'any').length);
  });
});

describe('semconv resources', () => {
  it('one collection becomes one ResourceMetrics per pod and container in ONE request, identity only in the resource', async () => {
    const rm = await collect('semconv');
    const groups = new ResourceGroups().regroup(rm);
    const flat = decodeAll(groups);
    expect(flat).toHaveLength(4); // node, pod, 2 containers
    const find = (pred: (r: FlatRequest) => boolean): FlatRequest => {
      const hits = flat.filter(pred);
      expect(hits).toHaveLength(1);
      return hits[0] as FlatRequest;
    };
    const node = flat[0] as FlatRequest; // the node's resource comes first
    const pod = find((r) => r.resource['k8s.pod.uid'] === UID && r.resource['container.id'] === undefined);
    const app = find((r) => r.resource['k8s.container.name'] === 'app');
    const sidecar = find((r) => r.resource['k8s.container.name'] === 'sidecar');
    expect(node.resource).toEqual(NODE_RESOURCE);
    expect(node.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['k8s.node.cpu.time', 'k8s.node.uptime', 'podpulse_exports_total']));
    expect(pod.resource).toEqual({ ...NODE_RESOURCE, 'k8s.pod.name': 'web', 'k8s.pod.uid': UID, 'k8s.namespace.name': 'shop' });
    expect(pod.metrics.map((m) => m.name).sort()).toEqual(expect.arrayContaining(['k8s.pod.cpu.time', 'k8s.pod.memory.working_set', 'k8s.pod.network.io', 'k8s.pod.network.errors']));
    expect(app.resource).toEqual({
      ...NODE_RESOURCE,
      'container.id': 'a'.repeat(64),
      'container.name': 'app',
      'container.image.name': 'docker.io/library/busybox',
      'container.image.tags': ['1.36'],
      'k8s.container.name': 'app',
      'k8s.pod.name': 'web',
      'k8s.pod.uid': UID,
      'k8s.namespace.name': 'shop',
    });
    expect(sidecar.resource['container.id']).toBe('b'.repeat(64));
    for (const r of [app, sidecar]) expect(r.metrics.every((m) => m.name.startsWith('container.'))).toBe(true);
    // No point keeps an identity key; the data-point attributes are the semconv ones only.
    for (const r of flat) for (const m of r.metrics) for (const p of m.points) for (const k of Object.keys(p.attributes)) expect(k).not.toMatch(/^(container\.|k8s\.)/);
    const net = pod.metrics.find((m) => m.name === 'k8s.pod.network.io');
    expect(net).toMatchObject({ unit: 'By', kind: 'sum', monotonic: true });
    expect(net?.points.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'network.io.direction': 'receive', 'network.interface.name': 'eth0' }, 10],
      [{ 'network.io.direction': 'transmit', 'network.interface.name': 'eth0' }, 20],
    ]);
    expect(app.metrics.find((m) => m.name === 'container.memory.usage')).toMatchObject({ unit: 'By', kind: 'sum', monotonic: false });
  });

  it('cadvisor: the collection goes out as it is, one ResourceMetrics (the same object)', async () => {
    const rm = await collect('cadvisor');
    expect(new ResourceGroups().regroup(rm)).toEqual([rm]);
    expect(new ResourceGroups().regroup(rm)[0]).toBe(rm);
  });

  it('both: cadvisor points under the node resource with their labels, semconv points in their own resources', async () => {
    const flat = decodeAll(new ResourceGroups().regroup(await collect('both')));
    expect(flat).toHaveLength(4);
    const node = flat[0] as FlatRequest;
    const cpu = node.metrics.find((m) => m.name === 'container_cpu_usage_seconds_total');
    expect(cpu?.points.some((p) => p.attributes.container === 'app' && p.attributes.pod === 'web')).toBe(true);
    expect(flat.slice(1).every((r) => r.metrics.every((m) => !m.name.startsWith('container_')))).toBe(true);
  });

  it('--print json shows the resource beside the attributes of semconv points only', async () => {
    const points = toJsonPoints(await collect('both'));
    const app = points.find((p) => p.name === 'container.memory.usage' && p.resource?.['k8s.container.name'] === 'app');
    expect(app).toEqual({
      name: 'container.memory.usage',
      type: 'updowncounter',
      unit: 'By',
      attributes: {},
      resource: expect.objectContaining({ 'container.id': 'a'.repeat(64), 'k8s.pod.uid': UID }),
      value: 1000,
    });
    expect(points.find((p) => p.name === 'container_memory_usage_bytes' && p.attributes.container === 'app')?.resource).toBeUndefined();
  });

  it('--print prometheus renders what the shipped collector writes: promoted identity labels, one target_info per resource', async () => {
    const text = renderPrometheusText(await collect('semconv'));
    const id = 'a'.repeat(64);
    expect(text).toContain(
      `container_memory_usage_bytes{container_id="${id}",instance="node1",job="cadvisor",k8s_container_name="app",k8s_namespace_name="shop",k8s_pod_name="web",k8s_pod_uid="${UID}"} 1000\n`,
    );
    expect(text).toContain(`k8s_pod_network_io_bytes_total{instance="node1",job="cadvisor",k8s_namespace_name="shop",k8s_pod_name="web",k8s_pod_uid="${UID}",network_interface_name="eth0",network_io_direction="receive"} 10\n`);
    const info = text.split('\n').filter((l) => l.startsWith('target_info{'));
    expect(info).toHaveLength(4); // node, pod, app, sidecar
    expect(info.find((l) => l.includes('k8s_container_name="app"'))).toContain(`container_image_name="docker.io/library/busybox",container_image_tags="[\\"1.36\\"]",container_name="app"`);
    // Not promoted: the image and container.name stay on target_info only.
    expect(text.split('\n').filter((l) => l.startsWith('container_memory_usage_bytes{')).every((l) => !l.includes('container_image_name'))).toBe(true);
  });

  it('an ended container gets its end markers under its own resource, without identity on the points', async () => {
    let snap = snapshot();
    const raised: EndedSeries[][] = [];
    const p = new MetricsPipeline({
      resource: resourceFromAttributes(NODE_RESOURCE),
      specs: specsFor('semconv'),
      source: { collect: async () => snap },
      delivery: new OtlpDelivery({ otlp: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() }),
      intervalMs: 3_600_000,
      log: pino({ level: 'silent' }),
      onEnded: (ended) => raised.push([...ended]),
    });
    p.start();
    await p.collectNow();
    snap = snapshot(['app']);
    await p.collectNow();
    await p.shutdown();
    expect(raised).toHaveLength(1);
    const ended = raised[0] as EndedSeries[];
    expect(ended.length).toBeGreaterThan(10);
    expect(ended.every((e) => e.attributes['container.id'] === 'b'.repeat(64))).toBe(true);
    const wire = encodeStalenessMarkers(resourceFromAttributes(NODE_RESOURCE), 'podpulse', ended, 1_800_000_000_000_000_000n);
    const flat = decodeExportRequest(wire).resource_metrics.map(flattenResourceMetrics);
    expect(flat).toHaveLength(1);
    expect(flat[0]?.resource).toMatchObject({ ...NODE_RESOURCE, 'container.id': 'b'.repeat(64), 'k8s.container.name': 'sidecar', 'container.image.tags': ['1.36'] });
    const points = flat[0]?.metrics.flatMap((m) => m.points) ?? [];
    expect(points).toHaveLength(ended.length);
    for (const pt of points) {
      expect(pt.flags).toBe(1);
      for (const k of Object.keys(pt.attributes)) expect(k).not.toMatch(/^(container\.|k8s\.)/);
    }
  });
});

describe('semconv through the delivery machinery', () => {
  it('the real OTLP/gRPC exporter sends one request per snapshot with every resource; replayed snapshots too', async () => {
    const receiver = await startOtlpReceiver();
    const stats = new SelfStats();
    const otlp = { endpoint: receiver.url, headers: {}, timeoutMs: 5000, compression: 'gzip' as const, tls: { ca: '', cert: '', key: '', insecure: false } };
    const delivery = new OtlpDelivery({ otlp: createOtlpExporter(otlp), renew: () => createOtlpExporter(otlp), replaySnapshots: 5, retryBudgetMs: 0, stats });
    try {
      const send = (rm: ResourceMetrics) => new Promise<number>((resolve) => delivery.export(rm, (r) => resolve(r.code)));
      receiver.failNext(grpcStatus.UNAVAILABLE, 1);
      expect(await send(await collect('semconv'))).toBe(1); // FAILED: kept for replay
      expect(delivery.queued).toBe(1);
      expect(await send(await collect('semconv', snapshot(['app'])))).toBe(0);
      expect(delivery.queued).toBe(0);
      expect(receiver.requests).toHaveLength(2); // the replayed snapshot, then the new one
      const [replayed, latest] = receiver.requests.map((req) => req.resource_metrics.map(flattenResourceMetrics));
      expect(replayed?.map((r) => r.resource['k8s.container.name'] ?? r.resource['k8s.pod.name'] ?? 'node').sort()).toEqual(['app', 'node', 'sidecar', 'web']);
      expect(latest?.map((r) => r.resource['k8s.container.name'] ?? r.resource['k8s.pod.name'] ?? 'node').sort()).toEqual(['app', 'node', 'web']);
      for (const rms of [replayed, latest]) for (const r of rms ?? []) for (const m of r.metrics) for (const p of m.points) expect(Object.keys(p.attributes).some((k) => k.startsWith('k8s.') || k.startsWith('container.'))).toBe(false);
    } finally {
      await delivery.shutdown();
      await receiver.stop();
    }
  });

  it('the series limit counts semconv series per pod and container: four containers over the limit are reported', async () => {
    const shortfalls: SeriesShortfall[][] = [];
    const four = snapshot(['app', 'sidecar', 'c3', 'c4']);
    const rm = await collectOnce(resourceFromAttributes(NODE_RESOURCE), specsFor('semconv'), { collect: async () => four }, { maxSeriesPerMetric: 1, onOverLimit: (s) => shortfalls.push([...s]) });
    const usage = shortfalls.flat().find((s) => s.metric === 'container.memory.usage');
    expect(usage?.observed).toBe(4);
    expect(usage?.exported).toBeLessThan(4);
    // What is exported stays whole: each kept container's series carries its identity into its own resource.
    const kept = new ResourceGroups().regroup(rm).filter((r) => r.scopeMetrics.some((sm) => sm.metrics.some((m) => m.descriptor.name === 'container.memory.usage')));
    expect(kept).toHaveLength(usage?.exported ?? -1);
    for (const r of kept) expect(r.resource.attributes['container.id']).toMatch(/^([abcd])\1{63}$/);
  });
});
