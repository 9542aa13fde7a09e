import type { Logger } from '../../log.js';
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
