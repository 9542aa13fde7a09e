import type { Attributes } from '@opentelemetry/api';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Where a handle's real labels are looked up (metrics/series-handles.ts). */
export interface HandleLookup {
  attributesOf(handle: Attributes): Attributes | undefined;
}

export interface Expansion {
  /** The collection with every point's handle replaced by its series' labels. */
  resourceMetrics: ResourceMetrics;
  /** Per metric: points left out because their handle is no longer known (series the SDK still carries). */
  dropped: ReadonlyMap<string, number>;
  /** Points left out in all (forgotten handles, the SDK's overflow point, anything without a handle). */
  droppedTotal: number;
}

/**
 * Puts podpulse's labels back on the points of one SDK collection, right after the SDK, so nothing
 * downstream (live-series filter, end markers, series limits, Prometheus endpoint, --print json,
 * OTLP) ever sees a handle. A point whose handle is not known is left out, never exported with a
 * handle as its labels: a series forgotten after two unobserved cycles (dead, the SDK keeps it until
 * its MeterProvider is replaced), or the SDK's `otel.metric.overflow` point (which no cycle observes,
 * so the live-series filter dropped it before too). `dropped` lets the filter still count them as
 * dead sets, which is what decides when the MeterProvider is replaced.
 *
 * The points are changed in place: the SDK builds fresh data point objects for every collection
 * (its aggregators' toMetricData) and keeps no reference to them, and copying 46,000 points per
 * cycle at N = 1000 would be garbage for nothing.
 */
export function expandHandles(rm: ResourceMetrics, lookup: HandleLookup): Expansion {
  const dropped = new Map<string, number>();
  let droppedTotal = 0;
  let changed = false;
  const scopeMetrics = rm.scopeMetrics.map((sm) => {
    const metrics: MetricData[] = [];
    let metricsChanged = false;
    for (const m of sm.metrics) {
      const points = m.dataPoints as { attributes: Attributes }[];
      let kept: { attributes: Attributes }[] | undefined;
      for (let i = 0; i < points.length; i++) {
        const dp = points[i] as { attributes: Attributes };
        const attributes = lookup.attributesOf(dp.attributes);
        if (attributes) {
          dp.attributes = attributes;
          kept?.push(dp);
        } else {
          kept ??= points.slice(0, i);
        }
      }
      if (!kept) {
        metrics.push(m);
        continue;
      }
      const n = points.length - kept.length;
      dropped.set(m.descriptor.name, (dropped.get(m.descriptor.name) ?? 0) + n);
      droppedTotal += n;
      metricsChanged = true;
      if (kept.length > 0) metrics.push({ ...m, dataPoints: kept } as MetricData);
    }
    if (!metricsChanged) return sm;
    changed = true;
    return { scope: sm.scope, metrics };
  });
  return { resourceMetrics: changed ? { resource: rm.resource, scopeMetrics } : rm, dropped, droppedTotal };
}
