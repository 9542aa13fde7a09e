import { ParseError } from '../errors.js';

/**
 * The `Referenced:` lines of /proc/<pid>/smaps_rollup (one line, the sum over all mappings; since
 * Linux 4.14) or /proc/<pid>/smaps (one per mapping), in kB.
 *
 * Kernel doc: https://docs.kernel.org/filesystems/proc.html (sections 1.1 smaps, smaps_rollup)
 *
 * ```
 * 55cf2e0a2000-55cf2e0c6000 ---p 00000000 00:00 0                          [rollup]
 * Rss:                 884 kB
 * Referenced:          884 kB
 * ```
 * Returns the sum in bytes, or undefined when there is no Referenced line (a kernel thread's empty
 * file). A Referenced line whose value is not `<n> kB` is malformed.
 */
export function parseReferencedBytes(text: string, file = '/proc/<pid>/smaps_rollup'): number | undefined {
  let kb: number | undefined;
  let at = text.indexOf('Referenced:');
  while (at !== -1) {
    // A mapping's path may contain the word; only a line that starts with it is the field.
    if (at > 0 && text[at - 1] !== '\n') {
      at = text.indexOf('Referenced:', at + 11);
      continue;
    }
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end === -1 ? undefined : end);
    const m = /^Referenced:\s+(\d+) kB\s*$/.exec(line);
    if (m === null) throw new ParseError(file, `bad Referenced line: ${JSON.stringify(line.slice(0, 60))}`);
    kb = (kb ?? 0) + Number(m[1]);
    at = text.indexOf('Referenced:', at + 11);
  }
  return kb === undefined ? undefined : kb * 1024;
}
