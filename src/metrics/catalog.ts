/**
 * THE metric catalog: the only place metric names, units, kinds and their sources exist.
 *
 * Profile `cadvisor`: each name is already the exact kubelet /metrics/cadvisor name and each unit is
 * chosen so that the collector's default OTel→Prometheus translation (UnderscoreEscapingWithSuffixes)
 * leaves the name unchanged: `s`/`By` only where the name already carries `seconds`/`bytes`, a `{…}`
 * annotation where cAdvisor has no unit suffix, and a gauge for cAdvisor counters without `_total`
 * (container_memory_failcnt). Instruments, config switches, docs/metrics.md and the catalog tests are
 * all derived from this table.
 */
import type { CgroupStats, PressureTotals } from '../cgroup/stats.js';
import type { ContainerSample, NetInterfaceSample } from '../collection/sample.js';
import type { AgentMetricSpec, ContainerMetricSpec, InstrumentKind, MachineMetricSpec, MetricSpec, Point } from './spec.js';

const NONE: readonly Point[] = [];

/** A single unlabelled point, or nothing when the value is unknown (absent is not zero). */
function one(value: number | undefined): readonly Point[] {
  return value === undefined ? NONE : [{ value }];
}

/** CFS metrics exist only for containers with a quota, as in cAdvisor. */
function withQuota(c: CgroupStats | undefined, value: (c: CgroupStats) => number | undefined): readonly Point[] {
  if (c?.cpuSpec?.quotaUs === undefined || c.cpuSpec.quotaUs === null) return NONE;
  return one(value(c));
}

/** cAdvisor exports "unlimited" limits as 0. */
function limitOrZero(limit: number | null | undefined): number | undefined {
  return limit === null ? 0 : limit;
}

/** One point per item that has the value, labelled by `label` (a device, an interface). */
function perItem<T>(items: readonly T[] | undefined, label: (t: T) => Record<string, string>, pick: (t: T) => number | undefined): readonly Point[] {
  if (!items || items.length === 0) return NONE;
  const out: Point[] = [];
  for (const t of items) {
    const v = pick(t);
    if (v !== undefined) out.push({ value: v, attributes: label(t) });
  }
  return out;
}

type IoDevice = NonNullable<CgroupStats['io']>[number];
type FsItem = NonNullable<ContainerSample['fs']>[number];
const perDevice = (s: ContainerSample, pick: (d: IoDevice) => number | undefined) => perItem(s.cgroup?.io, (d) => ({ device: d.device }), pick);
const perFs = (s: ContainerSample, pick: (f: FsItem) => number | undefined) => perItem(s.fs, (f) => ({ device: f.device }), pick);
const perInterface = (s: ContainerSample, pick: (n: NetInterfaceSample) => number) => perItem(s.network, (n) => ({ interface: n.name }), pick);

function pressure(s: ContainerSample, resource: 'cpu' | 'memory' | 'io', line: keyof PressureTotals): readonly Point[] {
  return one(s.cgroup?.pressure?.[resource]?.[line]);
}

/**
 * A catalog row: what a metric says, with the usual values left out. Defaults: enabled, no
 * attributes beyond the identity, a `double` for seconds (`s`, converted from µs/ns ticks) and an
 * `int` for everything else; machine rows are group `machine`, agent rows group `agent` with
 * source "the agent". The builder's name gives the entity and the instrument.
 */
type Row<S extends MetricSpec> = Omit<S, 'entity' | 'instrument' | 'valueType' | 'attributes' | 'enabled'> &
  Partial<Pick<S, 'valueType' | 'attributes' | 'enabled'>>;

function defaults(unit: string): Pick<MetricSpec, 'valueType' | 'attributes' | 'enabled'> {
  return { valueType: unit === 's' ? 'double' : 'int', attributes: [], enabled: true };
}

