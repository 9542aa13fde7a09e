import type { Attributes } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ObservationSink } from '../metrics/instruments.js';
import { seriesKey } from './series-key.js';

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
 */
export class LiveSeries implements ObservationSink {
  #current = new Set<string>();
  #next = new Set<string>();
  #cycleOpen = false;
  #maxDead = 0;

  /** Called at the start of a collection callback. */
  beginCycle(): void {
    this.#next = new Set();
    this.#cycleOpen = true;
  }

  observe(metricName: string, attributes: Attributes): void {
    this.#next.add(seriesKey(metricName, attributes));
  }

  /** Called when the collection callback finished observing. */
  endCycle(_observations?: number): void {
    this.#current = this.#next;
    this.#cycleOpen = false;
  }

  get liveCount(): number {
    return this.#current.size;
  }

  /** Dead attribute sets the SDK exported for its worst instrument in the last filter() call. */
  get maxDeadPerInstrument(): number {
    return this.#maxDead;
  }

  /** A copy of `rm` without the points the last cycle did not observe, and without emptied metrics. */
  filter(rm: ResourceMetrics): ResourceMetrics {
    if (this.#cycleOpen) return rm;
    let maxDead = 0;
    const scopeMetrics = rm.scopeMetrics
      .map((sm) => ({
        scope: sm.scope,
        metrics: sm.metrics
          .map((m) => {
            const points = m.dataPoints as { attributes: Attributes }[];
            const live = points.filter((dp) => this.#current.has(seriesKey(m.descriptor.name, dp.attributes)));
            if (points.length - live.length > maxDead) maxDead = points.length - live.length;
            return { ...m, dataPoints: live };
          })
          .filter((m) => m.dataPoints.length > 0),
      }))
      .filter((sm) => sm.metrics.length > 0);
    this.#maxDead = maxDead;
    return { resource: rm.resource, scopeMetrics } as ResourceMetrics;
  }
}
