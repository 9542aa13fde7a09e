/**
 * The opt-in metric groups as a whole: each declared group has rows, each opt-in group is off by
 * default and then costs no read at all, and each one switched on reads only its own sources. Runs
 * the cycle reader on test/fixtures/host-v1-optin (captured from a live pod, see its README).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { CycleReader } from '../../src/collection/cycle-reader.js';
import type { ContainerSample } from '../../src/collection/sample.js';
import { loadConfig } from '../../src/config/load.js';
import { rawIdentity, type Target } from '../../src/discovery/target.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { catalog } from '../../src/metrics/catalog.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { readPlanFor } from '../../src/metrics/read-plan.js';
import { METRIC_GROUPS_DECLARED, type ContainerMetricSpec, type MetricGroup } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { RecordingReader } from '../cgroup/recording-reader.js';

const ROOT = 'test/fixtures/host-v1-optin';
const POD = '/kubepods/burstable/pod5d1ddbf1-49d6-405d-9968-ecd83508e331';
const SANDBOX = `${POD}/7bd0932a07101cbfd67da81fb410ac6c8a25b36f9210aea8c05c5caff5a202e9`;
const CPU_LOOP = `${POD}/42e6170ae06965daac27af5ba9ccd8b6c85cd3e82c51f681b2ea10e05d0904b9`;

/** Groups that have no rows of their own, and why. */
const WITHOUT_ROWS: Partial<Record<MetricGroup, string>> = {
  percpu: 'changes the points of container_cpu_usage_seconds_total (group cpu)',
  cpuLoad: 'rows come from the /proc kubelet-series branch',
};

const OPT_IN = (Object.keys(METRIC_GROUPS_DECLARED) as MetricGroup[]).filter((g) => !METRIC_GROUPS_DECLARED[g].on);

/** The files each opt-in group reads, as patterns on paths relative to the fixture root. */
const SOURCES: Record<string, RegExp> = {
  percpu: /cpuacct\.usage_percpu$/,
  sched: /\/schedstat$/,
  tcp: /\/net\/tcp6?$/,
  udp: /\/net\/udp6?$/,
  hugetlb: /hugetlb\./,
  memory_numa: /memory\.numa_stat$/,
  cpuset: /cpuset\.memory_migrate$/,
  referenced_memory: /\/smaps(_rollup)?$/,
  // stat is read by the default cpuLoad group too; status only by per_process.
  per_process: /(^|\/)proc\/\d+\/status$/,
  cpu_topology: /devices\/system\/(node\/|cpu\/cpu\d+\/(cache|topology))/,
};

function targets(): Target[] {
  return ['/', '/kubepods', '/kubepods/burstable', POD, SANDBOX, CPU_LOOP].map((p) => ({
    cgroupPath: p,
    identity: rawIdentity(p),
    ...(p === '/' ? { netPid: 1 } : p === SANDBOX ? { netPid: 29555 } : {}),
  }));
}

/** One cycle over the fixture with `groups` switched on: the samples and every file opened. */
async function cycle(
  groups: Partial<Record<MetricGroup, boolean>>,
  root = ROOT,
  list: Target[] = targets(),
): Promise<{ samples: ContainerSample[]; files: string[]; errors: SelfStats }> {
  const reader = new RecordingReader();
  const roots = { procRoot: `${root}/proc`, sysRoot: `${root}/sys`, rootfsRoot: root };
  const layout = detectCgroupLayout(roots, new FileReader());
  const stats = new SelfStats();
  const specs = enabledSpecs({ groups, disabled: [] });
  const reader2 = new CycleReader({
    layout,
    reader,
    roots,
    targets: { list: async () => ({ targets: list, truncated: false }) },
    stats,
    log: pino({ level: 'silent' }),
    plan: readPlanFor(specs, { groups }),
  });
  const snap = await reader2.collect();
  return { samples: [...snap.containers], files: reader.take(root), errors: stats };
}