const containerGauge = (row: Row<ContainerMetricSpec>): ContainerMetricSpec => ({ entity: 'container', instrument: 'gauge', ...defaults(row.unit), ...row });
const containerCounter = (row: Row<ContainerMetricSpec>): ContainerMetricSpec => ({ entity: 'container', instrument: 'counter', ...defaults(row.unit), ...row });
const machineGauge = (row: Omit<Row<MachineMetricSpec>, 'group'>): MachineMetricSpec => ({
  entity: 'machine',
  instrument: 'gauge',
  group: 'machine',
  ...defaults(row.unit),
  ...row,
});
const agentRow = (instrument: InstrumentKind, row: Omit<Row<AgentMetricSpec>, 'group' | 'source'>): AgentMetricSpec => ({
  entity: 'agent',
  instrument,
  group: 'agent',
  source: 'the agent',
  ...defaults(row.unit),
  ...row,
});
const agentGauge = (row: Omit<Row<AgentMetricSpec>, 'group' | 'source'>) => agentRow('gauge', row);
const agentCounter = (row: Omit<Row<AgentMetricSpec>, 'group' | 'source'>) => agentRow('counter', row);

function pressureSpecs(): ContainerMetricSpec[] {
  const out: ContainerMetricSpec[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const [word, line, what] of [
      ['waiting', 'someSeconds', 'at least one task'],
      ['stalled', 'fullSeconds', 'all non-idle tasks'],
    ] as const) {
      out.push(
        containerCounter({
          name: `container_pressure_${resource}_${word}_seconds_total`,
          description: `Total time ${what} of the container stalled on ${resource} (PSI "${line === 'someSeconds' ? 'some' : 'full'}").`,
          unit: 's',
          group: 'pressure',
          source: `${resource}.pressure total= (cgroup v2 or the hybrid unified mount)`,
          points: (s) => pressure(s, resource, line),
        }),
      );
    }
  }
  return out;
}

function networkSpecs(): ContainerMetricSpec[] {
  const rows = [
    ['receive_bytes', 'By', 'bytes received', (n: NetInterfaceSample) => n.rxBytes],
    ['receive_packets', '{packet}', 'packets received', (n: NetInterfaceSample) => n.rxPackets],
    ['receive_errors', '{error}', 'errors while receiving', (n: NetInterfaceSample) => n.rxErrors],
    ['receive_packets_dropped', '{packet}', 'packets dropped while receiving', (n: NetInterfaceSample) => n.rxDropped],
    ['transmit_bytes', 'By', 'bytes transmitted', (n: NetInterfaceSample) => n.txBytes],
    ['transmit_packets', '{packet}', 'packets transmitted', (n: NetInterfaceSample) => n.txPackets],
    ['transmit_errors', '{error}', 'errors while transmitting', (n: NetInterfaceSample) => n.txErrors],
    ['transmit_packets_dropped', '{packet}', 'packets dropped while transmitting', (n: NetInterfaceSample) => n.txDropped],
  ] as const;
  return rows.map(([suffix, unit, what, pick]) =>
    containerCounter({
      name: `container_network_${suffix}_total`,
      description: `Cumulative count of ${what} on the pod's network interface.`,
      unit,
      attributes: ['interface'],
      group: 'network',
      source: '/proc/<sandbox pid>/net/dev (lo, veth*, docker*, nerdctl* skipped)',
      points: (s) => perInterface(s, pick),
    }),
  );
}

