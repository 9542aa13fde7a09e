import { readCgroup, type CgroupReadOptions } from '../../src/cgroup/read.js';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import type { CgroupStats } from '../../src/cgroup/stats.js';
import type { FileReader } from '../../src/fs/file-reader.js';

/** One cgroup's statistics without its limits, for tests that read a tree once. */
export function readCgroupStats(layout: CgroupLayout, cgroupPath: string, reader: FileReader, opts: CgroupReadOptions = {}): CgroupStats {
  return readCgroup(layout, cgroupPath, reader, opts).stats;
}
