import type { ContainerSample, MachineFacts } from '../collection/sample.js';
import type { SelfStats } from '../telemetry/self-stats.js';

export type InstrumentKind = 'counter' | 'gauge' | 'updowncounter';
export type ValueKind = 'int' | 'double';

/**
 * The metric groups, switchable in config as metrics.groups.<group>: cAdvisor's metric kinds (the
 * ones kubelet's /metrics/cadvisor enables are on by default, the others are opt-in) plus our own.
 * `on` is the default; the doc line becomes the config key's doc.
 */
export const METRIC_GROUPS_DECLARED = {
  cpu: { on: true, doc: 'CPU time and CFS throttling (kubelet kind "cpu").' },
  cpuLoad: { on: true, doc: 'Task states and the 10 s load average, computed from the tasks (kubelet kind "cpuLoad").' },
  memory: { on: true, doc: 'Memory usage, working set, page faults (kubelet kind "memory").' },
  diskIO: { on: true, doc: 'Block I/O per device, and /proc/diskstats on "/" (kubelet kind "diskIO").' },
  disk: { on: true, doc: 'Filesystem usage and inodes (kubelet kind "disk").' },
  network: { on: true, doc: 'Network interface counters of pods and the host (kubelet kind "network").' },
  process: { on: true, doc: 'Processes, threads, file descriptors, sockets, ulimits (kubelet kind "process").' },
  pressure: { on: true, doc: 'PSI stall totals (kubelet kind "pressure", KubeletPSI).' },
  spec: { on: true, doc: 'container_spec_*: limits and shares as set in the cgroup.' },
  oom_event: { on: true, doc: 'OOM kills (kubelet kind "oom_event").' },
  lifecycle: { on: true, doc: 'Start time, last seen, restarts, scrape errors.' },
  machine: { on: true, doc: 'machine_*: host facts.' },
  agent: { on: true, doc: "The agent's own metrics (podpulse_*, up)." },
  percpu: {
    on: false,
    doc: 'Per-CPU usage: container_cpu_usage_seconds_total reports cpu="cpu00", "cpu01", … instead of cpu="total", as cAdvisor does (cgroup v1 cpuacct.usage_percpu; v2 has no per-CPU file and keeps "total"; opt-in).',
  },
  sched: { on: false, doc: 'Scheduler statistics summed over the tasks, from /proc/<pid>/schedstat (opt-in).' },
  tcp: { on: false, doc: 'TCP sockets by state in the pod network namespace (opt-in).' },
  udp: { on: false, doc: 'UDP sockets, drops and queued bytes in the pod network namespace (opt-in).' },
  hugetlb: { on: false, doc: 'Huge page usage per page size (opt-in).' },
  memory_numa: { on: false, doc: 'Memory pages per NUMA node (opt-in).' },
  cpuset: { on: false, doc: 'cpuset settings: container_memory_migrate, the only one cAdvisor exports (cgroup v1 only; opt-in).' },
  referenced_memory: {
    on: false,
    doc: 'Referenced bytes from /proc/<pid>/smaps_rollup; read-only, never writes clear_refs (opt-in; costly).',
  },
  pressure_avg: { on: false, doc: 'PSI avg10/avg60/avg300 as gauges, which cAdvisor parses but never exports (opt-in).' },
  cpu_topology: { on: false, doc: 'machine_* CPU topology: caches, thread siblings, NUMA nodes (opt-in).' },
  per_process: { on: false, doc: 'Per-process CPU, memory and threads with pid and comm attributes, capped per container (opt-in).' },
} as const satisfies Record<string, { on: boolean; doc: string }>;

export type MetricGroup = keyof typeof METRIC_GROUPS_DECLARED;

/**
 * The naming profiles (config metrics.profile). `cadvisor`: kubelet's /metrics/cadvisor names with the
 * identity on every point; `semconv`: OpenTelemetry semantic-convention names with the identity in
 * one Resource per pod or container (metrics/semconv/); `both`: the two row sets side by side.
 */
