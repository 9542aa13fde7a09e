import type { FileReader } from '../fs/file-reader.js';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';
import type { CgroupReadOptions } from './read-options.js';
import type { CgroupRead } from './limits.js';
import { readOptInFiles } from './opt-in.js';
import { readCgroupV1 } from './v1/read.js';
import { readCgroupV2, readPressure } from './v2/read.js';

export type { CgroupReadOptions } from './read-options.js';
export type { CgroupRead, CgroupLimits } from './limits.js';
export { cgroupStartTime } from './start-time.js';

/**
 * One cgroup's statistics, and its limits, whatever the host's cgroup mode. `cgroupPath` is relative
 * to each hierarchy root (`/`, `/kubepods/burstable/pod<uid>/<id>`). Pass the returned limits back in
 * `opts.limits` to skip the files of values that rarely change (see CgroupLimits).
 *
 * Hybrid hosts: everything comes from the v1 controllers, plus PSI from the cgroup2 mount, which
 * has no controllers there but keeps live *.pressure files for every cgroup. Nothing else is taken
 * from it (its cpu.stat duplicates cpuacct, and memory/io/pids files are absent).
 *
 * Throws GoneError when the cgroup vanished. A file that cannot be read or parsed loses only its
 * own values; it is listed in `failures` of the result.
 */
export function readCgroup(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  opts: CgroupReadOptions = {},
): CgroupRead {
  const read = layout.mode === 'v2' ? readCgroupV2(layout, cgroupPath, reader, opts) : readCgroupV1(layout, cgroupPath, reader, opts);
  if (layout.mode === 'hybrid' && layout.unified !== undefined && read.limits.pressure !== false) {
    const pressure = readPressure(reader, cgroupDirOf(layout.unified, cgroupPath), read.failures, opts.optIn?.pressureAvg === true);
    if (pressure) read.stats.pressure = pressure;
    if (opts.limits === undefined) read.limits.pressure = pressure !== undefined;
  }
  if (opts.optIn !== undefined) {
    const optIn = readOptInFiles(layout, cgroupPath, reader, opts.optIn, read.failures);
    if (optIn) read.stats.optIn = optIn;
  }
  return read;
}
