import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Data points in one snapshot, over every scope and metric. */
export function countPoints(rm: ResourceMetrics): number {
  let n = 0;
  for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}
