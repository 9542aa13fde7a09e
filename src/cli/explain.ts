/**
 * `podpulse explain METRIC --pod NAME [--container NAME]`: one metric of one pod or container, its
 * value, its formula, the raw kernel text behind it (file, key, value, when read) from the very reads
 * of the cycle that produced the value, and what it means next to the limit, kubelet's eviction
 * signal and the OOM killer. The catalog row's `explain` data says which inputs to show; a row
 * without it shows its `source`.
 */
import { cgroupDirOf } from '../cgroup/cgroup-dir.js';
import type { CgroupLayout } from '../cgroup/layout.js';
import type { ContainerSample, Snapshot } from '../collection/sample.js';
import { targetKey, type Target } from '../discovery/target.js';
import { ConfigError } from '../errors.js';
import { catalog } from '../metrics/catalog.js';
import { argName } from '../config/schema.js';
import type { ExplainInput, MetricSpec, Point } from '../metrics/spec.js';
import type { Command } from './command.js';
import { bytes, percent } from './format.js';
import { RecordingReader, type FileRead } from './recording-reader.js';
import { discoverPods, filterOf, kindOf, selectTargets, type TargetFilter } from './select.js';

export interface ExplainedInput {
  file: string;
  key?: string;
  /** The file as read (absolute path under the configured roots). */
  path?: string;
  /** The raw text of the key's line (or the whole file when it has no key), as the kernel wrote it. */
  value?: string;
  /** ISO time of the read. */
  readAt?: string;
  /** Why there is no value. */
  note?: string;
}

export interface Explanation {
  metric: string;
  description: string;
  unit: string;
  instrument: string;
  group: string;
  /** The series explained: a container, a pod's own cgroup, its sandbox, the machine or the agent. */
  target: { kind: string; namespace?: string; pod?: string; container?: string; id?: string; cgroup?: string };
  points: readonly Point[];
  formula: string;
  inputs: ExplainedInput[];
  meaning?: string;
  /** The value next to the limit, kubelet's eviction signal and the OOM killer (memory and CPU metrics). */
  context: string[];
}

/** /proc/<pid>/stat fields by name (1-based field numbers, proc(5)). */
const STAT_FIELDS: Readonly<Record<string, number>> = { utime: 14, stime: 15, num_threads: 20, starttime: 22, vsize: 23, rss: 24 };

/**
 * The raw text of `key` in a file: the rest of the line that starts with it (`total_inactive_file
 * 1234` → `1234`, `VmRSS:   876 kB` → `876 kB`), the lines holding it as a word (`8:0 Read 4096`), a
 * /proc/<pid>/stat field by name, or the whole text without a key.
 */
export function rawValue(text: string, key: string | undefined, file: string): string | undefined {
  if (key === undefined) return text.trim();
  if (/\/stat$/.test(file) && STAT_FIELDS[key] !== undefined) {
    const close = text.lastIndexOf(')');
    return text.slice(close + 2).trim().split(/\s+/)[(STAT_FIELDS[key] as number) - 3];
  }
  const lines = text.split('\n');
  for (const line of lines) {
    const [first, ...rest] = line.trim().split(/\s+/);
    if (first === key || first === `${key}:`) return rest.join(' ');
  }
  const holding = lines.filter((l) => l.trim().split(/\s+/).includes(key));
  return holding.length > 0 ? holding.join('; ') : undefined;
}

function applies(input: ExplainInput, layout: CgroupLayout): boolean {
  if (input.cgroup === undefined) return true;
  return input.cgroup === (layout.mode === 'v2' ? 'v2' : 'v1');
}

interface Where {
  layout: CgroupLayout;
  procRoot: string;
  cgroupPath?: string;
  /** Pids whose /proc files belong to this series (its tasks, or its sandbox's netns owner). */
  pids: ReadonlySet<number>;
}

