import type { CgroupStats } from '../cgroup/stats.js';
import type { ContainerIdentity, FsUsageSample, K8sRef } from '../discovery/target.js';
import type { MachineInfo } from '../machine/machine-info.js';
import type { MachineTopology } from '../machine/topology.js';
import type { TcpStateCounts, UdpCounts } from '../procfs/net-sockets.js';
import type { TaskStates } from '../procfs/task-state.js';
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

/**
 * What the cgroup's processes and tasks showed (kinds "process" and "cpuLoad"); only the tasks
 * directly in the cgroup count, as in cAdvisor (a pod-level cgroup has none of its own).
 */
export interface ProcessStatsSample {
  /** Open descriptors over the processes of cgroup.procs (a lower bound when a cap cut the read). */
  fileDescriptors?: number;
  /** Of those, sockets. */
  sockets?: number;
  /** RLIMIT_NOFILE soft value of the container's root process; -1 = unlimited. */
  maxOpenFilesSoft?: number;
  /** Tasks (threads) in the cgroup's task list: container_threads where pids.current is absent. */
  tasks?: number;
  /** Tasks by state, from /proc/<tid>/stat. */
  taskStates?: TaskStates;
  /** EWMA of running tasks with decay exp(-Δt/10 s), ×1000 as cAdvisor stores it (milli-load). */
  loadAverage10sMilli?: number;
  /** The same for uninterruptible tasks. */
  loadDAverage10sMilli?: number;
}

/** /proc/diskstats of a filesystem reported on "/", in base units (seconds from the kernel's ms). */
export interface RootDiskIoSample {
  /** The filesystem's `device` label (see procfs/filesystems.ts). */
  device: string;
  reads?: number;
  readsMerged?: number;
  sectorsRead?: number;
  readSeconds?: number;
  writes?: number;
  writesMerged?: number;
  sectorsWritten?: number;
  writeSeconds?: number;
  ioInProgress?: number;
  ioSeconds?: number;
  weightedIoSeconds?: number;
}

export interface ContainerSample {
  identity: ContainerIdentity;
  /** What the runtime says this target is (discovery's K8sRef); absent for raw cgroups. */
  k8s?: K8sRef;
  cgroup?: CgroupStats;
  /** Only on the series that owns the network namespace (the pod sandbox, or `/` for the host). */
  network?: readonly NetInterfaceSample[];
  fs?: readonly FsUsageSample[];
  process?: ProcessStatsSample;
  /** Only on "/": /proc/diskstats of the host filesystems (cAdvisor adds these to the root's disk I/O). */
  rootDiskIo?: readonly RootDiskIoSample[];
  /** CPUs used since the previous cycle (Δ cpu usage seconds / Δ seconds); absent on a target's first cycle. */
  cpuUsageCores?: number;
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
