import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CycleReader } from '../../src/collection/cycle-reader.js';
import { containerLabelKey, containerLabels, withContainerLabels, type ContainerLabel } from '../../src/discovery/container-labels.js';
import { joinTargets, type InventoryView } from '../../src/discovery/runtime-targets.js';
import type { Target } from '../../src/discovery/target.js';
import { FileReader } from '../../src/fs/file-reader.js';
import type { Container, Pod } from '../../src/runtime/types.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

const UID = '7d2c0e4a-0000-4000-8000-00000000000a';
const SB = 'a'.repeat(64);
const CTR = 'b'.repeat(64);

function labelsFor(allowlist: string[]): ContainerLabel[] {
  const r = containerLabels(allowlist);
  if ('error' in r) throw new Error(r.error);
  return r.labels;
}

function view(podLabels: Record<string, string>, ctrLabels: Record<string, string>): InventoryView {
  const pod: Pod = {
    id: SB, name: 'web-0', namespace: 'shop', uid: UID, attempt: 0, state: 'ready', createdAt: 1n, labels: podLabels, annotations: {},
    pid: 10, hostNetwork: false, image: 'registry.k8s.io/pause:3.9',
  };
  const container: Container = {
    id: CTR, podId: SB, name: 'app', attempt: 0, image: 'nginx:1.27', imageRef: 'sha256:1', state: 'running', createdAt: 2n,
    labels: { 'io.kubernetes.container.name': 'app', ...ctrLabels }, annotations: {},
  };
  return {
    pods: new Map([[SB, { pod, cgroupPath: `/kubepods/pod${UID}/${SB}` }]]),
    containers: new Map([[CTR, { container, cgroupPath: `/kubepods/pod${UID}/${CTR}` }]]),
    fs: new Map(),
  };
}

describe('container labels: names', () => {
  it('sanitizes like cAdvisor: every character outside [a-zA-Z0-9_] becomes _', () => {
    expect(containerLabelKey('app.kubernetes.io/name')).toBe('container_label_app_kubernetes_io_name');
    expect(containerLabelKey('team')).toBe('container_label_team');
    expect(containerLabelKey('tier-ä')).toBe('container_label_tier__');
  });

  it('keeps the allowlist order, drops duplicates, refuses two labels that become one attribute', () => {
    expect(labelsFor(['team', 'app', 'team']).map((l) => l.key)).toEqual(['container_label_team', 'container_label_app']);
    expect(containerLabels(['a.b', 'a_b'])).toEqual({ error: '"a.b" and "a_b" both become container_label_a_b; list only one of them' });
    expect(containerLabels([''])).toEqual({ error: 'an empty label name cannot be a series attribute' });
  });

  it('without an allowlist the identity object is returned unchanged', () => {
    const id = { id: '/', name: '', image: '', container: '', pod: '', namespace: '' };
    expect(withContainerLabels(id, [], { team: 'x' })).toBe(id);
  });
});

describe('container labels: joinTargets', () => {
  const labels = labelsFor(['team', 'app.kubernetes.io/name', 'absent']);
  const walk = { paths: ['/', '/system.slice'], truncated: false };
  const { targets } = joinTargets(walk, view({ team: 'payments', 'app.kubernetes.io/name': 'web' }, { team: 'payments-app' }), { labels });
  const byId = new Map(targets.map((t) => [t.identity.id, t.identity]));

  it('gives every identity the same keys in the same order (one label set per family)', () => {
    const keyLists = new Set(targets.map((t) => Object.keys(t.identity).join(',')));
    expect([...keyLists]).toEqual(['id,name,image,container,pod,namespace,container_label_team,container_label_app_kubernetes_io_name,container_label_absent']);
    expect(targets).toHaveLength(5); // /, /system.slice, sandbox, pod cgroup, container
  });

  it('takes container values from its own labels, then from its sandbox; sandbox and pod cgroup from the sandbox; raw cgroups ""', () => {
    expect(byId.get(`/kubepods/pod${UID}/${CTR}`)).toMatchObject({
      container: 'app',
      container_label_team: 'payments-app',
      container_label_app_kubernetes_io_name: 'web',
      container_label_absent: '',
    });
    expect(byId.get(`/kubepods/pod${UID}/${SB}`)).toMatchObject({ container_label_team: 'payments', container_label_app_kubernetes_io_name: 'web' });
    expect(byId.get(`/kubepods/pod${UID}`)).toMatchObject({ pod: 'web-0', container_label_team: 'payments' });
    expect(byId.get('/system.slice')).toMatchObject({ container_label_team: '', container_label_app_kubernetes_io_name: '', container_label_absent: '' });
  });

  it('adds nothing when no labels are allowlisted', () => {
    const plain = joinTargets(walk, view({ team: 'payments' }, {}));
    for (const t of plain.targets) expect(Object.keys(t.identity).filter((k) => k.startsWith('container_label_'))).toEqual([]);
  });
});

