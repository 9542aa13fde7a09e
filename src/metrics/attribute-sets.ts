import type { Attributes } from '@opentelemetry/api';

/**
 * Hands out the SAME attribute object for the same series every cycle.
 *
 * Why: the SDK keeps the first object it was given for a series and exports that one, so when every
 * cycle passes the same object, the export side can tell live series by object identity (see
 * export/live-series.ts) instead of building and comparing string keys for every point — that was a
 * fifth of a cycle's CPU. The per-base maps live in a WeakMap, so they go with their base object
 * (a container's identity, which the collector keeps stable while the container lives).
 */
export class AttributeSets {
  #derived = new WeakMap<object, Map<string, Attributes>>();
  #lastMachine: Attributes | undefined;
  readonly agentBase: Attributes = Object.freeze({});

  /** `base` itself when the point has no attributes of its own, else a cached `{...base, ...extra}`. */
  of(base: Attributes, metricName: string, extra: Readonly<Record<string, string>> | undefined): Attributes {
    if (!extra) return base;
    let byKey = this.#derived.get(base);
    if (!byKey) {
      byKey = new Map();
      this.#derived.set(base, byKey);
    }
    let key = metricName;
    for (const k in extra) key += '\u0000' + extra[k];
    let attrs = byKey.get(key);
    if (!attrs) {
      attrs = { ...base, ...extra };
      byKey.set(key, attrs);
    }
    return attrs;
  }

  /** The machine_* label object, replaced only when a value changes. */
  machine(attrs: Attributes): Attributes {
    const last = this.#lastMachine;
    if (last && Object.keys(attrs).every((k) => last[k] === attrs[k])) return last;
    this.#lastMachine = attrs;
    return attrs;
  }
}
