import { statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirOf } from './cgroup-dir.js';
import type { CgroupLayout } from './layout.js';

function mtimeSeconds(path: string): number | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? undefined : st.mtimeMs / 1000;
}

/**
 * When the container's cgroup was created, as cAdvisor estimates container_start_time_seconds:
 * the earliest mtime over the cgroup's directory in every hierarchy and a file in it that is
 * rarely touched later (`cgroup.clone_children` on v1, `cgroup.events` on cgroup2), because a
 * directory's mtime moves whenever a child cgroup is created. Seconds since the epoch (float);
 * undefined when the cgroup exists in no hierarchy. Callers may clamp it to the boot time as cAdvisor does.
 */
export function cgroupStartTime(layout: CgroupLayout, cgroupPath: string): number | undefined {
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
    const t = mtimeSeconds(path);
    if (t !== undefined && (earliest === undefined || t < earliest)) earliest = t;
  }
  return earliest;
}
