import { ParseError } from '../errors.js';

const MAX_CPUS = 65536;

/**
 * Parse a kernel CPU list: /sys/devices/system/cpu/{online,possible,present,offline}, cpuset.cpus.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/admin-guide/cputopology.html
 *
 * ```
 * 0-1
 * 0-3,8-11,16
 * (an empty line: /sys/devices/system/cpu/offline with every CPU online)
 * ```
 * Returns the CPU numbers in ascending order without duplicates. A token that is not `N` or `N-M`
 * with N <= M throws ParseError.
 */
export function parseCpuList(text: string, file = 'cpu list'): number[] {
  const cpus = new Set<number>();
  const trimmed = text.trim();
  if (trimmed === '') return [];
  for (const token of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(token.trim());
    if (m === null) throw new ParseError(file, `bad CPU list token ${JSON.stringify(token)}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new ParseError(file, `descending CPU range ${JSON.stringify(token)}`);
    // NR_CPUS tops out at 8192 today; a wild range must not turn into a billion-step loop.
    if (last >= MAX_CPUS) throw new ParseError(file, `CPU number beyond ${MAX_CPUS - 1} in ${JSON.stringify(token)}`);
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}
