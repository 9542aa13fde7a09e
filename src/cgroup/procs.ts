import { GoneError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { parsePidList } from '../procfs/pid-list.js';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';

/** The distinct pids of cgroup.procs, ascending (v1 may list one twice and does not sort). */
export function parseProcs(text: string, file = 'cgroup.procs'): number[] {
  return parsePidList(text, file).sort((a, b) => a - b);
}

/**
 * The hierarchy whose cgroup.procs / tasks lists a cgroup's processes: the unified one on v2, else
 * the first v1 controller that cAdvisor counts processes in (every v1 hierarchy lists the same ones).
 */
export function pidListMountOf(layout: CgroupLayout): string | undefined {
  if (layout.mode === 'v2') return layout.unified;
  return ['cpu', 'cpuacct', 'memory', 'pids'].map((c) => layout.v1.get(c)).find((m) => m !== undefined) ?? layout.v1.values().next().value;
}

/** Where a cgroup's cgroup.procs is (see pidListMountOf). */
export function procsFileOf(layout: CgroupLayout, cgroupPath: string): string | undefined {
  const mount = pidListMountOf(layout);
  return mount === undefined ? undefined : `${cgroupDirOf(mount, cgroupPath)}/cgroup.procs`;
}

/** The processes of one cgroup; GoneError when the cgroup vanished. */
export function readCgroupPids(layout: CgroupLayout, cgroupPath: string, reader: FileReader): number[] {
  const file = procsFileOf(layout, cgroupPath);
  if (file === undefined) throw new GoneError(cgroupPath);
  return parseProcs(reader.read(file), file);
}
