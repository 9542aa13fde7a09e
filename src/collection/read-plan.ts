/**
 * Which optional sources the cycle reader reads. The agent derives it from the enabled metric groups
 * (metrics/read-plan.ts), so a source whose metrics are all switched off costs no read at all.
 * Cgroup files of the kubelet kinds are always read; what is listed here is what costs extra.
 */
export interface ReadPlan {
  /** /proc/<pid>/net/dev of the series that own a network namespace. */
  network: boolean;
  /** cgroup.procs, /proc/<pid>/fd and /proc/<root pid>/limits; the task list where pids.current is absent (kind "process"). */
  processes: boolean;
  /** The task list and /proc/<tid>/stat of every task (kind "cpuLoad"). */
  taskStates: boolean;
  /** Host mountinfo and statfs of its filesystems, on "/" (kind "disk"). */
  rootFilesystems: boolean;
  /** Host mountinfo and /proc/diskstats of its filesystems, on "/" (kind "diskIO"). */
  rootDiskIo: boolean;
  /** /proc/<pid>/stat and status of every process of each cgroup (group per_process). */
  perProcess: boolean;
  /** v1 cpuacct.usage_percpu (group percpu). */
  perCpu: boolean;
  /** cgroup.procs of the cgroup and below, then /proc/<pid>/schedstat of each (group sched). */
  sched: boolean;
  /** /proc/<netns pid>/net/tcp and tcp6 (group tcp). */
  tcp: boolean;
  /** /proc/<netns pid>/net/udp and udp6 (group udp). */
  udp: boolean;
  /** hugetlb.<size>.* files, sizes from <sys>/kernel/mm/hugepages (group hugetlb). */
  hugetlb: boolean;
  /** memory.numa_stat (group memory_numa). */
  numa: boolean;
  /** v1 cpuset.memory_migrate (group cpuset). */
  cpuset: boolean;
  /** cgroup.procs of the cgroup and below, then /proc/<pid>/smaps_rollup of each (group referenced_memory). */
  referencedMemory: boolean;
  /** PSI averages kept from the *.pressure files the pressure group reads anyway (group pressure_avg). */
  pressureAvg: boolean;
  /** <sys>/devices/system/{cpu,node} topology, with the slow machine facts (group cpu_topology). */
  cpuTopology: boolean;
  /** Upper bound on the processes listed per cgroup for sched and referenced_memory. */
  maxPidsPerContainer: number;
}

/** Default of collection.maxPidsPerContainer. */
export const DEFAULT_MAX_PIDS_PER_CONTAINER = 1024;

/** Everything on: what tests and tools get when they do not say otherwise. */
export const READ_ALL: ReadPlan = {
  network: true,
  processes: true,
  taskStates: true,
  rootFilesystems: true,
  rootDiskIo: true,
  perProcess: true,
  perCpu: true,
  sched: true,
  tcp: true,
  udp: true,
  hugetlb: true,
  numa: true,
  cpuset: true,
  referencedMemory: true,
  pressureAvg: true,
  cpuTopology: true,
  maxPidsPerContainer: DEFAULT_MAX_PIDS_PER_CONTAINER,
};

/** Only what the kubelet kinds need beyond their cgroup files. */
export const READ_DEFAULT: ReadPlan = {
  ...READ_ALL,
  perProcess: false,
  perCpu: false,
  sched: false,
  tcp: false,
  udp: false,
  hugetlb: false,
  numa: false,
  cpuset: false,
  referencedMemory: false,
  pressureAvg: false,
  cpuTopology: false,
};