export const PROFILES = ['cadvisor', 'semconv', 'both'] as const;
export type Profile = (typeof PROFILES)[number];
/** Which profile a row belongs to: agent rows (podpulse_*, up) are in every profile. */
export type RowProfile = 'cadvisor' | 'semconv' | 'any';

/**
 * What a semconv row reports on (metrics/semconv/identity.ts): a container, a pod (its pod-level
 * cgroup), a pod's network namespace (owned by the sandbox), or the node (the `/` cgroup).
 */
export type SemconvSubject = 'container' | 'pod' | 'pod-network' | 'node';

export interface Point {
  value: number;
  /** Attributes beyond the entity's identity; keys must be listed in the spec's `attributes`. */
  attributes?: Readonly<Record<string, string>>;
}

/** One raw kernel (or runtime) input of a metric, for `podpulse explain`. */
export interface ExplainInput {
  /**
   * A file in the cgroup's directory (`memory.stat`), a /proc file with `<pid>` in place of the pid
   * (`/proc/<pid>/net/dev`), or, for values from the runtime, text starting with `CRI ` or `statfs `.
   */
  file: string;
  /** The key of a `key value` line (`total_inactive_file`), or a token that picks lines (`Read`). */
  key?: string;
  /** The cgroup version this input is read on; both when unset. */
  cgroup?: 'v1' | 'v2';
}

/** What `podpulse explain` says about a metric: plain data, shown as written. */
export interface MetricExplain {
  /** How the value is computed from the inputs, e.g. `usage − inactive_file, at least 0`. */
  formula: string;
  inputs: readonly ExplainInput[];
  /** What the value means next to the limit, kubelet's eviction signal and the OOM killer. */
  meaning?: string;
}

interface BaseSpec {
  /** The instrument name. In the cadvisor profile it is already the final Prometheus name. */
  name: string;
  /**
   * Becomes HELP in Prometheus. For a name kubelet's cAdvisor also has, exactly cAdvisor's HELP text
   * (test/fixtures/cadvisor-help/); otherwise a sentence ending with '.'.
   */
  description: string;
  /** UCUM. Annotations `{…}` add no Prometheus suffix; `s` and `By` only where the name already says so. */
  unit: string;
  instrument: InstrumentKind;
  valueType: ValueKind;
  /** Per-point attribute keys beyond the entity identity. */
  attributes: readonly string[];
  group: MetricGroup;
  enabled: boolean;
  /** Where the value comes from, for docs: cgroup v1 / v2 / proc / cri. */
  source: string;
  /**
   * How this series deliberately differs from kubelet's cAdvisor (v0.55.1), for the docs' "Differences
   * from kubelet's cAdvisor" section; unset where it does not.
   */
  cadvisorDifference?: string;
  /** For `podpulse explain`; without it, explain shows `source`. Required of container rows by the catalog test. */
  explain?: MetricExplain;
  /** Absent: `cadvisor` for container and machine rows, `any` for agent rows (see profileOf). */
  profile?: RowProfile;
}

export interface ContainerMetricSpec extends BaseSpec {
  entity: 'container';
  points: (s: ContainerSample) => readonly Point[];
  /** Semconv rows only: the samples this row reads; its identity goes into their resource. */
  subject?: SemconvSubject;
}

export interface MachineMetricSpec extends BaseSpec {
  entity: 'machine';
  points: (m: MachineFacts) => readonly Point[];
}

export interface AgentMetricSpec extends BaseSpec {
  entity: 'agent';
  points: (a: SelfStats) => readonly Point[];
}

export type MetricSpec = ContainerMetricSpec | MachineMetricSpec | AgentMetricSpec;

/** The profile a row belongs to. */
export function profileOf(spec: MetricSpec): RowProfile {
  return spec.profile ?? (spec.entity === 'agent' ? 'any' : 'cadvisor');
}

/** Identity attributes every container data point carries (kubelet /metrics/cadvisor labels). */
export const CONTAINER_IDENTITY_KEYS = ['id', 'name', 'image', 'container', 'pod', 'namespace'] as const;
/** Labels cAdvisor puts on machine_* series. */
export const MACHINE_IDENTITY_KEYS = ['machine_id', 'system_uuid', 'boot_id'] as const;
