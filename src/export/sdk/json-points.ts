import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** One data point as `--print json` writes it (one JSON object per line), in OTel terms. */
export interface JsonPoint {
  /** The OTel instrument name, untranslated. */
  name: string;
  /** `counter` = monotonic sum, `updowncounter` = non-monotonic sum. */
  type: 'gauge' | 'counter' | 'updowncounter';
  unit: string;
  attributes: Record<string, AttributeValue>;
  value: number;
}

/**
 * Flatten a collection into one plain object per gauge or sum data point, in collection order
 * (scope, then instrument, then data point). Histograms are skipped: this agent creates none, and
 * they have no single value. Attributes whose value is undefined or null are left out.
 */
export function toJsonPoints(resourceMetrics: ResourceMetrics): JsonPoint[] {
  const out: JsonPoint[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      let type: JsonPoint['type'];
      if (metric.dataPointType === DataPointType.GAUGE) type = 'gauge';
      else if (metric.dataPointType === DataPointType.SUM) type = metric.isMonotonic ? 'counter' : 'updowncounter';
      else continue;
      for (const dp of metric.dataPoints) {
        out.push({
          name: metric.descriptor.name,
          type,
          unit: metric.descriptor.unit,
          attributes: plainAttributes(dp.attributes),
          value: dp.value,
        });
      }
    }
  }
  return out;
}

function plainAttributes(attributes: Attributes): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).filter((e): e is [string, AttributeValue] => e[1] !== undefined && e[1] !== null),
  );
}