describe('opt-in metric groups', () => {
  it('every declared group has catalog rows (except the listed ones), and the counts per group', () => {
    const count = (g: string) => catalog.filter((s) => s.group === g).length;
    for (const g of Object.keys(METRIC_GROUPS_DECLARED) as MetricGroup[]) {
      if (WITHOUT_ROWS[g] === undefined) expect(count(g), g).toBeGreaterThan(0);
    }
    expect(count('percpu')).toBe(0);
    expect(Object.fromEntries(OPT_IN.map((g) => [g, count(g)]))).toEqual({
      percpu: 0,
      sched: 3,
      tcp: 2,
      udp: 2,
      hugetlb: 3,
      memory_numa: 1,
      cpuset: 1,
      referenced_memory: 1,
      pressure_avg: 18,
      cpu_topology: 5,
      per_process: 3,
    });
  });

  it('every opt-in group is off by default: config false, no row enabled, no source in the read plan', () => {
    const { config } = loadConfig([], {});
    for (const g of OPT_IN) expect(config.metrics.groups[g], g).toBe(false);
    const specs = enabledSpecs(config.metrics);
    expect(specs.filter((s) => OPT_IN.includes(s.group))).toEqual([]);
    const plan = readPlanFor(specs, { groups: config.metrics.groups });
    expect(plan).toMatchObject({ perCpu: false, sched: false, tcp: false, udp: false, hugetlb: false, numa: false, cpuset: false, referencedMemory: false, pressureAvg: false, cpuTopology: false });
  });

  it('with the defaults, not one opt-in file is opened; cgroup.procs once per cgroup (the count and the pid list of kind "process" share the read)', async () => {
    const { files } = await cycle({});
    for (const [g, re] of Object.entries(SOURCES)) expect(files.filter((f) => re.test(f)), g).toEqual([]);
    const procs = files.filter((f) => f.endsWith('cgroup.procs'));
    expect(procs).toHaveLength(targets().length);
    expect(new Set(procs).size).toBe(procs.length);
    // Without the process kind, the count alone.
    const { files: lean } = await cycle({ process: false });
    expect(lean.filter((f) => f.endsWith('cgroup.procs'))).toHaveLength(targets().length);
  });

  it.each(OPT_IN.filter((g) => SOURCES[g] !== undefined))('%s on alone reads its own files and no other group\'s', async (group) => {
    const { files } = await cycle({ [group]: true });
    expect(files.filter((f) => SOURCES[group]!.test(f)).length, group).toBeGreaterThan(0);
    for (const [g, re] of Object.entries(SOURCES)) if (g !== group) expect(files.filter((f) => re.test(f)), `${group} read ${g} files`).toEqual([]);
  });

  it('hugetlb on a host where no hierarchy accounts huge pages (host-v1: no v1 mount, not in the cgroup2 subtree) opens no hugetlb file', async () => {
    const { files } = await cycle({ hugetlb: true }, 'test/fixtures/host-v1', [{ cgroupPath: '/', identity: rawIdentity('/') }]);
    expect(files.filter((f) => f.includes('hugetlb'))).toEqual([]);
    expect(files).toContain('sys/fs/cgroup/unified/cgroup.subtree_control');
  });

  it('pressure_avg costs no read of its own: the averages come from the PSI files the pressure group reads', async () => {
    const off = await cycle({});
    const on = await cycle({ pressure_avg: true });
    expect(on.files).toEqual(off.files);
  });

  it('all on: every opt-in row has points on the captured pod, and no file failed', async () => {
    // per_process needs /proc/<pid>/status, which this capture predates; it is checked on the live
    // host (test/collection/per-process.test.ts) and on real pods (test/e2e/operator-tools.test.ts).
    const all = Object.fromEntries(OPT_IN.filter((g) => g !== 'per_process').map((g) => [g, true]));
    const { samples, errors } = await cycle(all);
    expect(errors.sourceErrors).toEqual(new SelfStats().sourceErrors);
    const bySeries = (id: string) => samples.find((s) => s.identity.id === id)!;
    const rows = catalog.filter((s): s is ContainerMetricSpec => s.entity === 'container' && OPT_IN.includes(s.group) && s.group !== 'per_process');
    for (const spec of rows) {
      const points = samples.flatMap((s) => spec.points(s));
      expect(points.length, spec.name).toBeGreaterThan(0);
    }
    // The pod's netns: the nc listener and the accepted connection in tcp6, the client in tcp.
    const sandbox = bySeries(SANDBOX);
    expect(sandbox.sockets?.tcp6).toMatchObject({ listen: 1, established: 1 });
    expect(sandbox.sockets?.tcp).toMatchObject({ listen: 0, established: 1 });
    // cpu-loop: per-CPU values replace cpu="total", and they add up to cpuacct.usage.
    const usage = catalog.find((s) => s.name === 'container_cpu_usage_seconds_total') as ContainerMetricSpec;
    const perCpu = usage.points(bySeries(CPU_LOOP));
    expect(perCpu.map((p) => p.attributes?.cpu)).toEqual(['cpu00', 'cpu01']);
    // cpuacct.usage_percpu was copied just after cpuacct.usage while the loop ran: a few ms more.
    const total = bySeries(CPU_LOOP).cgroup?.cpu?.usageSeconds ?? NaN;
    const sum = perCpu.reduce((a, p) => a + p.value, 0);
    expect(sum - total).toBeGreaterThanOrEqual(0);
    expect(sum - total).toBeLessThan(0.05);
    expect(bySeries(CPU_LOOP).sched?.runSeconds).toBeGreaterThan(1);
  });

  it('percpu off: cpu="total" only; pressure_avg off: no averages kept', async () => {
    const { samples } = await cycle({});
    const root = samples.find((s) => s.identity.id === '/')!;
    expect(root.cgroup?.pressure?.cpu?.someSeconds).toBeGreaterThan(0);
    expect(root.cgroup?.pressure?.cpu?.someAvg).toBeUndefined();
    expect((await cycle({ pressure_avg: true })).samples.find((s) => s.identity.id === '/')!.cgroup?.pressure?.cpu?.someAvg).toBeDefined();
    const usage = catalog.find((s) => s.name === 'container_cpu_usage_seconds_total') as ContainerMetricSpec;
    expect(usage.points(samples.find((s) => s.identity.id === CPU_LOOP)!).map((p) => p.attributes?.cpu)).toEqual(['total']);
  });
});

