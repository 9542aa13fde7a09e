import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * Fixed part of one number data point on the wire: the value (8), start and end times (2 × 9), the
 * field tags and length prefixes of the point. Each attribute adds four tag-and-length pairs (the
 * KeyValue, its key, the AnyValue and its string).
 */
const POINT_FIXED_BYTES = 28;
const ATTRIBUTE_FIXED_BYTES = 8;

/**
 * About how many bytes a snapshot takes as an uncompressed OTLP request: the bound the replay queue
 * keeps in bytes as well as in snapshots. Every point repeats its attribute keys and values on the
 * wire, so that is what dominates; resource and descriptors are counted once. An estimate (within
 * a few per cent of the encoder on the agent's own snapshots, see the test), not the encoder itself:
 * encoding every queued snapshot just to weigh it would double the export cost.
 */
export function estimateSnapshotBytes(rm: ResourceMetrics, cache?: WeakMap<object, number>): number {
  let bytes = attributeBytes(rm.resource.attributes, cache);
  for (const sm of rm.scopeMetrics) {
    bytes += sm.scope.name.length + 4;
    for (const m of sm.metrics) {
      bytes += m.descriptor.name.length + m.descriptor.description.length + m.descriptor.unit.length + 8;
      for (const p of m.dataPoints) bytes += POINT_FIXED_BYTES + attributeBytes(p.attributes, cache);
    }
  }
  return bytes;
}

/**
 * The attribute objects of a series are the same object every cycle (metrics/attribute-sets.ts), so
 * a caller that weighs every snapshot passes a cache and each set is measured once, not per point
 * per cycle.
 */
function attributeBytes(attributes: Record<string, unknown>, cache: WeakMap<object, number> | undefined): number {
  const known = cache?.get(attributes);
  if (known !== undefined) return known;
  let bytes = 0;
  for (const k in attributes) bytes += k.length + String(attributes[k]).length + ATTRIBUTE_FIXED_BYTES;
  cache?.set(attributes, bytes);
  return bytes;
}
