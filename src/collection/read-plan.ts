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
}

/** Everything on: what tests and tools get when they do not say otherwise. */
export const READ_ALL: ReadPlan = { network: true, processes: true, taskStates: true, rootFilesystems: true, rootDiskIo: true };
