import { ParseError } from '../errors.js';
import { parseFlatKeyed, statOf } from './parse.js';

/**
 * Huge page accounting of a cgroup (controller `hugetlb`), one set of files per page size. The size
 * in a file name is the kernel's short form (mm/hugetlb_cgroup.c): `2MB`, `1GB`, `64KB`.
 *   v1: hugetlb.<size>.usage_in_bytes, .max_usage_in_bytes, .failcnt (and .rsvd.* since 5.7)
 *   v2: hugetlb.<size>.current, .events (`max <n>`) (and .rsvd.current)
 * https://docs.kernel.org/admin-guide/cgroup-v1/hugetlb.html, cgroup-v2.html#hugetlb
 */

/** `hugepages-2048kB` (a /sys/kernel/mm/hugepages entry) → `2MB`, as the kernel names cgroup files. */
export function hugePageSizeName(dirName: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  if (m === null) return undefined;
  const kb = Number(m[1]);
  if (kb >= 1 << 20) return `${Math.floor(kb / (1 << 20))}GB`;
  if (kb >= 1 << 10) return `${Math.floor(kb / (1 << 10))}MB`;
  return `${kb}KB`;
}

/** hugetlb.<size>.events (v2): the `max` count, how often an allocation hit the limit. */
export function parseHugetlbEvents(text: string, file = 'hugetlb.<size>.events'): number {
  const max = statOf(parseFlatKeyed(text), 'max', file);
  if (max === undefined) throw new ParseError(file, 'no "max" line');
  return max;
}
