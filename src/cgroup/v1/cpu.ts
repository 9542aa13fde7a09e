import { bigStatOf, parseFlatKeyed, parseSigned, parseUnsignedSetting, singleToken, statOf } from '../parse.js';

/**
 * cgroup v1 cpu controller (CFS bandwidth and shares): cpu.stat, cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares.
 * https://docs.kernel.org/scheduler/sched-bwc.html
 *   cpu.stat             `nr_periods 128\nnr_throttled 126\nthrottled_time 6188467083\nnr_bursts 0\nburst_time 0\n`
 *   cpu.cfs_quota_us     `-1\n` (no quota) or `50000\n`
 *   cpu.cfs_period_us    `100000\n`;  cpu.shares `1024\n`
 */

export interface CpuStatV1 {
  nrPeriods?: number;
  nrThrottled?: number;
  /** Nanoseconds, bigint: like cpuacct.usage it can pass 2^53. */
  throttledTimeNs?: bigint;
  /** CFS burst (kernel >= 5.14). */
  nrBursts?: number;
  burstTimeNs?: bigint;
}

/** v1 cpu.stat; nr_bursts and burst_time exist from kernel 5.14. */
export function parseCpuStatV1(text: string): CpuStatV1 {
  const file = 'cpu.stat';
  const map = parseFlatKeyed(text);
  const out: CpuStatV1 = {};
  const nrPeriods = statOf(map, 'nr_periods', file);
  const nrThrottled = statOf(map, 'nr_throttled', file);
  const throttled = bigStatOf(map, 'throttled_time', file);
  if (nrPeriods !== undefined) out.nrPeriods = nrPeriods;
  if (nrThrottled !== undefined) out.nrThrottled = nrThrottled;
  if (throttled !== undefined) out.throttledTimeNs = throttled;
  const nrBursts = statOf(map, 'nr_bursts', file);
  const burst = bigStatOf(map, 'burst_time', file);
  if (nrBursts !== undefined) out.nrBursts = nrBursts;
  if (burst !== undefined) out.burstTimeNs = burst;
  return out;
}

/** cpu.cfs_quota_us in µs; null = no quota. The kernel prints -1 for "unlimited" (any negative means it). */
export function parseCfsQuotaUs(text: string): number | null {
  const value = parseSigned(singleToken(text, 'cpu.cfs_quota_us'), 'cpu.cfs_quota_us');
  return value < 0 ? null : value;
}

/** cpu.cfs_period_us in µs. */
export function parseCfsPeriodUs(text: string): number {
  return parseUnsignedSetting(singleToken(text, 'cpu.cfs_period_us'), 'cpu.cfs_period_us');
}

/** cpu.shares (relative weight, 2..262144). */
export function parseCpuShares(text: string): number {
  return parseUnsignedSetting(singleToken(text, 'cpu.shares'), 'cpu.shares');
}
