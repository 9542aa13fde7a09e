import type { CgroupSpec } from './limits.js';

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
   * The cgroup's spec from an earlier read (`CgroupRead.spec`). Its files are then not read; its
   * values go into the stats as they are. Without it, the spec is read.
   */
  spec?: CgroupSpec;
}

export function deviceLabel(opts: CgroupReadOptions, major: number, minor: number): string {
  return opts.deviceName?.(major, minor) ?? `${major}:${minor}`;
}
