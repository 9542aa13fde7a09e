import type { CgroupStats, CpuSpec } from './stats.js';

/**
 * How a cgroup is configured, as opposed to what it has used: limits, shares, and where it exists.
 * These change only when someone rewrites them (a resize, a new limit), so a caller that read them
 * once can pass them back in `CgroupReadOptions.limits`. The reader then skips their files and copies
 * these values into the stats. A caller that does this must re-read without limits from time to
 * time to pick up changes.
 *
 * Absent is not zero here either: a value that was absent when the limits were read (the root cgroup
 * has no pids.max) stays absent. Only a missing swap limit file reads as "no limit" (null): without
 * swap accounting no memory+swap limit can apply.
 */
export interface CgroupLimits {
  /** v1 cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares; v2 cpu.max, cpu.weight. */
  cpu?: CpuSpec;
  /** v1 memory.limit_in_bytes; v2 memory.max. null = unlimited. */
  memoryLimitBytes?: number | null;
  /** v1 memory.memsw.limit_in_bytes; v2 memory.swap.max. null = unlimited, also when the file is missing (no swap accounting). */
  swapLimitBytes?: number | null;
  /** v1 memory.soft_limit_in_bytes; v2 memory.min (cAdvisor's "reservation"). null = unlimited. */
  reservationLimitBytes?: number | null;
  /** v1 memory.use_hierarchy; a missing file counts as on. Picks total_ or plain memory.stat keys. */
  memoryHierarchical?: boolean;
  /** pids.max; null = unlimited. */
  pidsMax?: number | null;
  /**
   * v1 only: the mount dirs of the hierarchies that hold this cgroup. A cgroup need not exist in
   * every hierarchy: systemd or a supervisor may create it in memory only. With this set the
   * reader reads only these hierarchies and does not check which ones exist. A missing file in
   * one of them then means the cgroup is gone.
   */
  v1Hierarchies?: ReadonlySet<string>;
  /**
   * Whether the cgroup has *.pressure files. false when PSI is off (CONFIG_PSI without psi=1, the
   * RHEL 8 default) or, on a hybrid host, when the cgroup has no cgroup2 directory. When false,
   * PSI files are not opened at all.
   */
  pressure?: boolean;
}

/**
 * A file of a cgroup that could not be used in this read: unreadable (EACCES, ELOOP, a FIFO, too
 * large) or malformed. Only the values parsed from it are missing; the rest of the cgroup was read.
 */
export interface FileFailure {
  path: string;
  error: unknown;
}

/**
 * One read of a cgroup: its statistics, the limits they were built with (the given ones, or the ones
 * read), and the files whose values are missing from both.
 */
export interface CgroupRead {
  stats: CgroupStats;
  limits: CgroupLimits;
  failures: FileFailure[];
  /**
   * The cgroup.procs behind stats.processes: its path and distinct pids in file order, for readers
   * of the same cycle that need the list (one read of the file per cgroup per cycle).
   */
  procs?: { file: string; pids: readonly number[] };
}
