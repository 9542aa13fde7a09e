import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { RESOURCE_IDENTITY_KEYS } from '../../metrics/semconv/identity.js';

/** A point's attributes split into its resource identity and what stays on the point. */
interface Split {
  /** '' when the point carries no identity key (it belongs to the node's resource). */
  key: string;
  identity: Attributes;
  point: Attributes;
}

const NONE: Split = Object.freeze({ key: '', identity: Object.freeze({}), point: Object.freeze({}) });

/**
 * Regroups one collection into one ResourceMetrics per resource: the points that carry semconv
 * identity keys (metrics/semconv/identity.ts: container.id, k8s.pod.uid, …) move into a resource
 * made of the node's resource plus those keys, and lose them as point attributes; every other point
 * stays under the node's resource as collected.
 *
 * Why at export: the SDK's MeterProvider has ONE resource, and everything before the wire (the
 * live-series filter, end markers, series limit, replay queue, the Prometheus endpoint) works on
 * points whose attributes name their series. Keeping the identity on the points until here means a
 * pod's series is still one series everywhere there, and becomes its own Resource only on the wire.
 *
 * Each attribute object is split once (the metric side hands out the same object per series every
 * cycle); resources are kept while used by the last call only, so pod churn cannot grow the cache.
 */
export class ResourceGroups {
  #splits = new WeakMap<Attributes, Split>();
  #resources = new Map<string, Resource>();
  #base: Resource | undefined;

  constructor(private readonly keys: ReadonlySet<string> = RESOURCE_IDENTITY_KEYS) {}

  /** The point attributes split into identity and point part (for --print json and end markers too). */
  split(attributes: Attributes): Split {
    const known = this.#splits.get(attributes);
    if (known) return known;
    let split = NONE;
    for (const k in attributes) {
      if (!this.keys.has(k)) continue;
      const identity: Attributes = {};
      const point: Attributes = {};
      let key = '';
      for (const k2 in attributes) {
        const v = attributes[k2];
        if (this.keys.has(k2)) {
          identity[k2] = v;
          key += `${k2}\u0000${Array.isArray(v) ? v.join('\u0001') : String(v)}\u0000`;
        } else point[k2] = v;
      }
      split = { key, identity, point };
      break;
    }
    this.#splits.set(attributes, split);
    return split;
  }

  /** The node's resource merged with an identity, the same object while the last call used it. */
  #resourceFor(base: Resource, split: Split, next: Map<string, Resource>): Resource {
    let r = next.get(split.key) ?? this.#resources.get(split.key);
    if (!r) r = resourceFromAttributes({ ...base.attributes, ...split.identity }, base.schemaUrl ? { schemaUrl: base.schemaUrl } : undefined);
    next.set(split.key, r);
    return r;
  }

  /**
   * One ResourceMetrics per resource: the node's first (the collection itself, untouched, when no
   * point carries an identity), then one per identity in the order first seen.
   */
  regroup(rm: ResourceMetrics): ResourceMetrics[] {
    if (rm.resource !== this.#base) {
      this.#base = rm.resource;
      this.#resources = new Map();
    }
    type Group = { resource: Resource; scopes: Map<ScopeMetrics, Map<MetricData, unknown[]>> };
    const groups = new Map<string, Group>();
    const next = new Map<string, Resource>();
    let any = false;
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const dp of m.dataPoints as ReadonlyArray<{ attributes: Attributes }>) {
          const split = this.split(dp.attributes);
          if (split.key !== '') any = true;
          let group = groups.get(split.key);
          if (!group) {
            group = { resource: split.key === '' ? rm.resource : this.#resourceFor(rm.resource, split, next), scopes: new Map() };
            groups.set(split.key, group);
          }
          let metrics = group.scopes.get(sm);
          if (!metrics) {
            metrics = new Map();
            group.scopes.set(sm, metrics);
          }
          let points = metrics.get(m);
          if (!points) {
            points = [];
            metrics.set(m, points);
          }
          points.push(split.key === '' ? dp : { ...dp, attributes: split.point });
        }
      }
    }
    this.#resources = next;
    if (!any) return [rm];
    const out: ResourceMetrics[] = [];
    const ordered = groups.has('') ? [groups.get('') as Group, ...[...groups].filter(([k]) => k !== '').map(([, g]) => g)] : [...groups.values()];
    for (const g of ordered) {
      out.push({
        resource: g.resource,
        scopeMetrics: [...g.scopes].map(([sm, metrics]) => ({
          scope: sm.scope,
          metrics: [...metrics].map(([m, dataPoints]) => ({ ...m, dataPoints }) as MetricData),
        })),
      });
    }
    return out;
  }
}
