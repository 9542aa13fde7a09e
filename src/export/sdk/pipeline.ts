import type { Resource } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../log.js';
import type { SeriesCap } from '../../metrics/container-series-cap.js';
import { registerCatalog, type Registration } from '../../metrics/instruments.js';
import type { MetricSpec } from '../../metrics/spec.js';
import { SeriesHandles } from '../../metrics/series-handles.js';
import { countPoints } from './count-points.js';
import { expandHandles, type Expansion } from './expand-handles.js';
import { mergeShardScopes, SCOPE, shardMeters } from './shard-scopes.js';
import { LiveSeries, type EndedSeries, type SeriesShortfall } from './live-series.js';
import { DEFAULT_MAX_SERIES_PER_METRIC, limitSeriesPerMetric, maxDeadSeriesFor, sdkCardinalityLimit } from './series-limit.js';
import type { SnapshotSource } from '../../collection/sample.js';

/**
 * Meters the catalog can be spread over (metrics/instruments.ts): the SDK records and collects one
 * meter's points in one synchronous stretch of ~2 µs per point on this machine, 80–110 ms for the
 * 53,000 points of N = 1000 on one meter. A cycle's new series go to as many meters as its points
 * need at POINTS_PER_METER (6,000, ~12 ms) each, so N = 1000 uses all eight (~6,600 points, 10–15 ms
 * each, well under the 100 ms target on a busy core) and N = 100 only the first: eight busy meters
 * cost ~25 µs per container more than one at N = 100, the seven idle ones ~12 µs (measured with the
 * default catalog). Fixed per pipeline: the meters must exist before the first collection, which is
 * the one that places most series for life.
 */
const CATALOG_SHARDS = 8;

export interface PipelineOptions {
  resource: Resource;
  specs: readonly MetricSpec[];
  source: SnapshotSource;
  /** Shared by every generation; shut down only with the pipeline. */
  delivery: PushMetricExporter;
  intervalMs: number;
  log: Logger;
  /** Dead series one instrument may accumulate before the MeterProvider is replaced (default from maxSeriesPerMetric). */
  maxDeadSeries?: number;
  /** Live series one metric may have (metrics.maxSeriesPerMetric); the excess is left out and reported. */
  maxSeriesPerMetric?: number;
  /** Metrics whose export lacked observed series (over the limit), after each export. */
  onOverLimit?: (shortfalls: readonly SeriesShortfall[]) => void;
  /** The per-container series cap (metrics.maxSeriesPerContainer); none when undefined. */
  seriesCap?: SeriesCap;
  /** A collection outlived its deadline and was not exported (podpulse_collections_skipped_total). */
  onSkipped?: () => void;
  /** After each export, with the number of live series the cycle observed. */
  onCycle?: (liveSeries: number) => void;
  /** Series that ended this cycle (observed last cycle, not this one), after the cycle's export. */
  onEnded?: (ended: readonly EndedSeries[], resource: Resource, scopeName: string) => void;
}

/** How a collection's shards become one scope again. */
interface Merge {
  /** Metric name → catalog index: the order the merged scope keeps. */
  order: ReadonlyMap<string, number>;
  maxSeriesPerMetric: number;
}

function mergeFor(specs: readonly MetricSpec[], maxSeriesPerMetric: number): Merge {
  return { order: new Map(specs.map((s, i) => [s.name, i])), maxSeriesPerMetric };
}

/**
 * The shards' scopes merged (within the per-metric limit), the SDK's points with their labels back,
 * then only the series the last cycle observed.
 */
function expandAndFilter(rm: ResourceMetrics, merge: Merge, handles: SeriesHandles, live: LiveSeries, log?: Logger): ResourceMetrics {
  const merged = limitSeriesPerMetric(mergeShardScopes(rm, merge.order), merge.maxSeriesPerMetric);
  const expansion: Expansion = expandHandles(merged, handles);
  if (expansion.droppedTotal > 0) {
    log?.debug({ points: expansion.droppedTotal }, 'left out points whose series handle is no longer known (ended series the SDK still carries)');
  }
  return live.filter(expansion.resourceMetrics, expansion.dropped);
}

