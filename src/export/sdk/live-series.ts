import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ObservationSink } from '../../metrics/instruments.js';

/** A series observed last cycle and not this one: what a staleness marker (otlp/staleness-markers.ts) ends. */
export interface EndedSeries {
  name: string;
  description: string;
  unit: string;
  kind: 'gauge' | 'sum';
  monotonic: boolean;
  /** [seconds, nanoseconds], as the SDK's HrTime. */
  startTime: [number, number];
  attributes: Attributes;
}

/**
 * Which series the last collection actually observed.
 *
 * Why: @opentelemetry/sdk-metrics keeps exporting every attribute set an observable instrument has
 * ever reported (opentelemetry-js#4096) and never forgets them, so a gone container would be exported
 * with its last values forever, and after 2,000 sets per instrument every new container would land in
 * `otel.metric.overflow`. We drop points not observed in the current cycle before export (ends series
 * at the next export), and report how many dead sets the SDK still carries so the pipeline can
 * replace the MeterProvider before they pile up (bounds the SDK's memory, keeps new containers out of
 * the overflow bucket).
 *
 * Series are recognised by the identity of their attribute object: the metric side observes the
 * series' own frozen label object (metrics/series-handles.ts), and export/sdk/expand-handles.ts puts
 * that very object back on the SDK's points, so an object comparison is exact. A point carrying any
 * other object was not observed and is dropped.
 */
/** A metric whose export carried fewer series than the last cycle observed. */
export interface SeriesShortfall {
  metric: string;
  observed: number;
  exported: number;
}

export class LiveSeries implements ObservationSink {
  #current = new Map<string, Set<Attributes>>();
  #next = new Map<string, Set<Attributes>>();
  #previous = new Map<string, Set<Attributes>>();
  #ended: EndedSeries[] = [];
  #overLimit: SeriesShortfall[] = [];
  #liveCount = 0;
  #nextCount = 0;
  #maxDead = 0;

  /** Called at the start of a collection callback. */
  beginCycle(): void {
    this.#next = new Map();
    this.#nextCount = 0;
  }

  observe(metricName: string, attributes: Attributes): void {
    let set = this.#next.get(metricName);
    if (!set) {
      set = new Set();
      this.#next.set(metricName, set);
    }
    if (!set.has(attributes)) {
      set.add(attributes);
      this.#nextCount++;
    }
  }

  /** Called when the collection callback finished observing. */
  endCycle(_observations?: number): void {
    this.#previous = this.#current;
    this.#current = this.#next;
    this.#liveCount = this.#nextCount;
  }

  get liveCount(): number {
    return this.#liveCount;
  }

  /** Dead attribute sets the SDK exported for its worst instrument in the last filter() call. */
  get maxDeadPerInstrument(): number {
    return this.#maxDead;
  }

  /** Series that were live in the cycle before the last filter() and are not any more. */
  get ended(): readonly EndedSeries[] {
    return this.#ended;
  }

  /**
   * Metrics whose last filter() output lacked series the cycle observed. The SDK puts attribute sets
   * beyond its per-instrument cardinality limit into one `otel.metric.overflow` point, which no
   * cycle observes and filter() drops: without this count they would vanish silently.
   */
  get overLimit(): readonly SeriesShortfall[] {
    return this.#overLimit;
  }

  #isIn(sets: Map<string, Set<Attributes>>, metricName: string, attributes: Attributes): boolean {
    return sets.get(metricName)?.has(attributes) === true;
  }

  /**
   * A copy of `rm` without the points the last finished cycle did not observe, and without emptied
   * metrics. `deadBefore`: per metric, dead points already left out upstream (expand-handles.ts), so
   * they still count towards maxDeadPerInstrument. A cycle still being observed (the callback yields
   * while it observes) does not count: the last finished one decides.
   */
  filter(rm: ResourceMetrics, deadBefore?: ReadonlyMap<string, number>): ResourceMetrics {
    let maxDead = 0;
    if (deadBefore) for (const n of deadBefore.values()) if (n > maxDead) maxDead = n;
    const ended: EndedSeries[] = [];
    const exportedPerMetric = new Map<string, number>();
    const scopeMetrics = rm.scopeMetrics
      .map((sm) => ({
        scope: sm.scope,
        metrics: sm.metrics
          .map((m) => {
            const name = m.descriptor.name;
            const points = m.dataPoints as { attributes: Attributes; startTime: [number, number] }[];
            const live = points.filter((dp) => {
              if (this.#isIn(this.#current, name, dp.attributes)) return true;
              if (this.#isIn(this.#previous, name, dp.attributes)) {
                ended.push({
                  name,
                  description: m.descriptor.description,
                  unit: m.descriptor.unit,
                  kind: m.dataPointType === DataPointType.SUM ? 'sum' : 'gauge',
                  monotonic: m.dataPointType === DataPointType.SUM && m.isMonotonic,
                  startTime: dp.startTime,
                  attributes: dp.attributes,
                });
              }
              return false;
            });
            const dead = points.length - live.length + (deadBefore?.get(name) ?? 0);
            if (dead > maxDead) maxDead = dead;
            exportedPerMetric.set(name, (exportedPerMetric.get(name) ?? 0) + live.length);
            return { ...m, dataPoints: live };
          })
          .filter((m) => m.dataPoints.length > 0),
      }))
      .filter((sm) => sm.metrics.length > 0);
    this.#maxDead = maxDead;
    this.#ended = ended;
    const overLimit: SeriesShortfall[] = [];
    for (const [metric, set] of this.#current) {
      const exported = exportedPerMetric.get(metric) ?? 0;
      if (exported < set.size) overLimit.push({ metric, observed: set.size, exported });
    }
    this.#overLimit = overLimit;
    return { resource: rm.resource, scopeMetrics } as ResourceMetrics;
  }
}
