/**
 * Where the cgroup hierarchies of this host are mounted, as seen through the configured roots.
 * Built from mountinfo by detectCgroupLayout(); readers never hard-code mount points.
 */
export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export interface CgroupLayout {
  mode: CgroupMode;
  /** v1 controller name (cpu, cpuacct, memory, pids, blkio, cpuset, ...) -> absolute mount dir. */
  v1: Map<string, string>;
  /** cgroup2 mount dir: the only hierarchy in v2 mode; controller-less but with cpu.stat and PSI in hybrid mode. */
  unified?: string;
}
