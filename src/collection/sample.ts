import type { CgroupStats } from '../cgroup/stats.js';
import type { ContainerIdentity, FsUsageSample, K8sRef } from '../discovery/target.js';
import type { MachineInfo } from '../machine/machine-info.js';
import type { SelfStats } from '../telemetry/self-stats.js';

/**
 * What the metric catalog reads from. The cycle reader builds these each cycle; the catalog only selects
 * values from them. Everything is in base units already (seconds, bytes, counts).
 */

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

export interface ContainerSample {
  identity: ContainerIdentity;
  /** What the runtime says this target is (discovery's K8sRef); absent for raw cgroups. */
  k8s?: K8sRef;
  cgroup?: CgroupStats;
  /** Only on the series that owns the network namespace (the pod sandbox, or `/` for the host). */
  network?: readonly NetInterfaceSample[];
  fs?: readonly FsUsageSample[];
  /** CPUs used since the previous cycle (Δ cpu usage seconds / Δ seconds); absent on a target's first cycle. */
  cpuUsageCores?: number;
  /** OOM kills counted for this container across restarts (CRI status transitions). */
  oomEvents?: number;
  restartCount?: number;
  startTimeSeconds?: number;
  /** Undefined for an exited container that is reported only for its OOM count. */
  lastSeenSeconds?: number;
}

/** Host facts for machine_* metrics and their machine_id / system_uuid / boot_id labels. */
export type MachineFacts = Pick<MachineInfo, 'cpuCores' | 'physicalCores' | 'sockets' | 'memoryBytes' | 'swapBytes' | 'machineId' | 'bootId' | 'systemUuid'>;

/** One cycle's worth of facts, read once and handed to every instrument. */
export interface Snapshot {
  containers: readonly ContainerSample[];
  machine?: MachineFacts;
  agent: SelfStats;
}

export interface SnapshotSource {
  collect(): Promise<Snapshot>;
}
