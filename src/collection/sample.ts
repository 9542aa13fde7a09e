import type { CgroupStats } from '../cgroup/stats.js';
import type { MachineInfo } from '../machine/machine-info.js';

/**
 * What the metric catalog reads from. The collector builds these each cycle; the catalog only selects
 * values from them. Everything is in base units already (seconds, bytes, counts).
 */

/** kubelet /metrics/cadvisor identity labels; "" where unknown, never missing. */
export interface ContainerIdentity {
  id: string;
  name: string;
  image: string;
  container: string;
  pod: string;
  namespace: string;
}

export interface NetInterfaceSample {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** Writable-layer (or other) filesystem usage of a container, keyed by device. */
export interface FsUsageSample {
  device: string;
  usageBytes?: number;
  limitBytes?: number;
  inodesTotal?: number;
  inodesFree?: number;
}

export interface ContainerSample {
  identity: ContainerIdentity;
  cgroup?: CgroupStats;
  /** Only on the series that owns the network namespace (the pod sandbox, or `/` for the host). */
  network?: readonly NetInterfaceSample[];
  fs?: readonly FsUsageSample[];
  /** OOM kills counted for this container across restarts (CRI status transitions). */
  oomEvents?: number;
  restartCount?: number;
  startTimeSeconds?: number;
  /** Undefined for an exited container that is reported only for its OOM count. */
  lastSeenSeconds?: number;
}

/** Host facts for machine_* metrics and their machine_id / system_uuid / boot_id labels. */
export type MachineFacts = Pick<MachineInfo, 'cpuCores' | 'physicalCores' | 'sockets' | 'memoryBytes' | 'swapBytes' | 'machineId' | 'bootId' | 'systemUuid'>;

/** The agent's view of itself, for podpulse_* self-metrics. */
export interface AgentStats {
  lastCollectionSeconds?: number;
  containers?: number;
  series?: number;
  exports: { success: number; failure: number };
  exportRetries: number;
  droppedPoints: number;
  /** Series ended with a NoRecordedValue marker. */
  endedSeries: number;
  /** Series left out of exports because their metric was over metrics.maxSeriesPerMetric (summed per cycle). */
  seriesOverLimit: number;
  /** Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups. */
  discoveryTruncations: number;
  /**
   * Failures per source (cgroup, proc, cri) and per stable error code (PARSE, READ, ...; for CRI
   * calls the gRPC status name, e.g. DEADLINE_EXCEEDED): the
   * podpulse_source_errors_total{source,code} series. Count with countSourceError().
   */
  sourceErrors: Record<string, Record<string, number>>;
  /** undefined when no runtime is configured or detected. */
  criUp?: boolean;
}

/**
 * The codes each source's readers can fail with. These (source, code) series start at 0, so that
 * rate() and increase() see the first error; the labels are fixed, so a zero series must carry a
 * real code. A code outside this list (UNEXPECTED: a bug) appears when it first happens.
 */
const KNOWN_SOURCE_ERRORS: Record<string, readonly string[]> = {
  cgroup: ['READ', 'PARSE', 'READ_NOT_REGULAR', 'READ_TOO_LARGE'],
  proc: ['READ', 'PARSE', 'READ_NOT_REGULAR', 'READ_TOO_LARGE'],
  cri: ['UNAVAILABLE', 'DEADLINE_EXCEEDED'],
};

export function newAgentStats(): AgentStats {
  const sourceErrors: Record<string, Record<string, number>> = {};
  for (const [source, codes] of Object.entries(KNOWN_SOURCE_ERRORS)) sourceErrors[source] = Object.fromEntries(codes.map((c) => [c, 0]));
  return { exports: { success: 0, failure: 0 }, exportRetries: 0, droppedPoints: 0, endedSeries: 0, seriesOverLimit: 0, discoveryTruncations: 0, sourceErrors };
}

/** One failure of `source` with the error's stable `code` (errors.ts errorCode()). */
export function countSourceError(stats: AgentStats, source: string, code: string): void {
  const codes = (stats.sourceErrors[source] ??= {});
  codes[code] = (codes[code] ?? 0) + 1;
}