describe('container labels: the cycle reader keeps one identity object per series', () => {
  const root = writeTree({ cg: { 'cgroup.procs': '1\n', ctr: { 'cgroup.procs': '10\n', 'cpu.stat': 'usage_usec 1\n', 'memory.current': '4096\n' } } });
  afterAll(() => removeTree(root));
  const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: join(root, 'cg') };

  it('same values: the same object every cycle; a changed value: a new object (a new series), the old one gone', async () => {
    const labels = labelsFor(['team']);
    let team = 'a';
    const target = (): Target => ({
      cgroupPath: '/ctr',
      identity: withContainerLabels({ id: '/ctr', name: CTR, image: 'nginx', container: 'app', pod: 'p', namespace: 'n' }, labels, { team }),
    });
    const reader = new CycleReader({
      layout,
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [target()], truncated: false }) },
      stats: new SelfStats(),
      log: pino({ level: 'silent' }),
    });
    const identity = async () => (await reader.collect()).containers[0]?.identity;
    const first = await identity();
    expect(first).toMatchObject({ id: "/ctr", container_label_team: "a" });
    expect(await identity()).toBe(first);
    team = 'b';
    const changed = await identity();
    expect(changed).not.toBe(first);
    expect(changed).toMatchObject({ container_label_team: 'b' });
    expect(await identity()).toBe(changed);
  });
});

describe('container labels: a changed value ends the old series in the push pipeline', () => {
  it('exports the new value and ends the series with the old one', async () => {
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const { AggregationTemporality, InMemoryMetricExporter } = await import('@opentelemetry/sdk-metrics');
    const { OtlpDelivery } = await import('../../src/export/otlp/delivery.js');
    const { MetricsPipeline } = await import('../../src/export/sdk/pipeline.js');
    const { catalog } = await import('../../src/metrics/catalog.js');
    const labels = labelsFor(['team']);
    const sample = (team: string) => ({
      identity: withContainerLabels({ id: '/ctr', name: CTR, image: 'nginx', container: 'app', pod: 'p', namespace: 'n' }, labels, { team }),
      cgroup: { memory: { usageBytes: 10, workingSetBytes: 9 } },
      lastSeenSeconds: 1,
    });
    let current = sample('a');
    const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const stats = new SelfStats();
    const ended: { attributes: Record<string, unknown> }[] = [];
    const p = new MetricsPipeline({
      resource: resourceFromAttributes({ 'service.name': 'cadvisor' }),
      specs: catalog.filter((s) => s.name === 'container_memory_working_set_bytes'),
      source: { collect: async () => ({ containers: [current], agent: stats }) },
      delivery: new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats }),
      intervalMs: 3_600_000,
      log: pino({ level: 'silent' }),
      onEnded: (e) => ended.push(...e),
    });
    p.start();
    const teams = async () => {
      sink.reset();
      await p.collectNow();
      return sink.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints.map((d) => d.attributes.container_label_team))));
    };
    expect(await teams()).toEqual(['a']);
    expect(await teams()).toEqual(['a']);
    current = sample('b');
    expect(await teams()).toEqual(['b']);
    expect(ended.map((e) => e.attributes.container_label_team)).toEqual(['a']);
    await p.shutdown();
  });
});