export const catalog: readonly MetricSpec[] = [
  // --- cpu ---
  containerCounter({
    name: 'container_cpu_usage_seconds_total',
    description: 'Cumulative cpu time consumed.',
    unit: 's',
    attributes: ['cpu'],
    group: 'cpu',
    source: 'v1 cpuacct.usage; v2 cpu.stat usage_usec',
    points: (s) => {
      const v = s.cgroup?.cpu?.usageSeconds;
      return v === undefined ? NONE : [{ value: v, attributes: { cpu: 'total' } }];
    },
  }),
  containerCounter({
    name: 'container_cpu_user_seconds_total',
    description: 'Cumulative user cpu time consumed.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat user; v2 cpu.stat user_usec',
    points: (s) => one(s.cgroup?.cpu?.userSeconds),
  }),
  containerCounter({
    name: 'container_cpu_system_seconds_total',
    description: 'Cumulative system cpu time consumed.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat system; v2 cpu.stat system_usec',
    points: (s) => one(s.cgroup?.cpu?.systemSeconds),
  }),
  containerCounter({
    name: 'container_cpu_cfs_periods_total',
    description: 'Number of elapsed enforcement period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_periods (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.periods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_periods_total',
    description: 'Number of throttled period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_throttled (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledPeriods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_seconds_total',
    description: 'Total time duration the container has been throttled.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpu.stat throttled_time; v2 cpu.stat throttled_usec (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledSeconds),
  }),
  // --- spec ---
  containerGauge({
    name: 'container_spec_cpu_period',
    description: 'CPU period of the container, in microseconds.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_period_us; v2 cpu.max (second field)',
    points: (s) => one(s.cgroup?.cpuSpec?.periodUs),
  }),
  containerGauge({
    name: 'container_spec_cpu_quota',
    description: 'CPU quota of the container, in microseconds per period.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_quota_us; v2 cpu.max (first field); absent when unlimited',
    points: (s) => {
      const q = s.cgroup?.cpuSpec?.quotaUs;
      return q === undefined || q === null ? NONE : [{ value: q }];
    },
  }),
  containerGauge({
    name: 'container_spec_cpu_shares',
    description: 'CPU share of the container.',
    unit: '{share}',
    group: 'spec',
    source: 'v1 cpu.shares; v2 cpu.weight converted to shares',
    points: (s) => one(s.cgroup?.cpuSpec?.shares),
  }),
  containerGauge({
    name: 'container_spec_memory_limit_bytes',
    description: 'Memory limit for the container (0 when unlimited).',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.limit_in_bytes; v2 memory.max',
    points: (s) => one(limitOrZero(s.cgroup?.memory?.limitBytes)),
  }),
  // --- memory ---
  containerGauge({
    name: 'container_memory_usage_bytes',
    description: 'Current memory usage in bytes, including all memory regardless of when it was accessed.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.usage_in_bytes; v2 memory.current (root: anon+file)',
    points: (s) => one(s.cgroup?.memory?.usageBytes),
  }),
  containerGauge({
    name: 'container_memory_working_set_bytes',
    description: 'Current working set in bytes: usage minus inactive file cache.',
    unit: 'By',
    group: 'memory',
    source: 'usage - memory.stat (total_)inactive_file, clamped at 0',
    points: (s) => one(s.cgroup?.memory?.workingSetBytes),
  }),
  containerGauge({
    name: 'container_memory_rss',
    description: 'Size of RSS in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_rss; v2 memory.stat anon',
    points: (s) => one(s.cgroup?.memory?.rssBytes),
  }),
  containerGauge({
    name: 'container_memory_cache',
    description: 'Number of bytes of page cache memory.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_cache; v2 memory.stat file',
    points: (s) => one(s.cgroup?.memory?.cacheBytes),
  }),
  containerGauge({
    name: 'container_memory_swap',
    description: 'Container swap usage in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_swap; v2 memory.swap.current',
    points: (s) => one(s.cgroup?.memory?.swapBytes),
  }),
  containerGauge({
    name: 'container_memory_mapped_file',
    description: 'Size of memory mapped files in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_mapped_file; v2 memory.stat file_mapped',
    points: (s) => one(s.cgroup?.memory?.mappedFileBytes),
  }),
  containerGauge({
    name: 'container_memory_failcnt',
    description: 'Number of memory usage hits limits.',
    unit: '{failure}',
    // A gauge on purpose: cAdvisor's name has no _total, and a monotonic sum would gain one.
    group: 'memory',
    source: 'v1 memory.failcnt (absent on v2)',
    points: (s) => one(s.cgroup?.memory?.failcnt),
  }),
  containerGauge({
    name: 'container_memory_max_usage_bytes',
    description: 'Maximum memory usage recorded in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.max_usage_in_bytes; v2 memory.peak (kernel >= 5.19)',
    points: (s) => one(s.cgroup?.memory?.maxUsageBytes),
  }),
  containerGauge({
    name: 'container_memory_total_active_file_bytes',
    description: 'Current total active file in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.stat total_active_file; v2 memory.stat active_file',
    points: (s) => one(s.cgroup?.memory?.activeFileBytes),
  }),
  containerGauge({
    name: 'container_memory_total_inactive_file_bytes',
    description: 'Current total inactive file in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.stat total_inactive_file; v2 memory.stat inactive_file',
    points: (s) => one(s.cgroup?.memory?.inactiveFileBytes),
  }),
  containerCounter({
    name: 'container_memory_failures_total',
    description: 'Cumulative count of memory allocation failures (page faults).',
    unit: '{failure}',
    attributes: ['failure_type', 'scope'],
    group: 'memory',
    source: 'memory.stat pgfault / pgmajfault (both scopes carry the same number, as in cAdvisor)',
    points: (s) => {
      const m = s.cgroup?.memory;
      if (!m) return NONE;
      const out: Point[] = [];
      for (const [type, v] of [['pgfault', m.pageFaults], ['pgmajfault', m.majorPageFaults]] as const) {
        if (v === undefined) continue;
        for (const scope of ['container', 'hierarchy']) out.push({ value: v, attributes: { failure_type: type, scope } });
      }
      return out;
    },
  }),
  // --- block IO ---
  containerCounter({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read.',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rbytes',
    points: (s) => perDevice(s, (d) => d.readBytes),
  }),
  containerCounter({
    name: 'container_fs_writes_bytes_total',
    description: 'Cumulative count of bytes written.',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wbytes',
    points: (s) => perDevice(s, (d) => d.writeBytes),
  }),
  containerCounter({
    name: 'container_fs_reads_total',
    description: 'Cumulative count of reads completed.',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios',
    points: (s) => perDevice(s, (d) => d.reads),
  }),
  containerCounter({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed.',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios',
    points: (s) => perDevice(s, (d) => d.writes),
  }),
  // --- filesystem usage (containerd writable layer, which cAdvisor leaves empty) ---
  containerGauge({
    name: 'container_fs_usage_bytes',
    description: 'Number of bytes that are consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'CRI ListContainerStats writable_layer.used_bytes',
    points: (s) => perFs(s, (f) => f.usageBytes),
  }),
  containerGauge({
    name: 'container_fs_limit_bytes',
    description: 'Number of bytes that can be consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (capacity)',
    points: (s) => perFs(s, (f) => f.limitBytes),
  }),
  containerGauge({
    name: 'container_fs_inodes_total',
    description: 'Number of Inodes.',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (files)',
    points: (s) => perFs(s, (f) => f.inodesTotal),
  }),
  containerGauge({
    name: 'container_fs_inodes_free',
    description: 'Number of available Inodes.',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (ffree)',
    points: (s) => perFs(s, (f) => f.inodesFree),
  }),
  // --- processes ---
  containerGauge({
    name: 'container_threads',
    description: 'Number of threads running inside the container.',
    unit: '{thread}',
    group: 'process',
    source: 'pids.current',
    points: (s) => one(s.cgroup?.pids?.current),
  }),
  containerGauge({
    name: 'container_threads_max',
    description: 'Maximum number of threads allowed inside the container (0 when unlimited).',
    unit: '{thread}',
    group: 'process',
    source: 'pids.max ("max" exported as 0)',
    points: (s) => one(limitOrZero(s.cgroup?.pids?.max)),
  }),
  containerGauge({
    name: 'container_processes',
    description: 'Number of processes running inside the container.',
    unit: '{process}',
    group: 'process',
    source: 'line count of cgroup.procs',
    points: (s) => one(s.cgroup?.processes),
  }),
  // --- lifecycle ---
  containerGauge({
    name: 'container_start_time_seconds',
    description: 'Start time of the container since unix epoch in seconds.',
    unit: 's',
    group: 'lifecycle',
    source: 'CRI started_at, else the earliest mtime of the cgroup directories',
    points: (s) => one(s.startTimeSeconds),
  }),
  containerGauge({
    name: 'container_last_seen',
    description: 'Last time a container was seen by the exporter, in seconds since unix epoch.',
    unit: '{timestamp}',
    valueType: 'double',
    group: 'lifecycle',
    source: 'the collection time',
    points: (s) => one(s.lastSeenSeconds),
  }),
  // --- OOM ---
  containerCounter({
    name: 'container_oom_events_total',
    description: 'Count of out of memory events observed for the container.',
    unit: '{event}',
    group: 'oom_event',
    source: 'CRI ContainerStatus reason "OOMKilled" transitions across restarts',
    points: (s) => one(s.oomEvents),
  }),
  containerGauge({
    name: 'container_restart_count',
    description: 'How many times the kubelet restarted this container, from the runtime annotation.',
    unit: '{restart}',
    group: 'lifecycle',
    source: 'CRI annotation io.kubernetes.container.restartCount',
    points: (s) => one(s.restartCount),
  }),
  ...pressureSpecs(),
  ...networkSpecs(),
  // --- machine ---
  machineGauge({
    name: 'machine_cpu_cores',
    description: 'Number of logical CPU cores on the machine.',
    unit: '{cpu}',
    source: '/sys/devices/system/cpu/online, else /proc/cpuinfo',
    points: (m) => one(m.cpuCores),
  }),
  machineGauge({
    name: 'machine_cpu_physical_cores',
    description: 'Number of physical CPU cores on the machine.',
    unit: '{cpu}',
    source: '/proc/cpuinfo distinct (physical id, core id)',
    points: (m) => one(m.physicalCores),
  }),
  machineGauge({
    name: 'machine_cpu_sockets',
    description: 'Number of CPU sockets on the machine.',
    unit: '{socket}',
    source: '/proc/cpuinfo distinct physical id',
    points: (m) => one(m.sockets),
  }),
  machineGauge({
    name: 'machine_memory_bytes',
    description: 'Amount of memory installed on the machine.',
    unit: 'By',
    source: '/proc/meminfo MemTotal',
    points: (m) => one(m.memoryBytes),
  }),
  machineGauge({
    name: 'machine_swap_bytes',
    description: 'Amount of swap memory available on the machine.',
    unit: 'By',
    source: '/proc/meminfo SwapTotal',
    points: (m) => one(m.swapBytes),
  }),
  // --- the agent itself ---
  agentGauge({
    name: 'up',
    description: 'Always 1 while the agent runs, so dashboards built on up{job="cadvisor"} keep working.',
    unit: '{state}',
    points: () => [{ value: 1 }],
  }),
  agentGauge({
    name: 'podpulse_collection_duration_seconds',
    description: 'Duration of the last collection cycle.',
    unit: 's',
    points: (a) => one(a.lastCollectionSeconds),
  }),
  agentGauge({
    name: 'podpulse_containers',
    description: 'Number of containers (cgroups) collected in the last cycle.',
    unit: '{container}',
    points: (a) => one(a.containers),
  }),
  agentGauge({
    name: 'podpulse_series',
    description: 'Number of data points observed in the last cycle.',
    unit: '{series}',
    points: (a) => one(a.series),
  }),
  agentCounter({
    name: 'podpulse_exports_total',
    description: 'OTLP export attempts by result (after retries).',
    unit: '{export}',
    attributes: ['result'],
    points: (a) => [
      { value: a.exports.success, attributes: { result: 'success' } },
      { value: a.exports.failure, attributes: { result: 'failure' } },
    ],
  }),
  agentCounter({
    name: 'podpulse_export_retries_total',
    description: 'OTLP export retries after a retryable failure.',
    unit: '{retry}',
    points: (a) => [{ value: a.exportRetries }],
  }),
  agentCounter({
    name: 'podpulse_dropped_points_total',
    description: 'Data points that could not be delivered and were dropped.',
    unit: '{point}',
    points: (a) => [{ value: a.droppedPoints }],
  }),
  agentCounter({
    name: 'podpulse_ended_series_total',
    description: 'Series ended with an OTLP no-recorded-value marker (a Prometheus staleness marker after remote write).',
    unit: '{series}',
    points: (a) => [{ value: a.endedSeries }],
  }),
  agentCounter({
    name: 'podpulse_series_over_limit_total',
    description: 'Series left out of an export because their metric had more than metrics.maxSeriesPerMetric series (summed over cycles).',
    unit: '{series}',
    points: (a) => [{ value: a.seriesOverLimit }],
  }),
  agentCounter({
    name: 'podpulse_discovery_truncations_total',
    description: 'Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups (cgroups the runtime names are always reported).',
    unit: '{round}',
    points: (a) => [{ value: a.discoveryTruncations }],
  }),
  agentCounter({
    name: 'podpulse_source_errors_total',
    description:
      'Failures while reading a source (cgroup, proc, cri), by source and stable error code (READ, PARSE, READ_NOT_REGULAR, READ_TOO_LARGE, ...; for cri the gRPC status such as UNAVAILABLE or DEADLINE_EXCEEDED); each loses only the values it would have given. Known pairs start at 0.',
    unit: '{error}',
    attributes: ['source', 'code'],
    points: (a) =>
      Object.entries(a.sourceErrors).flatMap(([source, codes]) => Object.entries(codes).map(([code, value]) => ({ value, attributes: { source, code } }))),
  }),
  agentGauge({
    name: 'podpulse_cri_up',
    description: 'Whether the container runtime answered over CRI in the last cycle (1) or not (0).',
    unit: '{state}',
    points: (a) => (a.criUp === undefined ? NONE : [{ value: a.criUp ? 1 : 0 }]),
  }),
];

export const METRIC_GROUPS = [...new Set(catalog.map((m) => m.group))];