/**
 * Stands between one generation's reader and the shared delivery: expands series handles, drops
 * points the last cycle did not observe, and goes quiet once its generation is retired.
 */
class GenerationExporter implements PushMetricExporter {
  retired = false;
  /** Set once the catalog is registered (the registration needs this exporter's generation first). */
  registration: Registration | undefined;
  constructor(
    private readonly merge: Merge,
    private readonly live: LiveSeries,
    private readonly handles: SeriesHandles,
    private readonly log: Logger,
    private readonly target: PushMetricExporter,
    private readonly afterExport: () => void,
    private readonly onEnded?: PipelineOptions['onEnded'],
    private readonly onOverLimit?: PipelineOptions['onOverLimit'],
    private readonly onSkipped?: PipelineOptions['onSkipped'],
  ) {}

  export(rm: ResourceMetrics, done: (result: ExportResult) => void): void {
    // The SDK recorded and collected the last meter in this very stretch: give the event loop a turn
    // before this export's own pass over every point (merge, expand, filter).
    setImmediate(() => this.#export(rm, done));
  }

  #export(rm: ResourceMetrics, done: (result: ExportResult) => void): void {
    if (this.retired) return done({ code: ExportResultCode.SUCCESS });
    if (this.registration?.observing) {
      // The SDK stopped waiting for the callback (its timeout is the interval): the collection holds
      // the last cycle's values stamped with this cycle's time. Sending nothing is honest; the callback
      // still finishes, and the next cycle reports what it reads.
      this.log.warn('a collection outlived its deadline (the collection interval); its export is skipped instead of resending the last values');
      this.onSkipped?.();
      done({ code: ExportResultCode.SUCCESS });
      this.afterExport();
      return;
    }
    const filtered = expandAndFilter(rm, this.merge, this.handles, this.live, this.log);
    const ended = this.live.ended;
    if (this.onOverLimit && this.live.overLimit.length > 0) this.onOverLimit(this.live.overLimit);
    if (countPoints(filtered) === 0) {
      done({ code: ExportResultCode.SUCCESS });
      this.afterExport();
    } else {
      // The delivery (OtlpDelivery) owns the outcome (retries, replay, the log line, the counters); the SDK reader would
      // only log the same failure again through its global error handler.
      this.target.export(filtered, () => {
        done({ code: ExportResultCode.SUCCESS });
        this.afterExport();
      });
    }
    // Queued behind this cycle's snapshot: a staleness marker must not overtake the data it ends.
    if (this.onEnded && ended.length > 0) this.onEnded(ended, rm.resource, SCOPE);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

interface Generation {
  number: number;
  provider: MeterProvider;
  reader: PeriodicExportingMetricReader;
  exporter: GenerationExporter;
  live: LiveSeries;
  handles: SeriesHandles;
  registration: Registration;
}

/**
 * The push pipeline: observable instruments from the catalog, a PeriodicExportingMetricReader at the
 * collection interval, cumulative temporality, and the stale-series mechanism.
 *
 * Stale series: each generation filters its exports to the series the last callback observed, so a
 * gone container is absent from the very next export. The SDK still remembers every attribute set
 * it was ever given, so once an instrument holds `maxDeadSeries` dead sets the whole MeterProvider is
 * replaced by a fresh one (a "generation"). Observable counters report absolute kernel values, so the
 * new generation continues every counter; only the OTLP start timestamp moves to the rotation time.
 */
export class MetricsPipeline {
  #opts: PipelineOptions;
  #merge: Merge;
  #current: Generation | undefined;
  #count = 0;
  #rotating = false;
  #stopped = false;

  constructor(opts: PipelineOptions) {
    this.#opts = opts;
    this.#merge = mergeFor(opts.specs, this.#maxSeries);
  }

  get #maxSeries(): number {
    return this.#opts.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC;
  }

  get generation(): number {
    return this.#current?.number ?? 0;
  }

  start(): void {
    this.#current = this.#build();
  }

  /** Runs a collection + export now (used at startup so data flows before the first interval). */
  async collectNow(): Promise<void> {
    await this.#current?.reader.forceFlush();
  }

  #build(): Generation {
    const { resource, specs, source, delivery, intervalMs } = this.#opts;
    const live = new LiveSeries();
    // A fresh registry per MeterProvider (the SDK's memory of old handles goes with the old one);
    // numbering continues, so no number ever names two series in this pipeline.
    const handles = new SeriesHandles(this.#current?.handles.nextHandle ?? 1);
    const number = ++this.#count;
    const exporter = new GenerationExporter(this.#merge, live, handles, this.#opts.log, delivery, () => this.#afterExport(number), this.#opts.onEnded, this.#opts.onOverLimit, this.#opts.onSkipped);
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: intervalMs,
      cardinalityLimits: { default: sdkCardinalityLimit(this.#maxSeries) },
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const registration = registerCatalog(shardMeters(provider, CATALOG_SHARDS), specs, source, live, handles, this.#opts.seriesCap ? { seriesCap: this.#opts.seriesCap } : {});
    exporter.registration = registration;
    return { number, provider, reader, exporter, live, handles, registration };
  }

  #afterExport(number: number): void {
    const gen = this.#current;
    if (!gen || gen.number !== number || this.#stopped) return;
    this.#opts.onCycle?.(gen.live.liveCount);
    if (this.#rotating) return;
    const dead = gen.live.maxDeadPerInstrument;
    if (dead < (this.#opts.maxDeadSeries ?? maxDeadSeriesFor(this.#maxSeries))) return;
    this.#rotating = true;
    // Not from inside the reader's export: its shutdown waits for that very export to finish.
    setImmediate(() => {
      this.#rotate(gen, dead).finally(() => {
        this.#rotating = false;
      });
    });
  }

  async #rotate(old: Generation, dead: number): Promise<void> {
    if (this.#stopped) return;
    this.#current = this.#build();
    this.#opts.log.info({ generation: this.#current.number, deadSeries: dead }, 'replaced the meter provider to forget ended series');
    await this.#retire(old);
  }

  async #retire(gen: Generation): Promise<void> {
    gen.exporter.retired = true;
    gen.registration.unregister();
    try {
      await gen.provider.shutdown();
    } catch (err) {
      this.#opts.log.debug({ err }, 'retired meter provider shutdown');
    }
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#current) await this.#retire(this.#current);
    await this.#opts.delivery.shutdown();
  }
}

/** A reader that only collects when asked (for --once, and for tests of the SDK's behaviour). */
export class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface CollectOnceOptions {
  /** As PipelineOptions.maxSeriesPerMetric: --once uses the same limit as the push loop. */
  maxSeriesPerMetric?: number;
  onOverLimit?: (shortfalls: readonly SeriesShortfall[]) => void;
  /** As PipelineOptions.seriesCap. */
  seriesCap?: SeriesCap;
}

/** One collection, filtered like the push path, without any exporter (for --once and tests). */
export async function collectOnce(
  resource: Resource,
  specs: readonly MetricSpec[],
  source: SnapshotSource,
  opts: CollectOnceOptions = {},
): Promise<ResourceMetrics> {
  const maxSeries = opts.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC;
  const limit = sdkCardinalityLimit(maxSeries);
  const reader = new OnDemandReader({ cardinalitySelector: () => limit });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const live = new LiveSeries();
  const handles = new SeriesHandles();
  registerCatalog(shardMeters(provider, CATALOG_SHARDS), specs, source, live, handles, opts.seriesCap ? { seriesCap: opts.seriesCap } : {});
  try {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    const filtered = expandAndFilter(resourceMetrics, mergeFor(specs, maxSeries), handles, live);
    if (live.overLimit.length > 0) opts.onOverLimit?.(live.overLimit);
    return filtered;
  } finally {
    await provider.shutdown();
  }
}
