/**
 * Every deadline that follows from collection.interval, in one place: a cycle's work must end
 * before the next cycle starts, and liveness allows a few missed cycles before it fails.
 */

/** /healthz fails once no collection finished for this many intervals. */
export const HEALTH_STALE_INTERVALS = 3;

/** Share of the interval one cycle may spend retrying and replaying exports; the rest is slack. */
const EXPORT_RETRY_SHARE = 0.8;

export interface CycleBudgets {
  /** Longest export attempt (export.otlp.timeout is clamped to it): an export ends before the next cycle. */
  exportTimeoutMaxMs: number;
  /** How long one cycle may spend retrying and replaying failed exports. */
  exportRetryBudgetMs: number;
  /** Age of the last finished collection past which /healthz fails. */
  healthStaleMs: number;
}

export function cycleBudgets(intervalMs: number): CycleBudgets {
  return {
    exportTimeoutMaxMs: intervalMs,
    exportRetryBudgetMs: Math.max(0, intervalMs * EXPORT_RETRY_SHARE),
    healthStaleMs: HEALTH_STALE_INTERVALS * intervalMs,
  };
}
