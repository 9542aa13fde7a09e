import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ResourceGroups } from './resource-groups.js';

/** One data point as `--print json` writes it (one JSON object per line), in OTel terms. */
export interface JsonPoint {
  /** The OTel instrument name, untranslated. */
  name: string;
  /** `counter` = monotonic sum, `updowncounter` = non-monotonic sum. */
  type: 'gauge' | 'counter' | 'updowncounter';
  unit: string;
  attributes: Record<string, AttributeValue>;
  /**
   * The attributes of the point's own Resource beyond the node's (semconv profile: the pod's or
   * container's container.* / k8s.* identity, as OTLP export sends them); absent for points that
   * belong to the node's resource (every cadvisor, machine and agent point, and k8s.node.*).
   */
  resource?: Record<string, AttributeValue>;
  value: number;
}

/**
 * Flatten a collection into one plain object per gauge or sum data point, in collection order
 * (scope, then instrument, then data point). Histograms are skipped: this agent creates none, and
 * they have no single value. Attributes whose value is undefined or null are left out.
 */
export function toJsonPoints(resourceMetrics: ResourceMetrics): JsonPoint[] {
  const out: JsonPoint[] = [];
  const groups = new ResourceGroups();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      let type: JsonPoint['type'];
      if (metric.dataPointType === DataPointType.GAUGE) type = 'gauge';
      else if (metric.dataPointType === DataPointType.SUM) type = metric.isMonotonic ? 'counter' : 'updowncounter';
      else continue;
      for (const dp of metric.dataPoints) {
        const split = groups.split(dp.attributes);
        out.push({
          name: metric.descriptor.name,
          type,
          unit: metric.descriptor.unit,
          attributes: plainAttributes(split.key === '' ? dp.attributes : split.point),
          ...(split.key === '' ? {} : { resource: plainAttributes(split.identity) }),
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
