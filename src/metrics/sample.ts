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
  sourceErrors: Record<string, number>;
  /**
   * The same errors by cause, keyed "<source>/<code>" (e.g. "cri/DEADLINE_EXCEEDED"): the code is
   * the gRPC status name for CRI calls, the AgentError code otherwise. Each also counts in sourceErrors.
   */
  sourceErrorCodes?: Record<string, number>;
  /** Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups. */
  discoveryTruncations?: number;
  /** undefined when no runtime is configured or detected. */
  criUp?: boolean;
}

export function newAgentStats(): AgentStats {
  // Every source starts at 0 so rate() and alerts see the series before the first error.
  return { exports: { success: 0, failure: 0 }, exportRetries: 0, droppedPoints: 0, endedSeries: 0, seriesOverLimit: 0, sourceErrors: { cgroup: 0, proc: 0, cri: 0 } };
}
