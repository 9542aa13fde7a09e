import { ParseError } from '../../errors.js';
import { nsToSeconds, parseCounterBigInt } from '../parse.js';

/**
 * cgroup v1 cpuacct.usage_percpu: CPU time per possible CPU in ns, one line, space separated, in CPU
 * number order (https://docs.kernel.org/admin-guide/cgroup-v1/cpuacct.html).
 *
 * ```
 * 21839486313 20555311518
 * ```
 * cgroup v2 has no per-CPU file at all. Returns seconds, index = CPU number.
 */
export function parseCpuacctUsagePercpu(text: string, file = 'cpuacct.usage_percpu'): number[] {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new ParseError(file, 'no values');
  return tokens.map((t) => nsToSeconds(parseCounterBigInt(t, file)));
}
