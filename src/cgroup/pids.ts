import { readdirSync } from 'node:fs';
import { GoneError, ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';
import type { FileFailure } from './limits.js';
import { pidListMountOf } from './procs.js';

/** Directories one listing visits at most, whatever the pid cap: a deep empty tree is bounded too. */
const MAX_DIRS = 4096;

export interface CgroupPids {
  /** Distinct pids, at most `max`. */
  pids: number[];
  /** True when the cap (pids or directories) cut the listing short. */
  truncated: boolean;
}

/**
 * The processes of a cgroup and of every cgroup below it (cgroup.procs of each directory), as
 * cAdvisor's GetAllPids lists them for the schedstat sums: a pod's total includes its containers'
 * processes. v1 lists from the cpu hierarchy (any hierarchy holds the same processes), v2 from the
 * unified one. Stops at `max` pids or MAX_DIRS directories (`truncated`). Throws GoneError when the
 * cgroup itself is gone; a file or directory below that cannot be read is listed in `failures`.
 */
export function listCgroupPids(layout: CgroupLayout, cgroupPath: string, reader: FileReader, max: number, failures: FileFailure[]): CgroupPids {
  const mount = pidListMountOf(layout);
  if (mount === undefined) throw new GoneError(cgroupPath);
  const seen = new Set<number>();
  const queue = [cgroupDirOf(mount, cgroupPath)];
  let dirs = 0;
  let truncated = false;
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (++dirs > MAX_DIRS) {
      truncated = true;
      break;
    }
    const path = `${dir}/cgroup.procs`;
    let text: string;
    try {
      text = reader.read(path);
    } catch (err) {
      // The top directory gone: the cgroup is gone. A child removed meanwhile: skip it.
      if (err instanceof GoneError && dirs === 1) throw err;
      if (!(err instanceof GoneError)) failures.push({ path, error: err });
      continue;
    }
    for (const line of text.split('\n')) {
      const token = line.trim();
      if (token === '') continue;
      if (!/^\d+$/.test(token)) {
        failures.push({ path, error: new ParseError(path, `not a pid: ${JSON.stringify(token.slice(0, 20))}`) });
        break;
      }
      if (seen.size >= max) {
        truncated = true;
        break;
      }
      seen.add(Number(token));
    }
    if (seen.size >= max && truncated) break;
    for (const child of subdirs(dir)) queue.push(`${dir}/${child}`);
  }
  return { pids: [...seen], truncated };
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    // Removed since its cgroup.procs was read: nothing below it any more.
    return [];
  }
}
