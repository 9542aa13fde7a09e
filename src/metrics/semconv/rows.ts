/**
 * The semconv profile's rows: OpenTelemetry semantic-convention metrics (version.ts) read from the same
 * ContainerSample as the cadvisor rows. Each metric exists per subject with the subject's prefix, as
 * semconv and the kubeletstats receiver name them: `container.*` for containers, `k8s.pod.*` for pod
 * cgroups (and the pod's network namespace, which the sandbox owns), `k8s.node.*` for `/`. The
 * subject's identity is not in `attributes`: it becomes the point's Resource (identity.ts).
 */
import type { CgroupStats, PressureTotals } from '../../cgroup/stats.js';
import type { ContainerSample } from '../../collection/sample.js';
import { NONE, one, perItem } from '../rows/row.js';
import type { ContainerMetricSpec, InstrumentKind, MetricGroup, Point, SemconvSubject, ValueKind } from '../spec.js';

const PREFIX: Record<SemconvSubject, string> = { container: 'container', pod: 'k8s.pod', 'pod-network': 'k8s.pod', node: 'k8s.node' };
const WHAT: Record<SemconvSubject, string> = { container: 'the container', pod: 'the pod', 'pod-network': 'the pod', node: 'the node' };

interface FamilyRow {
  /** Name after the subject's prefix (`cpu.time` → container.cpu.time, k8s.pod.cpu.time, …). */
  suffix: string;
  instrument: InstrumentKind;
  unit: string;
  /** `{what}` is replaced by "the container", "the pod" or "the node". */
  description: string;
  attributes?: readonly string[];
  group: MetricGroup;
  source: string;
  points: (s: ContainerSample) => readonly Point[];
  /** Default: double for seconds, int for everything else. */
  valueType?: ValueKind;
}

function family(subjects: readonly SemconvSubject[], row: FamilyRow): ContainerMetricSpec[] {
  return subjects.map((subject) => ({
    entity: 'container',
    profile: 'semconv',
    subject,
    name: `${PREFIX[subject]}.${row.suffix}`,
    description: row.description.replace('{what}', WHAT[subject]),
    unit: row.unit,
    instrument: row.instrument,
    valueType: row.valueType ?? (row.unit === 's' ? 'double' : 'int'),
    attributes: row.attributes ?? [],
    group: row.group,
    enabled: true,
    source: row.source,
    points: row.points,
  }));
}

const CGROUPS: readonly SemconvSubject[] = ['container', 'pod', 'node'];
const NETNS: readonly SemconvSubject[] = ['container', 'pod-network', 'node'];

function cpuModes(c: CgroupStats | undefined): readonly Point[] {
  const out: Point[] = [];
  if (c?.cpu?.userSeconds !== undefined) out.push({ value: c.cpu.userSeconds, attributes: { 'cpu.mode': 'user' } });
  if (c?.cpu?.systemSeconds !== undefined) out.push({ value: c.cpu.systemSeconds, attributes: { 'cpu.mode': 'system' } });
  return out;
}

/** Limit − working set, only under a limit (semconv: omitted when the limit is undefined). */
function available(c: CgroupStats | undefined): readonly Point[] {
  const limit = c?.memory?.limitBytes;
  const ws = c?.memory?.workingSetBytes;
  if (limit === undefined || limit === null || ws === undefined) return NONE;
  return [{ value: Math.max(0, limit - ws) }];
}

/** pgmajfault as `major`, pgfault − pgmajfault as `minor` (pgfault counts both). */
function faults(c: CgroupStats | undefined): readonly Point[] {
  const all = c?.memory?.pageFaults;
  const major = c?.memory?.majorPageFaults;
  const out: Point[] = [];
  if (major !== undefined) out.push({ value: major, attributes: { 'system.paging.fault.type': 'major' } });
  if (all !== undefined && major !== undefined && all >= major) out.push({ value: all - major, attributes: { 'system.paging.fault.type': 'minor' } });
  return out;
}

function network(s: ContainerSample, rx: (n: NonNullable<ContainerSample['network']>[number]) => number, tx: typeof rx): readonly Point[] {
  if (!s.network || s.network.length === 0) return NONE;
  const out: Point[] = [];
  for (const n of s.network) {
    out.push({ value: rx(n), attributes: { 'network.io.direction': 'receive', 'network.interface.name': n.name } });
    out.push({ value: tx(n), attributes: { 'network.io.direction': 'transmit', 'network.interface.name': n.name } });
  }
  return out;
}

function diskIo(s: ContainerSample): readonly Point[] {
  const out: Point[] = [];
  for (const [direction, pick] of [
    ['read', (d: NonNullable<CgroupStats['io']>[number]) => d.readBytes],
    ['write', (d: NonNullable<CgroupStats['io']>[number]) => d.writeBytes],
  ] as const) {
    out.push(...perItem(s.cgroup?.io, (d) => ({ 'disk.io.direction': direction, 'system.device': d.device }), pick));
  }
  return out;
}

function uptime(s: ContainerSample): readonly Point[] {
  if (s.startTimeSeconds === undefined || s.lastSeenSeconds === undefined) return NONE;
  const up = s.lastSeenSeconds - s.startTimeSeconds;
  return up >= 0 ? [{ value: up }] : NONE;
}

function psi(s: ContainerSample, resource: 'cpu' | 'memory' | 'io'): readonly Point[] {
  const p: PressureTotals | undefined = s.cgroup?.pressure?.[resource];
  const out: Point[] = [];
  if (p?.someSeconds !== undefined) out.push({ value: p.someSeconds, attributes: { 'psi.type': 'some' } });
  if (p?.fullSeconds !== undefined) out.push({ value: p.fullSeconds, attributes: { 'psi.type': 'full' } });
  return out;
}