export function explainInputs(inputs: readonly ExplainInput[], reads: readonly FileRead[], where: Where): ExplainedInput[] {
  const out: ExplainedInput[] = [];
  const dirs = where.cgroupPath === undefined ? [] : [...new Set([...where.layout.v1.values(), ...(where.layout.unified ? [where.layout.unified] : [])])].map((m) => cgroupDirOf(m, where.cgroupPath as string));
  for (const input of inputs.filter((i) => applies(i, where.layout))) {
    const base: ExplainedInput = input.key === undefined ? { file: input.file } : { file: input.file, key: input.key };
    if (/^(CRI|statfs) /.test(input.file)) {
      out.push({ ...base, note: 'from the container runtime, not a kernel file' });
      continue;
    }
    let matches: FileRead[];
    if (input.file.startsWith('/proc/<pid>/')) {
      const rest = input.file.slice('/proc/<pid>/'.length);
      const re = new RegExp(`^${escapeRe(where.procRoot.replace(/\/$/, ''))}/(\\d+)/${escapeRe(rest)}$`);
      matches = reads.filter((r) => {
        const m = re.exec(r.path);
        return m !== null && where.pids.has(Number(m[1]));
      });
    } else if (input.file.startsWith('/proc/')) {
      const path = `${where.procRoot.replace(/\/$/, '')}/${input.file.slice('/proc/'.length)}`;
      matches = reads.filter((r) => r.path === path);
    } else {
      // `<size>` stands for each huge page size the reader found (hugetlb.2MB.usage_in_bytes, …).
      const res = dirs.map((d) => new RegExp(`^${escapeRe(`${d}/`)}${input.file.split('<size>').map(escapeRe).join('[^/.]+')}$`));
      matches = reads.filter((r) => res.some((re) => re.test(r.path)));
    }
    if (matches.length === 0) {
      out.push({ ...base, note: 'not read in this cycle (absent on this kernel or cgroup mode, or not needed for this series)' });
      continue;
    }
    // A file read twice in the cycle (cgroup.procs by two readers) is shown once: the last read.
    const last = new Map<string, FileRead>();
    for (const m of matches) last.set(m.path, m);
    for (const r of last.values()) {
      const e: ExplainedInput = { ...base, path: r.path, readAt: new Date(r.atMs).toISOString() };
      if (r.text === undefined) e.note = 'missing';
      else {
        const v = rawValue(r.text, input.key, input.file);
        if (v === undefined) e.note = `no "${input.key}" in the file`;
        else e.value = v.length > 2000 ? v.slice(0, 2000) + ' …' : v;
      }
      out.push(e);
    }
  }
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Memory and CPU of the series next to its limits, kubelet's eviction signal and the OOM killer. */
export function contextLines(spec: MetricSpec, sample: ContainerSample, snapshot: Snapshot): string[] {
  const lines: string[] = [];
  const m = sample.cgroup?.memory;
  const isMemory = spec.group === 'memory' || /memory/.test(spec.name);
  if (isMemory && m) {
    const limit = m.limitBytes ?? undefined;
    const of = (v: number | undefined) => (v === undefined || limit === undefined || limit === null ? '' : ` (${percent(v / limit)} of the limit)`);
    lines.push(`limit: ${limit === undefined ? 'unknown' : limit === null ? 'none (memory.limit unset: only the node bounds it)' : bytes(limit)}`);
    lines.push(`usage ${bytes(m.usageBytes)}${of(m.usageBytes)} = working set ${bytes(m.workingSetBytes)}${of(m.workingSetBytes)} + inactive file cache ${bytes(m.inactiveFileBytes)}`);
    lines.push(`of the usage: anonymous (rss) ${bytes(m.rssBytes)}, page cache ${bytes(m.cacheBytes)}, swap ${bytes(m.swapBytes)}`);
    lines.push(
      'page cache: file data the kernel keeps in memory after reads and writes; it is charged to the cgroup, and clean inactive pages are dropped first when memory runs short, so usage may sit at the limit without an OOM kill.',
    );
    lines.push(
      'OOM killer: when a charge would pass the limit and reclaim cannot free enough (anonymous memory without swap, shmem, dirty or active pages), the kernel kills a task of this cgroup; the working set approaching the limit is the warning.',
    );
    const root = snapshot.containers.find((s) => s.identity.id === '/' && s.identity.pod === '');
    const capacity = snapshot.machine?.memoryBytes;
    const nodeWs = root?.cgroup?.memory?.workingSetBytes;
    lines.push(
      capacity !== undefined && nodeWs !== undefined
        ? `kubelet eviction: memory.available = node capacity ${bytes(capacity)} − node working set ${bytes(nodeWs)} = ${bytes(capacity - nodeWs)}; below evictionHard (100Mi by default) kubelet evicts pods, those using most above their requests first.`
        : 'kubelet eviction: memory.available = node capacity − the root cgroup\'s working set; below evictionHard (100Mi by default) kubelet evicts pods.',
    );
  }
  const c = sample.cgroup;
  if ((spec.group === 'cpu' || /cpu/.test(spec.name)) && c) {
    const q = c.cpuSpec?.quotaUs;
    const p = c.cpuSpec?.periodUs;
    lines.push(q === undefined || q === null || !p ? 'CPU limit: none (no CFS quota)' : `CPU limit: quota ${q} µs per ${p} µs period = ${(q / p).toFixed(3)} cores`);
    if (c.cpu?.periods !== undefined && c.cpu.periods > 0 && c.cpu.throttledPeriods !== undefined) {
      lines.push(`throttled in ${c.cpu.throttledPeriods} of ${c.cpu.periods} periods since the cgroup was created (${percent(c.cpu.throttledPeriods / c.cpu.periods)})`);
    }
    lines.push('CPU over the limit is throttled (delayed to the next period), never killed; kubelet does not evict for CPU. For a rate use podpulse stats or top.');
  }
  return lines;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'one metric of a pod or container: its value, formula, the raw kernel inputs it came from and what it means',
  usage: 'explain METRIC --pod NAME [--container NAME] [--namespace NS] [--json]',
  flags: { pod: 'string', namespace: 'string', container: 'string', json: 'boolean' },
  positionals: ['METRIC'],
  configFlags(args) {
    // The metric's group is read even where the config switches it off: explain shows it anyway.
    const spec = catalog.find((s) => s.name === args.positionals[0]);
    return spec ? [`--${argName(`metrics.groups.${spec.group}`)}`, 'true'] : [];
  },
  async run(ctx) {
    const name = ctx.args.positionals[0] as string;
    const spec = catalog.find((s) => s.name === name);
    if (!spec) {
      const words = name.split('_').filter((w) => w.length > 2 && !['container', 'total', 'bytes', 'seconds'].includes(w));
      const near = catalog.filter((s) => words.some((w) => s.name.includes(w))).map((s) => s.name);
      throw new ConfigError(`unknown metric "${name}"${near.length > 0 ? `; did you mean: ${near.slice(0, 8).join(', ')}` : '; see docs/metrics.md'}`);
    }
    const filter = filterOf(ctx.args.values);
    if (spec.entity === 'container' && filter.pod === undefined) throw new ConfigError(`${name} is a container metric: name the pod with --pod (and --container for one of its containers)`);
    const reader = new RecordingReader();
    const agent = ctx.agent({ reader });
    const { targets } = spec.entity === 'container' ? await discoverPods(agent, ctx.config.cri.endpoint) : await agent.discover();
    const { result: snapshot, reads } = await reader.recording(() => agent.cycleReader.collect());
    const e = explain(spec, snapshot, reads, targets, filter, { layout: agent.layout, procRoot: agent.roots.procRoot });
    ctx.out.write(ctx.args.values.json === true ? JSON.stringify(e, null, 2) + '\n' : explainText(e));
    return 0;
  },
};

/** The series of a pod the metric lives on: the sandbox for network rows, a container, or the pod's cgroup. */
function pick(spec: MetricSpec, samples: readonly ContainerSample[], filter: TargetFilter): ContainerSample {
  const selected = selectTargets(
    samples.filter((s) => s.lastSeenSeconds !== undefined),
    spec.group === 'network' ? { ...filter, container: undefined } : filter,
  );
  const want = spec.group === 'network' ? 'sandbox' : filter.container !== undefined ? 'container' : 'pod';
  const found = selected.filter((s) => kindOf(s.identity) === want);
  const namespaces = [...new Set(found.map((s) => s.identity.namespace))];
  if (namespaces.length > 1) throw new ConfigError(`--pod ${filter.pod} is in several namespaces (${namespaces.join(', ')}); add --namespace`);
  const sample = found[0];
  if (!sample) throw new ConfigError(`pod ${filter.pod} has no ${want === 'pod' ? 'pod-level cgroup' : want} series${want === 'pod' ? '; name a container with --container' : ''}`);
  return sample;
}

export function explain(
  spec: MetricSpec,
  snapshot: Snapshot,
  reads: readonly FileRead[],
  targets: readonly Target[],
  filter: TargetFilter,
  where: { layout: CgroupLayout; procRoot: string },
): Explanation {
  const head = { metric: spec.name, description: spec.description, unit: spec.unit, instrument: spec.instrument, group: spec.group };
  const fallback = { formula: spec.source, inputs: [] as ExplainInput[] };
  const ex = spec.explain ?? fallback;
  if (spec.entity !== 'container') {
    const points = spec.entity === 'machine' ? (snapshot.machine ? spec.points(snapshot.machine) : []) : spec.points(snapshot.agent);
    return { ...head, target: { kind: spec.entity }, points, formula: ex.formula, inputs: [], ...(spec.explain?.meaning ? { meaning: spec.explain.meaning } : {}), context: [] };
  }
  const sample = pick(spec, snapshot.containers, filter);
  const target = targets.find((t) => targetKey(t) === sample.identity.id || t.cgroupPath === sample.identity.id);
  const pids = new Set<number>();
  if (target?.netPid !== undefined) pids.add(target.netPid);
  for (const p of sample.processes ?? []) pids.add(p.pid);
  // Per-process rows read every task: take the pids from this cgroup's cgroup.procs as read.
  for (const r of reads) {
    if (r.text !== undefined && r.path.endsWith(`${sample.identity.id}/cgroup.procs`)) for (const l of r.text.split('\n')) if (/^\d+$/.test(l.trim())) pids.add(Number(l));
  }
  const inputs = explainInputs(ex.inputs, reads, { layout: where.layout, procRoot: where.procRoot, cgroupPath: sample.identity.id, pids });
  const id = sample.identity;
  return {
    ...head,
    target: { kind: kindOf(id) ?? 'cgroup', namespace: id.namespace, pod: id.pod, container: id.container, id: id.name, cgroup: id.id },
    points: spec.points(sample),
    formula: ex.formula,
    inputs,
    ...(ex === fallback ? {} : spec.explain?.meaning ? { meaning: spec.explain.meaning } : {}),
    context: contextLines(spec, sample, snapshot),
  };
}

export function explainText(e: Explanation): string {
  const t = e.target;
  const who = t.kind === 'machine' || t.kind === 'agent' ? t.kind : `${t.namespace}/${t.pod}${t.container ? ` container ${t.container}` : ` (${t.kind})`}`;
  const lines = [`${e.metric}  ${e.instrument}, unit ${e.unit}, group ${e.group}`, `  ${e.description}`, '', `series: ${who}${t.cgroup ? `  cgroup ${t.cgroup}` : ''}`];
  if (e.points.length === 0) lines.push('value: none (absent for this series: the kernel or runtime did not provide it)');
  for (const p of e.points) {
    const attrs = Object.entries(p.attributes ?? {}).map(([k, v]) => `${k}="${v}"`);
    lines.push(`value: ${p.value}${attrs.length > 0 ? `  {${attrs.join(', ')}}` : ''}`);
  }
  lines.push('', `formula: ${e.formula}`);
  if (e.inputs.length > 0) lines.push('', 'raw inputs (read in this cycle):');
  for (const i of e.inputs) {
    lines.push(`  ${i.file}${i.key ? ` [${i.key}]` : ''}${i.path ? `  ${i.path}` : ''}`);
    if (i.value !== undefined) for (const [n, v] of i.value.split('\n').entries()) lines.push(`    ${n === 0 ? '= ' : '  '}${v}`);
    if (i.readAt) lines.push(`    read at ${i.readAt}`);
    if (i.note) lines.push(`    (${i.note})`);
  }
  if (e.meaning) lines.push('', `meaning: ${e.meaning}`);
  if (e.context.length > 0) lines.push('', 'next to the limits:', ...e.context.map((l) => `  - ${l}`));
  return lines.join('\n') + '\n';
}
