import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadError, errnoOf } from '../errors.js';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';
import type { FileFailure } from './limits.js';

/**
 * mtime of `path` in seconds; undefined when it does not exist, and also when it cannot be
 * stat-ed (EACCES under a 0700 directory of another user, ELOOP, ENOTDIR), which goes to `failures`.
 */
function mtimeSeconds(path: string, failures: FileFailure[]): number | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined ? undefined : st.mtimeMs / 1000;
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') failures.push({ path, error: new ReadError(path, err) });
    return undefined;
  }
}

/**
 * When the container's cgroup was created, as cAdvisor estimates container_start_time_seconds:
 * the earliest mtime over the cgroup's directory in every hierarchy and a file in it that is
 * rarely touched later (`cgroup.clone_children` on v1, `cgroup.events` on cgroup2), because a
 * directory's mtime moves whenever a child cgroup is created. Seconds since the epoch (float);
 * undefined when the cgroup exists in no hierarchy. Callers may clamp it to the boot time as cAdvisor does.
 *
 * A path that cannot be stat-ed is left out, as cAdvisor does, and listed in `failures`: one
 * unreadable hierarchy (a user-delegated 0700 directory under name=systemd, with the agent's
 * capabilities dropped) must not cost the cgroup more than that hierarchy's candidate.
 */
export function cgroupStartTime(layout: CgroupLayout, cgroupPath: string, failures: FileFailure[] = []): number | undefined {
  const candidates: string[] = [];
  for (const mount of new Set(layout.v1.values())) {
    const dir = cgroupDirOf(mount, cgroupPath);
    candidates.push(dir, join(dir, 'cgroup.clone_children'));
  }
  if (layout.unified !== undefined) {
    const dir = cgroupDirOf(layout.unified, cgroupPath);
    candidates.push(dir, join(dir, 'cgroup.events'));
  }
  let earliest: number | undefined;
  for (const path of candidates) {
    const t = mtimeSeconds(path, failures);
    if (t !== undefined && (earliest === undefined || t < earliest)) earliest = t;
  }
  return earliest;
}