export const semconvRows: readonly ContainerMetricSpec[] = [
  ...family(CGROUPS, {
    suffix: 'cpu.time',
    instrument: 'counter',
    unit: 's',
    description: 'Total CPU time consumed by {what}, by mode.',
    attributes: ['cpu.mode'],
    group: 'cpu',
    source: 'v1 cpuacct.stat user/system; v2 cpu.stat user_usec/system_usec',
    points: (s) => cpuModes(s.cgroup),
  }),
  ...family(CGROUPS, {
    suffix: 'cpu.usage',
    instrument: 'gauge',
    unit: '{cpu}',
    valueType: 'double',
    description: 'CPU usage of {what} in CPUs: the change of its total CPU time over the last cycle divided by the elapsed time.',
    group: 'cpu',
    source: 'Δ(v1 cpuacct.usage; v2 cpu.stat usage_usec) / Δt between two cycles (none on the first)',
    points: (s) => one(s.cpuUsageCores),
  }),
  ...family(CGROUPS, {
    suffix: 'memory.usage',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Memory usage of {what}, including all memory regardless of when it was accessed.',
    group: 'memory',
    source: 'v1 memory.usage_in_bytes; v2 memory.current',
    points: (s) => one(s.cgroup?.memory?.usageBytes),
  }),
  ...family(CGROUPS, {
    suffix: 'memory.working_set',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Working set memory of {what}: usage minus inactive file pages.',
    group: 'memory',
    source: 'usage − inactive_file',
    points: (s) => one(s.cgroup?.memory?.workingSetBytes),
  }),
  ...family(CGROUPS, {
    suffix: 'memory.rss',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Anonymous and swap cache memory of {what}.',
    group: 'memory',
    source: 'v1 memory.stat total_rss; v2 memory.stat anon',
    points: (s) => one(s.cgroup?.memory?.rssBytes),
  }),
  ...family(CGROUPS, {
    suffix: 'memory.available',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Memory available to {what}: its limit minus its working set (absent without a limit).',
    group: 'memory',
    source: 'memory limit − working set',
    points: (s) => available(s.cgroup),
  }),
  ...family(CGROUPS, {
    suffix: 'paging.faults',
    instrument: 'counter',
    unit: '{fault}',
    description: 'Page faults of {what}, major and minor.',
    attributes: ['system.paging.fault.type'],
    group: 'memory',
    source: 'memory.stat pgmajfault; pgfault − pgmajfault',
    points: (s) => faults(s.cgroup),
  }),
  ...family(NETNS, {
    suffix: 'network.io',
    instrument: 'counter',
    unit: 'By',
    description: 'Network bytes of {what} per interface and direction.',
    attributes: ['network.io.direction', 'network.interface.name'],
    group: 'network',
    source: '/proc/<pid>/net/dev of the network namespace owner (a pod: its sandbox)',
    points: (s) => network(s, (n) => n.rxBytes, (n) => n.txBytes),
  }),
  ...family(['pod-network', 'node'], {
    suffix: 'network.errors',
    instrument: 'counter',
    unit: '{error}',
    description: 'Network errors of {what} per interface and direction.',
    attributes: ['network.io.direction', 'network.interface.name'],
    group: 'network',
    source: '/proc/<pid>/net/dev errs',
    points: (s) => network(s, (n) => n.rxErrors, (n) => n.txErrors),
  }),
  ...family(['container'], {
    suffix: 'disk.io',
    instrument: 'counter',
    unit: 'By',
    description: 'Disk bytes read and written by {what}, per device.',
    attributes: ['disk.io.direction', 'system.device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes; v2 io.stat rbytes/wbytes',
    points: diskIo,
  }),
  ...family(['container'], {
    suffix: 'filesystem.usage',
    instrument: 'updowncounter',
    unit: 'By',
    description: "Filesystem space used by {what}'s writable layer.",
    group: 'disk',
    source: 'CRI ListContainerStats writable_layer.used_bytes',
    points: (s) => one(s.fs?.[0]?.usageBytes),
  }),
  ...family(['container'], {
    suffix: 'filesystem.capacity',
    instrument: 'updowncounter',
    unit: 'By',
    description: "Capacity of the filesystem that holds {what}'s writable layer.",
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (capacity)',
    points: (s) => one(s.fs?.[0]?.limitBytes),
  }),
  ...family(['container'], {
    suffix: 'filesystem.available',
    instrument: 'updowncounter',
    unit: 'By',
    description: "Space available on the filesystem that holds {what}'s writable layer.",
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (bavail)',
    points: (s) => one(s.fs?.[0]?.availableBytes),
  }),
  ...family(CGROUPS, {
    suffix: 'uptime',
    instrument: 'gauge',
    unit: 's',
    description: 'The time {what} has been running.',
    group: 'lifecycle',
    source: 'collection time − start time',
    points: uptime,
  }),
  ...(['cpu', 'memory', 'io'] as const).flatMap((resource) =>
    family(CGROUPS, {
      suffix: `${resource}.pressure.time`,
      instrument: 'counter',
      unit: 's',
      description: `Total time tasks of {what} stalled on ${resource} (PSI; psi.type some: at least one task, full: all non-idle tasks). Name of the kubeletstats receiver.`,
      attributes: ['psi.type'],
      group: 'pressure',
      source: `${resource}.pressure total= (cgroup v2 or the hybrid unified mount)`,
      points: (s) => psi(s, resource),
    }),
  ),
];
