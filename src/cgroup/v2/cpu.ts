import { ParseError } from '../../errors.js';
import { parseFlatKeyed, parseLimit, parseUnsignedSetting, singleToken, statOf } from '../parse.js';

/**
 * cgroup v2 cpu files: cpu.stat, cpu.max, cpu.weight.
 * https://docs.kernel.org/admin-guide/cgroup-v2.html#cpu-interface-files
 *   cpu.stat     `usage_usec 812345\nuser_usec 612000\nsystem_usec 200345\nnr_periods 31\nnr_throttled 4\nthrottled_usec 90210\n`
 *   cpu.max      `max 100000\n` or `50000 100000\n`
 *   cpu.weight   `100\n`
 * cpu.stat exists in every cgroup (usage/user/system even without the cpu controller, which adds
 * the nr_* and *_usec bandwidth keys); cpu.max and cpu.weight exist only where the controller is enabled.
 */

export interface CpuStatV2 {
  usageUsec?: number;
  userUsec?: number;
  systemUsec?: number;
  nrPeriods?: number;
  nrThrottled?: number;
  throttledUsec?: number;
  nrBursts?: number;
  burstUsec?: number;
}

const CPU_STAT_V2_KEYS = {
  usageUsec: 'usage_usec',
  userUsec: 'user_usec',
  systemUsec: 'system_usec',
  nrPeriods: 'nr_periods',
  nrThrottled: 'nr_throttled',
  throttledUsec: 'throttled_usec',
  nrBursts: 'nr_bursts',
  burstUsec: 'burst_usec',
} as const satisfies Record<keyof CpuStatV2, string>;

/** v2 cpu.stat; other keys (core_sched.force_idle_usec, …) are ignored. */
export function parseCpuStatV2(text: string): CpuStatV2 {
  const map = parseFlatKeyed(text);
  const out: CpuStatV2 = {};
  for (const [field, key] of Object.entries(CPU_STAT_V2_KEYS) as [keyof CpuStatV2, string][]) {
    const value = statOf(map, key, 'cpu.stat');
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export interface CpuMax {
  /** µs per period; null = `max` (no quota). */
  quotaUs: number | null;
  periodUs: number;
}

/** v2 cpu.max: `$MAX $PERIOD`. */
export function parseCpuMax(text: string): CpuMax {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 2) throw new ParseError('cpu.max', `expected "$MAX $PERIOD", got ${JSON.stringify(text)}`);
  return {
    quotaUs: parseLimit(fields[0]!, 'cpu.max'),
    periodUs: parseUnsignedSetting(fields[1]!, 'cpu.max'),
  };
}

/** v2 cpu.weight, 1..10000 (default 100). */
export function parseCpuWeight(text: string): number {
  const weight = parseUnsignedSetting(singleToken(text, 'cpu.weight'), 'cpu.weight');
  if (weight < 1 || weight > 10000) throw new ParseError('cpu.weight', `out of range 1..10000: ${weight}`);
  return weight;
}

/**
 * cpu.weight [1, 10000] → v1-style cpu.shares [2, 262144] with integer division, as cAdvisor's
 * convertCPUWeightToCPULimit and the KEP-2254 mapping do (weight 100 → 2597, weight 20 → 500).
 */
export function cpuWeightToShares(weight: number): number {
  return 2 + Math.floor(((weight - 1) * 262142) / 9999);
}
