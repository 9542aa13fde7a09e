import { ParseError } from '../../errors.js';
import { parseCounterBigInt, pickFlatKeyed, singleToken } from '../parse.js';

/**
 * cgroup v1 cpuacct controller: cpuacct.usage, cpuacct.stat.
 * https://docs.kernel.org/admin-guide/cgroup-v1/cpuacct.html
 *   cpuacct.usage          `42394797831\n`                    (ns, all CPUs, user + system)
 *   cpuacct.stat           `user 2937\nsystem 1302\n`          (USER_HZ ticks)
 */

/** cpuacct.usage in nanoseconds, as a bigint: it passes 2^53 after 104 days of CPU time. */
export function parseCpuacctUsage(text: string): bigint {
  return parseCounterBigInt(singleToken(text, 'cpuacct.usage'), 'cpuacct.usage');
}

export interface CpuacctStat {
  userTicks?: number;
  systemTicks?: number;
  userSeconds?: number;
  systemSeconds?: number;
}

const CPUACCT_STAT_KEYS: ReadonlyMap<string, 'user' | 'system'> = new Map([
  ['user', 'user'],
  ['system', 'system'],
]);

/**
 * cpuacct.stat: user/system time in USER_HZ ticks; `userHz` is the host's ticks per second
 * (sysconf(_SC_CLK_TCK), 100 on every mainstream Linux build).
 */
export function parseCpuacctStat(text: string, userHz = 100): CpuacctStat {
  if (!(userHz > 0)) throw new ParseError('cpuacct.stat', `invalid USER_HZ ${userHz}`);
  const { user, system } = pickFlatKeyed(text, CPUACCT_STAT_KEYS, 'cpuacct.stat');
  const out: CpuacctStat = {};
  if (user !== undefined) {
    out.userTicks = user;
    out.userSeconds = user / userHz;
  }
  if (system !== undefined) {
    out.systemTicks = system;
    out.systemSeconds = system / userHz;
  }
  return out;
}
