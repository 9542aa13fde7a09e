import { GoneError, ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';

/** The distinct pids of cgroup.procs, ascending (v1 may list one twice and does not sort). */
export function parseProcs(text: string, file = 'cgroup.procs'): number[] {
  const pids = new Set<number>();
  for (const line of text.split('\n')) {
    const pid = line.trim();
    if (pid === '') continue;
    if (!/^\d+$/.test(pid)) throw new ParseError(file, `not a pid: ${JSON.stringify(pid)}`);
    pids.add(Number(pid));
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Where a cgroup's cgroup.procs is: the unified hierarchy on v2, else the first v1 controller that
 * cAdvisor counts processes in (every v1 hierarchy lists the same processes).
 */
export function procsFileOf(layout: CgroupLayout, cgroupPath: string): string | undefined {
  const mount = layout.mode === 'v2' ? layout.unified : (['cpu', 'cpuacct', 'memory', 'pids'].map((c) => layout.v1.get(c)).find((m) => m !== undefined) ?? layout.v1.values().next().value);
  return mount === undefined ? undefined : `${cgroupDirOf(mount, cgroupPath)}/cgroup.procs`;
}

/** The processes of one cgroup; GoneError when the cgroup vanished. */
export function readCgroupPids(layout: CgroupLayout, cgroupPath: string, reader: FileReader): number[] {
  const file = procsFileOf(layout, cgroupPath);
  if (file === undefined) throw new GoneError(cgroupPath);
  return parseProcs(reader.read(file), file);
}
