import type { CgroupStats } from '../cgroup/stats.js';
import type { ContainerIdentity, FsUsageSample } from '../discovery/target.js';
import type { MachineInfo } from '../machine/machine-info.js';
import type { MachineTopology } from '../machine/topology.js';
import type { TcpStateCounts, UdpCounts } from '../procfs/net-sockets.js';
import type { SelfStats } from '../telemetry/self-stats.js';
import type { ProcessSample } from './processes.js';

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
  cgroup?: CgroupStats;
  /** Only on the series that owns the network namespace (the pod sandbox, or `/` for the host). */
  network?: readonly NetInterfaceSample[];
  fs?: readonly FsUsageSample[];
  /** OOM kills counted for this container across restarts (CRI status transitions). */
  oomEvents?: number;
  restartCount?: number;
  startTimeSeconds?: number;
  /** The busiest processes of the cgroup (group per_process; capped by metrics.maxProcessesPerContainer). */
  processes?: readonly ProcessSample[];
  /** Undefined for an exited container that is reported only for its OOM count. */
  lastSeenSeconds?: number;
  /** /proc/<pid>/schedstat summed over the cgroup's processes, exited ones kept (group sched). */
  sched?: SchedTotals;
  /** /proc/<pid>/smaps_rollup Referenced summed over the cgroup's processes (group referenced_memory). */
  referencedBytes?: number;
  /** Sockets of the network namespace, on the series that owns it (groups tcp, udp). */
  sockets?: SocketCounts;
}

export interface SchedTotals {
  runSeconds: number;
  runqueueSeconds: number;
  runPeriods: number;
}

export interface SocketCounts {
  tcp?: TcpStateCounts;
  tcp6?: TcpStateCounts;
  udp?: UdpCounts;
  udp6?: UdpCounts;
}

/** Host facts for machine_* metrics and their machine_id / system_uuid / boot_id labels. */
export type MachineFacts = Pick<MachineInfo, 'cpuCores' | 'physicalCores' | 'sockets' | 'memoryBytes' | 'swapBytes' | 'machineId' | 'bootId' | 'systemUuid'> & {
  /** CPU caches, thread siblings and NUMA nodes from sysfs (group cpu_topology). */
  topology?: MachineTopology;
};

/** One cycle's worth of facts, read once and handed to every instrument. */
export interface Snapshot {
  containers: readonly ContainerSample[];
  machine?: MachineFacts;
  agent: SelfStats;
}

export interface SnapshotSource {
  collect(): Promise<Snapshot>;
}
