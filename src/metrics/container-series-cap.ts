import type { ContainerIdentity } from '../discovery/target.js';
import type { Logger } from '../log.js';
import type { SelfStats } from '../telemetry/self-stats.js';

/** One container that had more series this cycle than the cap allows. */
export interface ContainerOverCap {
  identity: ContainerIdentity;
  /** Series it would have had. */
  observed: number;
  /** Series it kept (= the cap). */
  kept: number;
}

/** What registerCatalog needs to cap each container's series (metrics/instruments.ts). */
export interface SeriesCap {
  /** Series one container may carry per cycle, over all its metrics; 0 = no cap. */
  readonly limit: number;
  /** Called after each cycle that left series out, with every container it cut. */
  report(over: readonly ContainerOverCap[]): void;
}

/** At most one warning per this long while containers keep going over the cap. */
const WARN_EVERY_MS = 10 * 60_000;

export interface ContainerSeriesCapOptions {
  /** metrics.maxSeriesPerContainer; 0 = off. */
  maxSeriesPerContainer: number;
  log: Logger;
  stats: SelfStats;
  now?: () => number;
}

/**
 * metrics.maxSeriesPerContainer made loud: series left out are counted in
 * podpulse_container_series_over_limit_total, and a warning names the worst container at once and
 * then at most every WARN_EVERY_MS while it lasts (with how many cycles were not warned about).
 */
export class ContainerSeriesCap implements SeriesCap {
  readonly limit: number;
  #opts: ContainerSeriesCapOptions;
  #now: () => number;
  #lastWarn: number | undefined;
  #suppressed = 0;

  constructor(opts: ContainerSeriesCapOptions) {
    this.#opts = opts;
    this.limit = opts.maxSeriesPerContainer;
    this.#now = opts.now ?? Date.now;
  }

  report(over: readonly ContainerOverCap[]): void {
    if (over.length === 0) return;
    let dropped = 0;
    let worst = over[0] as ContainerOverCap;
    for (const o of over) {
      dropped += o.observed - o.kept;
      if (o.observed - o.kept > worst.observed - worst.kept) worst = o;
    }
    this.#opts.stats.recordContainerSeriesOverLimit(dropped);
    const now = this.#now();
    if (this.#lastWarn !== undefined && now - this.#lastWarn >= 0 && now - this.#lastWarn < WARN_EVERY_MS) {
      this.#suppressed++;
      return;
    }
    const { id, pod, namespace, container } = worst.identity;
    this.#opts.log.warn(
      {
        id,
        ...(pod ? { pod, namespace, container } : {}),
        observed: worst.observed,
        kept: worst.kept,
        containers: over.length,
        seriesLeftOut: dropped,
        ...(this.#suppressed > 0 ? { cyclesSinceLastWarning: this.#suppressed } : {}),
      },
      `container ${id} has ${worst.observed} series, over metrics.maxSeriesPerContainer=${this.limit}: ` +
        `${dropped} series of ${over.length} container(s) were left out (the last ones in catalog order; ` +
        `counted in podpulse_container_series_over_limit_total); raise the cap or switch metrics off`,
    );
    this.#lastWarn = now;
    this.#suppressed = 0;
  }
}
