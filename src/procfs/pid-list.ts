import { ParseError } from '../errors.js';

/**
 * A cgroup's cgroup.procs, cgroup.threads (v2) or tasks (v1): one decimal pid per line, possibly
 * repeated (v1 lists are per namespace and may hold duplicates while a task moves). Returned
 * deduplicated in file order. A line that is not a pid throws ParseError.
 */
export function parsePidList(text: string, file: string): number[] {
  const seen = new Set<number>();
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s === '') continue;
    if (!/^\d+$/.test(s)) throw new ParseError(file, `not a pid: ${JSON.stringify(s)}`);
    seen.add(Number(s));
  }
  return [...seen];
}
