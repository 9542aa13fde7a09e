import { parseLimitFile, parseCounterFile } from '../parse.js';

/**
 * cgroup v1 pids controller: pids.current, pids.max (same format on v2). Neither exists in the root cgroup.
 * https://docs.kernel.org/admin-guide/cgroup-v1/pids.html
 *   pids.current   `3\n`
 *   pids.max       `max\n` or `4096\n`
 */

export function parsePidsCurrent(text: string): number {
  return parseCounterFile(text, 'pids.current');
}

/** null = `max` (no limit). */
export function parsePidsMax(text: string): number | null {
  return parseLimitFile(text, 'pids.max');
}
