import type { Attributes } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ObservationSink } from '../metrics/instruments.js';
import { seriesKey } from './series-key.js';

/**
 * Which series the last collection actually observed, and how many distinct series the current
 * MeterProvider has ever been handed.
 *
 * Why: @opentelemetry/sdk-metrics keeps exporting every attribute set an observable instrument has
 * ever reported (opentelemetry-js#4096) and never forgets them, so a gone container would be exported
 * with its last values forever, and after 2,000 sets per instrument every new container would land in
 * `otel.metric.overflow`. We drop points not observed in the current cycle before export (ends series
 * at the next export) and let the pipeline replace the MeterProvider once too many dead sets pile up
 * (bounds the SDK's memory and keeps new containers out of the overflow bucket).
 */
export class LiveSeries implements ObservationSink {
  #current = new Set<string>();
  #next = new Set<string>();
  #currentPerInstrument = new Map<string, number>();
  #nextPerInstrument = new Map<string, number>();
  /** Distinct series ever observed per instrument by this generation (mirrors the SDK's memo). */
  #everSeen = new Map<string, Set<string>>();
  #cycleOpen = false;

  /** Called at the start of a collection callback. */
  beginCycle(): void {
    this.#next = new Set();
    this.#nextPerInstrument = new Map();
    this.#cycleOpen = true;
  }

  observe(metricName: string, attributes: Attributes): void {
    const key = seriesKey(metricName, attributes);
    if (this.#next.has(key)) return;
    this.#next.add(key);
    this.#nextPerInstrument.set(metricName, (this.#nextPerInstrument.get(metricName) ?? 0) + 1);
    let seen = this.#everSeen.get(metricName);
    if (!seen) {
      seen = new Set();
      this.#everSeen.set(metricName, seen);
    }
    seen.add(key);
  }

  /** Called when the collection callback finished observing. */
  endCycle(_observations?: number): void {
    this.#current = this.#next;
    this.#currentPerInstrument = this.#nextPerInstrument;
    this.#cycleOpen = false;
  }

  get liveCount(): number {
    return this.#current.size;
  }

  /** Largest number of series an instrument holds that the last cycle did not observe. */
  maxDeadPerInstrument(): number {
    let worst = 0;
    for (const [name, seen] of this.#everSeen) {
      const dead = seen.size - (this.#currentPerInstrument.get(name) ?? 0);
      if (dead > worst) worst = dead;
    }
    return worst;
  }

  /** A copy of `rm` without the points the last cycle did not observe, and without emptied metrics. */
  filter(rm: ResourceMetrics): ResourceMetrics {
    if (this.#cycleOpen) return rm;
    return {
      resource: rm.resource,
      scopeMetrics: rm.scopeMetrics
        .map((sm) => ({
          scope: sm.scope,
          metrics: sm.metrics
            .map((m) => ({
              ...m,
              dataPoints: (m.dataPoints as { attributes: Record<string, unknown> }[]).filter((dp) =>
                this.#current.has(seriesKey(m.descriptor.name, dp.attributes as never)),
              ),
            }))
            .filter((m) => m.dataPoints.length > 0),
        }))
        .filter((sm) => sm.metrics.length > 0),
    } as ResourceMetrics;
  }
}
