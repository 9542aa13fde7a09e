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
import type { AgentMetricSpec, ContainerMetricSpec, MachineMetricSpec, MetricSpec, Point } from './spec.js';

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

const container = (spec: Omit<ContainerMetricSpec, 'entity'>): ContainerMetricSpec => ({ entity: 'container', ...spec });
const machine = (spec: Omit<MachineMetricSpec, 'entity'>): MachineMetricSpec => ({ entity: 'machine', ...spec });
const agent = (spec: Omit<AgentMetricSpec, 'entity'>): AgentMetricSpec => ({ entity: 'agent', ...spec });

function pressureSpecs(): ContainerMetricSpec[] {
  const out: ContainerMetricSpec[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const [word, line, what] of [
      ['waiting', 'someSeconds', 'at least one task'],
      ['stalled', 'fullSeconds', 'all non-idle tasks'],
    ] as const) {
      out.push(
        container({
          name: `container_pressure_${resource}_${word}_seconds_total`,
          description: `Total time ${what} of the container stalled on ${resource} (PSI "${line === 'someSeconds' ? 'some' : 'full'}").`,
          unit: 's',
          instrument: 'counter',
          valueType: 'double',
          attributes: [],
          group: 'pressure',
          enabled: true,
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
    container({
      name: `container_network_${suffix}_total`,
      description: `Cumulative count of ${what} on the pod's network interface.`,
      unit,
      instrument: 'counter',
      valueType: 'int',
      attributes: ['interface'],
      group: 'network',
      enabled: true,
      source: '/proc/<sandbox pid>/net/dev (lo, veth*, docker*, nerdctl* skipped)',
      points: (s) => perInterface(s, pick),
    }),
  );
}

export const catalog: readonly MetricSpec[] = [
  // --- cpu ---
  container({
    name: 'container_cpu_usage_seconds_total',
    description: 'Cumulative cpu time consumed.',
    unit: 's',
    instrument: 'counter',
    valueType: 'double',
    attributes: ['cpu'],
    group: 'cpu',
    enabled: true,
    source: 'v1 cpuacct.usage; v2 cpu.stat usage_usec',
    points: (s) => {
      const v = s.cgroup?.cpu?.usageSeconds;
      return v === undefined ? NONE : [{ value: v, attributes: { cpu: 'total' } }];
    },
  }),
  container({
    name: 'container_cpu_user_seconds_total',
    description: 'Cumulative user cpu time consumed.',
    unit: 's',
    instrument: 'counter',
    valueType: 'double',
    attributes: [],
    group: 'cpu',
    enabled: true,
    source: 'v1 cpuacct.stat user; v2 cpu.stat user_usec',
    points: (s) => one(s.cgroup?.cpu?.userSeconds),
  }),
  container({
    name: 'container_cpu_system_seconds_total',
    description: 'Cumulative system cpu time consumed.',
    unit: 's',
    instrument: 'counter',
    valueType: 'double',
    attributes: [],
    group: 'cpu',
    enabled: true,
    source: 'v1 cpuacct.stat system; v2 cpu.stat system_usec',
    points: (s) => one(s.cgroup?.cpu?.systemSeconds),
  }),
  container({
    name: 'container_cpu_cfs_periods_total',
    description: 'Number of elapsed enforcement period intervals.',
    unit: '{period}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'cpu',
    enabled: true,
    source: 'cpu.stat nr_periods (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.periods),
  }),
  container({
    name: 'container_cpu_cfs_throttled_periods_total',
    description: 'Number of throttled period intervals.',
    unit: '{period}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'cpu',
    enabled: true,
    source: 'cpu.stat nr_throttled (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledPeriods),
  }),
  container({
    name: 'container_cpu_cfs_throttled_seconds_total',
    description: 'Total time duration the container has been throttled.',
    unit: 's',
    instrument: 'counter',
    valueType: 'double',
    attributes: [],
    group: 'cpu',
    enabled: true,
    source: 'v1 cpu.stat throttled_time; v2 cpu.stat throttled_usec (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledSeconds),
  }),
  // --- spec ---
  container({
    name: 'container_spec_cpu_period',
    description: 'CPU period of the container, in microseconds.',
    unit: '{microsecond}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'spec',
    enabled: true,
    source: 'v1 cpu.cfs_period_us; v2 cpu.max (second field)',
    points: (s) => one(s.cgroup?.cpuSpec?.periodUs),
  }),
  container({
    name: 'container_spec_cpu_quota',
    description: 'CPU quota of the container, in microseconds per period.',
    unit: '{microsecond}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'spec',
    enabled: true,
    source: 'v1 cpu.cfs_quota_us; v2 cpu.max (first field); absent when unlimited',
    points: (s) => {
      const q = s.cgroup?.cpuSpec?.quotaUs;
      return q === undefined || q === null ? NONE : [{ value: q }];
    },
  }),
  container({
    name: 'container_spec_cpu_shares',
    description: 'CPU share of the container.',
    unit: '{share}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'spec',
    enabled: true,
    source: 'v1 cpu.shares; v2 cpu.weight converted to shares',
    points: (s) => one(s.cgroup?.cpuSpec?.shares),
  }),
  container({
    name: 'container_spec_memory_limit_bytes',
    description: 'Memory limit for the container (0 when unlimited).',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'spec',
    enabled: true,
    source: 'v1 memory.limit_in_bytes; v2 memory.max',
    points: (s) => one(limitOrZero(s.cgroup?.memory?.limitBytes)),
  }),
  // --- memory ---
  container({
    name: 'container_memory_usage_bytes',
    description: 'Current memory usage in bytes, including all memory regardless of when it was accessed.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.usage_in_bytes; v2 memory.current (root: anon+file)',
    points: (s) => one(s.cgroup?.memory?.usageBytes),
  }),
  container({
    name: 'container_memory_working_set_bytes',
    description: 'Current working set in bytes: usage minus inactive file cache.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'usage - memory.stat (total_)inactive_file, clamped at 0',
    points: (s) => one(s.cgroup?.memory?.workingSetBytes),
  }),
  container({
    name: 'container_memory_rss',
    description: 'Size of RSS in bytes.',
    unit: '{byte}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_rss; v2 memory.stat anon',
    points: (s) => one(s.cgroup?.memory?.rssBytes),
  }),
  container({
    name: 'container_memory_cache',
    description: 'Number of bytes of page cache memory.',
    unit: '{byte}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_cache; v2 memory.stat file',
    points: (s) => one(s.cgroup?.memory?.cacheBytes),
  }),
  container({
    name: 'container_memory_swap',
    description: 'Container swap usage in bytes.',
    unit: '{byte}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_swap; v2 memory.swap.current',
    points: (s) => one(s.cgroup?.memory?.swapBytes),
  }),
  container({
    name: 'container_memory_mapped_file',
    description: 'Size of memory mapped files in bytes.',
    unit: '{byte}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_mapped_file; v2 memory.stat file_mapped',
    points: (s) => one(s.cgroup?.memory?.mappedFileBytes),
  }),
  container({
    name: 'container_memory_failcnt',
    description: 'Number of memory usage hits limits.',
    unit: '{failure}',
    // A gauge on purpose: cAdvisor's name has no _total, and a monotonic sum would gain one.
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.failcnt (absent on v2)',
    points: (s) => one(s.cgroup?.memory?.failcnt),
  }),
  container({
    name: 'container_memory_max_usage_bytes',
    description: 'Maximum memory usage recorded in bytes.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.max_usage_in_bytes; v2 memory.peak (kernel >= 5.19)',
    points: (s) => one(s.cgroup?.memory?.maxUsageBytes),
  }),
  container({
    name: 'container_memory_total_active_file_bytes',
    description: 'Current total active file in bytes.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_active_file; v2 memory.stat active_file',
    points: (s) => one(s.cgroup?.memory?.activeFileBytes),
  }),
  container({
    name: 'container_memory_total_inactive_file_bytes',
    description: 'Current total inactive file in bytes.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'memory',
    enabled: true,
    source: 'v1 memory.stat total_inactive_file; v2 memory.stat inactive_file',
    points: (s) => one(s.cgroup?.memory?.inactiveFileBytes),
  }),
  container({
    name: 'container_memory_failures_total',
    description: 'Cumulative count of memory allocation failures (page faults).',
    unit: '{failure}',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['failure_type', 'scope'],
    group: 'memory',
    enabled: true,
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
  container({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read.',
    unit: 'By',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['device'],
    group: 'diskIO',
    enabled: true,
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rbytes',
    points: (s) => perDevice(s, (d) => d.readBytes),
  }),
  container({
    name: 'container_fs_writes_bytes_total',
    description: 'Cumulative count of bytes written.',
    unit: 'By',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['device'],
    group: 'diskIO',
    enabled: true,
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wbytes',
    points: (s) => perDevice(s, (d) => d.writeBytes),
  }),
  container({
    name: 'container_fs_reads_total',
    description: 'Cumulative count of reads completed.',
    unit: '{operation}',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['device'],
    group: 'diskIO',
    enabled: true,
    source: 'v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios',
    points: (s) => perDevice(s, (d) => d.reads),
  }),
  container({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed.',
    unit: '{operation}',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['device'],
    group: 'diskIO',
    enabled: true,
    source: 'v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios',
    points: (s) => perDevice(s, (d) => d.writes),
  }),
  // --- filesystem usage (containerd writable layer, which cAdvisor leaves empty) ---
  container({
    name: 'container_fs_usage_bytes',
    description: 'Number of bytes that are consumed by the container on this filesystem.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: ['device'],
    group: 'disk',
    enabled: true,
    source: 'CRI ListContainerStats writable_layer.used_bytes',
    points: (s) => perFs(s, (f) => f.usageBytes),
  }),
  container({
    name: 'container_fs_limit_bytes',
    description: 'Number of bytes that can be consumed by the container on this filesystem.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: ['device'],
    group: 'disk',
    enabled: true,
    source: 'statfs of the writable layer mountpoint (capacity)',
    points: (s) => perFs(s, (f) => f.limitBytes),
  }),
  container({
    name: 'container_fs_inodes_total',
    description: 'Number of Inodes.',
    unit: '{inode}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: ['device'],
    group: 'disk',
    enabled: true,
    source: 'statfs of the writable layer mountpoint (files)',
    points: (s) => perFs(s, (f) => f.inodesTotal),
  }),
  container({
    name: 'container_fs_inodes_free',
    description: 'Number of available Inodes.',
    unit: '{inode}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: ['device'],
    group: 'disk',
    enabled: true,
    source: 'statfs of the writable layer mountpoint (ffree)',
    points: (s) => perFs(s, (f) => f.inodesFree),
  }),
  // --- processes ---
  container({
    name: 'container_threads',
    description: 'Number of threads running inside the container.',
    unit: '{thread}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'process',
    enabled: true,
    source: 'pids.current',
    points: (s) => one(s.cgroup?.pids?.current),
  }),
  container({
    name: 'container_threads_max',
    description: 'Maximum number of threads allowed inside the container (0 when unlimited).',
    unit: '{thread}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'process',
    enabled: true,
    source: 'pids.max ("max" exported as 0)',
    points: (s) => one(limitOrZero(s.cgroup?.pids?.max)),
  }),
  container({
    name: 'container_processes',
    description: 'Number of processes running inside the container.',
    unit: '{process}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'process',
    enabled: true,
    source: 'line count of cgroup.procs',
    points: (s) => one(s.cgroup?.processes),
  }),
  // --- lifecycle ---
  container({
    name: 'container_start_time_seconds',
    description: 'Start time of the container since unix epoch in seconds.',
    unit: 's',
    instrument: 'gauge',
    valueType: 'double',
    attributes: [],
    group: 'lifecycle',
    enabled: true,
    source: 'CRI started_at, else the earliest mtime of the cgroup directories',
    points: (s) => one(s.startTimeSeconds),
  }),
  container({
    name: 'container_last_seen',
    description: 'Last time a container was seen by the exporter, in seconds since unix epoch.',
    unit: '{timestamp}',
    instrument: 'gauge',
    valueType: 'double',
    attributes: [],
    group: 'lifecycle',
    enabled: true,
    source: 'the collection time',
    points: (s) => one(s.lastSeenSeconds),
  }),
  // --- OOM ---
  container({
    name: 'container_oom_events_total',
    description: 'Count of out of memory events observed for the container.',
    unit: '{event}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'oom_event',
    enabled: true,
    source: 'CRI ContainerStatus reason "OOMKilled" transitions across restarts',
    points: (s) => one(s.oomEvents),
  }),
  container({
    name: 'container_restart_count',
    description: 'How many times the kubelet restarted this container, from the runtime annotation.',
    unit: '{restart}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'lifecycle',
    enabled: true,
    source: 'CRI annotation io.kubernetes.container.restartCount',
    points: (s) => one(s.restartCount),
  }),
  ...pressureSpecs(),
  ...networkSpecs(),
  // --- machine ---
  machine({
    name: 'machine_cpu_cores',
    description: 'Number of logical CPU cores on the machine.',
    unit: '{cpu}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'machine',
    enabled: true,
    source: '/sys/devices/system/cpu/online, else /proc/cpuinfo',
    points: (m) => one(m.cpuCores),
  }),
  machine({
    name: 'machine_cpu_physical_cores',
    description: 'Number of physical CPU cores on the machine.',
    unit: '{cpu}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'machine',
    enabled: true,
    source: '/proc/cpuinfo distinct (physical id, core id)',
    points: (m) => one(m.physicalCores),
  }),
  machine({
    name: 'machine_cpu_sockets',
    description: 'Number of CPU sockets on the machine.',
    unit: '{socket}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'machine',
    enabled: true,
    source: '/proc/cpuinfo distinct physical id',
    points: (m) => one(m.sockets),
  }),
  machine({
    name: 'machine_memory_bytes',
    description: 'Amount of memory installed on the machine.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'machine',
    enabled: true,
    source: '/proc/meminfo MemTotal',
    points: (m) => one(m.memoryBytes),
  }),
  machine({
    name: 'machine_swap_bytes',
    description: 'Amount of swap memory available on the machine.',
    unit: 'By',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'machine',
    enabled: true,
    source: '/proc/meminfo SwapTotal',
    points: (m) => one(m.swapBytes),
  }),
  // --- the agent itself ---
  agent({
    name: 'up',
    description: 'Always 1 while the agent runs, so dashboards built on up{job="cadvisor"} keep working.',
    unit: '{state}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: () => [{ value: 1 }],
  }),
  agent({
    name: 'podpulse_collection_duration_seconds',
    description: 'Duration of the last collection cycle.',
    unit: 's',
    instrument: 'gauge',
    valueType: 'double',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => one(a.lastCollectionSeconds),
  }),
  agent({
    name: 'podpulse_containers',
    description: 'Number of containers (cgroups) collected in the last cycle.',
    unit: '{container}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => one(a.containers),
  }),
  agent({
    name: 'podpulse_series',
    description: 'Number of data points observed in the last cycle.',
    unit: '{series}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => one(a.series),
  }),
  agent({
    name: 'podpulse_exports_total',
    description: 'OTLP export attempts by result (after retries).',
    unit: '{export}',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['result'],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [
      { value: a.exports.success, attributes: { result: 'success' } },
      { value: a.exports.failure, attributes: { result: 'failure' } },
    ],
  }),
  agent({
    name: 'podpulse_export_retries_total',
    description: 'OTLP export retries after a retryable failure.',
    unit: '{retry}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [{ value: a.exportRetries }],
  }),
  agent({
    name: 'podpulse_dropped_points_total',
    description: 'Data points that could not be delivered and were dropped.',
    unit: '{point}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [{ value: a.droppedPoints }],
  }),
  agent({
    name: 'podpulse_ended_series_total',
    description: 'Series ended with an OTLP no-recorded-value marker (a Prometheus staleness marker after remote write).',
    unit: '{series}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [{ value: a.endedSeries }],
  }),
  agent({
    name: 'podpulse_series_over_limit_total',
    description: 'Series left out of an export because their metric had more than metrics.maxSeriesPerMetric series (summed over cycles).',
    unit: '{series}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [{ value: a.seriesOverLimit }],
  }),
  agent({
    name: 'podpulse_discovery_truncations_total',
    description: 'Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups (cgroups the runtime names are always reported).',
    unit: '{round}',
    instrument: 'counter',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => [{ value: a.discoveryTruncations }],
  }),
  agent({
    name: 'podpulse_source_errors_total',
    description:
      'Failures while reading a source (cgroup, proc, cri), by source and stable error code (READ, PARSE, READ_NOT_REGULAR, READ_TOO_LARGE, ...; for cri the gRPC status such as UNAVAILABLE or DEADLINE_EXCEEDED); each loses only the values it would have given. Known pairs start at 0.',
    unit: '{error}',
    instrument: 'counter',
    valueType: 'int',
    attributes: ['source', 'code'],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) =>
      Object.entries(a.sourceErrors).flatMap(([source, codes]) => Object.entries(codes).map(([code, value]) => ({ value, attributes: { source, code } }))),
  }),
  agent({
    name: 'podpulse_cri_up',
    description: 'Whether the container runtime answered over CRI in the last cycle (1) or not (0).',
    unit: '{state}',
    instrument: 'gauge',
    valueType: 'int',
    attributes: [],
    group: 'agent',
    enabled: true,
    source: 'the agent',
    points: (a) => (a.criUp === undefined ? NONE : [{ value: a.criUp ? 1 : 0 }]),
  }),
];

export const METRIC_GROUPS = [...new Set(catalog.map((m) => m.group))];
