import type { Attributes } from '@opentelemetry/api';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../log.js';
import { SERIES_HANDLE_KEY } from '../../metrics/series-handles.js';
import type { SeriesShortfall } from './live-series.js';
import type { SelfStats } from '../../telemetry/self-stats.js';

/** Default of metrics.maxSeriesPerMetric: far above a realistic node (a few hundred containers × ~10 series each). */
export const DEFAULT_MAX_SERIES_PER_METRIC = 20_000;
/** At most one over-limit warning per this long while the condition lasts. */
const WARN_EVERY_MS = 10 * 60_000;

/** Dead series one instrument may carry before the pipeline replaces the MeterProvider (pipeline.ts). */
export function maxDeadSeriesFor(maxSeriesPerMetric: number): number {
  return Math.min(1000, Math.max(1, Math.floor(maxSeriesPerMetric / 10)));
}

/**
 * The SDK's per-instrument cardinality limit for a series limit: the SDK counts every attribute set
 * it has seen in a generation (live and not yet forgotten dead ones) plus its overflow slot.
 */
export function sdkCardinalityLimit(maxSeriesPerMetric: number): number {
  return maxSeriesPerMetric + maxDeadSeriesFor(maxSeriesPerMetric) + 1;
}

/** A point's series handle number (handles are numbered in the order series were first seen); none sorts last. */
function handleNumber(dp: { attributes: Attributes }): number {
  const n = dp.attributes[SERIES_HANDLE_KEY];
  return typeof n === 'number' ? n : Number.POSITIVE_INFINITY;
}

/**
 * The SDK's cardinality limit over all shards of a metric (export/sdk/shard-scopes.ts): each shard's
 * meter holds a share of a metric's series, so its own limit would let the metric hold several times
 * `sdkCardinalityLimit` series. The merged metric keeps at most `sdkCardinalityLimit(max) - 1` points
 * (what one meter kept besides its overflow point), the series first seen, as the SDK keeps those it
 * saw first: handles are numbered in that order. Points must still carry their handles (before
 * expand-handles.ts). A collection within the limit comes back as it is, at the cost of one length
 * check per metric.
 */
export function limitSeriesPerMetric(rm: ResourceMetrics, maxSeriesPerMetric: number): ResourceMetrics {
  const keep = sdkCardinalityLimit(maxSeriesPerMetric) - 1;
  if (!rm.scopeMetrics.some((sm) => sm.metrics.some((m) => m.dataPoints.length > keep))) return rm;
  return {
    resource: rm.resource,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      scope: sm.scope,
      metrics: sm.metrics.map((m) => {
        if (m.dataPoints.length <= keep) return m;
        const points = [...(m.dataPoints as readonly { attributes: Attributes }[])].sort((a, b) => handleNumber(a) - handleNumber(b));
        return { ...m, dataPoints: points.slice(0, keep) } as MetricData;
      }),
    })),
  };
}

export interface SeriesLimitOptions {
  maxSeriesPerMetric: number;
  log: Logger;
  stats?: SelfStats;
  now?: () => number;
}

/**
 * Makes the series limit loud: series the SDK left out (overflow) are counted in
 * podpulse_series_over_limit_total and podpulse_dropped_points_total, and a warning names the
 * metric, at once and then at most every WARN_EVERY_MS while it lasts.
 */
export class SeriesLimitReporter {
  #opts: SeriesLimitOptions;
  #now: () => number;
  #lastWarn: number | undefined;
  #suppressed = 0;

  constructor(opts: SeriesLimitOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  report(shortfalls: readonly SeriesShortfall[]): void {
    if (shortfalls.length === 0) return;
    let dropped = 0;
    let worst = shortfalls[0] as SeriesShortfall;
    for (const s of shortfalls) {
      dropped += s.observed - s.exported;
      if (s.observed - s.exported > worst.observed - worst.exported) worst = s;
    }
    const { stats, log, maxSeriesPerMetric } = this.#opts;
    stats?.recordSeriesOverLimit(dropped);
    const now = this.#now();
    if (this.#lastWarn !== undefined && now - this.#lastWarn < WARN_EVERY_MS) {
      this.#suppressed++;
      return;
    }
    log.warn(
      {
        metric: worst.metric,
        observed: worst.observed,
        exported: worst.exported,
        metrics: shortfalls.length,
        seriesLeftOut: dropped,
        ...(this.#suppressed > 0 ? { cyclesSinceLastWarning: this.#suppressed } : {}),
      },
      `${worst.metric} has ${worst.observed} series, over metrics.maxSeriesPerMetric=${maxSeriesPerMetric}: ` +
        `${dropped} series of ${shortfalls.length} metric(s) were left out of this export ` +
        `(counted in podpulse_series_over_limit_total); raise metrics.maxSeriesPerMetric or narrow discovery`,
    );
    this.#lastWarn = now;
    this.#suppressed = 0;
  }
}
