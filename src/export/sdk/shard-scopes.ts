import type { Meter } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { MeterProvider, MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';

/** The one instrumentation scope podpulse exports. */
export const SCOPE = 'podpulse';

/** Prefix of the versions that tell the SDK the shards' meters apart; never exported. */
const SHARD_VERSION = 'podpulse-shard-';

/** What every merged collection carries as its scope: what the SDK gives getMeter(SCOPE). */
const EXPORTED_SCOPE: InstrumentationScope = Object.freeze({ name: SCOPE, version: '', schemaUrl: undefined });

/**
 * `count` meters of one MeterProvider for the catalog's shards (metrics/instruments.ts). The SDK
 * keeps one meter per name + version, so shard 0 is the real "podpulse" scope and the others carry
 * a version of their own; mergeShardScopes() folds them back before anything leaves the process.
 */
export function shardMeters(provider: MeterProvider, count: number): Meter[] {
  return Array.from({ length: count }, (_, i) => provider.getMeter(SCOPE, i === 0 ? '' : `${SHARD_VERSION}${i}`));
}

function isShard(scope: InstrumentationScope): boolean {
  return scope.name === SCOPE && scope.schemaUrl === undefined && (scope.version === '' || scope.version?.startsWith(SHARD_VERSION) === true);
}

/**
 * One collection with the shards' scopes merged into the one "podpulse" scope, as a single meter
 * would have collected it: metrics of the same name become one metric whose points are the shards'
 * concatenated (a series lives in exactly one shard, so no point is repeated), in catalog order
 * (`order`: metric name → its index in the catalog; the shards each collect only the metrics they
 * have points for). Within a metric the points come shard by shard; their order carries no meaning.
 *
 * A collection of the real scope alone comes back as it is; a metric only one shard has is passed
 * on as the same object (the SDK builds fresh ones every collection).
 */
export function mergeShardScopes(rm: ResourceMetrics, order: ReadonlyMap<string, number>): ResourceMetrics {
  if (!rm.scopeMetrics.some((sm) => isShard(sm.scope) && sm.scope.version !== '')) return rm;
  const parts = new Map<string, MetricData[]>();
  const scopeMetrics: ScopeMetrics[] = [];
  let at = -1;
  for (const sm of rm.scopeMetrics) {
    if (!isShard(sm.scope)) {
      scopeMetrics.push(sm);
      continue;
    }
    if (at < 0) at = scopeMetrics.push({ scope: EXPORTED_SCOPE, metrics: [] }) - 1;
    for (const m of sm.metrics) {
      const same = parts.get(m.descriptor.name);
      if (same) same.push(m);
      else parts.set(m.descriptor.name, [m]);
    }
  }
  const metrics: MetricData[] = [];
  for (const same of parts.values()) {
    const first = same[0] as MetricData;
    if (same.length === 1) metrics.push(first);
    else metrics.push({ ...first, dataPoints: same.flatMap((m) => m.dataPoints as readonly unknown[]) } as MetricData);
  }
  const rank = (m: MetricData): number => order.get(m.descriptor.name) ?? Number.MAX_SAFE_INTEGER;
  metrics.sort((a, b) => rank(a) - rank(b));
  scopeMetrics[at] = { scope: EXPORTED_SCOPE, metrics };
  return { resource: rm.resource, scopeMetrics };
}
