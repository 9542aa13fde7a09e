import type { CgroupLimits } from './limits.js';
import type { OptInFiles } from './opt-in.js';

/** What the cgroup readers need from the host besides the files. */
export interface CgroupReadOptions {
  /**
   * The `device` label for a block device, e.g. `/dev/sda` (the caller maps major:minor through
   * /proc/diskstats). When it returns undefined, or is not given, the device is `major:minor`.
   */
  deviceName?: (major: number, minor: number) => string | undefined;
  /** USER_HZ, ticks per second of cpuacct.stat (sysconf(_SC_CLK_TCK)); default 100. */
  userHz?: number;
  /**
   * The cgroup's limits from an earlier read (`CgroupRead.limits`). Its files are then not read; its
   * values go into the stats as they are. Without them, the limit files are read.
   */
  limits?: CgroupLimits;
  /** Opt-in files to read as well (metric groups percpu, hugetlb, memory_numa, cpuset); none when absent. */
  optIn?: OptInFiles;
}

export function deviceLabel(opts: CgroupReadOptions, major: number, minor: number): string {
  return opts.deviceName?.(major, minor) ?? `${major}:${minor}`;
}
