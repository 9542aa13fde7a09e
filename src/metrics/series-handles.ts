import type { AttributeValue, Attributes } from '@opentelemetry/api';

/**
 * The one attribute key of a series handle. A NUL cannot start a Prometheus label name, an OTel
 * attribute name of ours, a catalog attribute or a `container_label_*` key, so the key can never be a
 * real label; a test (series-handles.test.ts) checks the catalog against it.
 */
export const SERIES_HANDLE_KEY = '\u0000podpulse.series';

/** One series as the metric side knows it: its real labels, and the handle the SDK is given instead. */
export interface Series {
  /** The labels podpulse exports: the same frozen object while the series lives. */
  readonly attributes: Attributes;
  /** `{ [SERIES_HANDLE_KEY]: n }`, n never reused by this registry or its successors. */
  readonly handle: Attributes;
  /**
   * The group of the base label set it derives from, given when the base was first seen (round robin
   * over the `groups` of that cycle, see beginCycle): every series of one base shares it, for the
   * series' whole life. It is the meter the metric side observes the series on (metrics/instruments.ts),
   * so a series never moves from one meter to another.
   */
  readonly group: number;
  /** The last cycle that observed it. */
  seen: number;
}

/** Everything derived from one base label set (a container identity, a machine, the agent). */
interface Base {
  content: string;
  /** Series.group of its series. */
  group: number;
  /** A frozen copy of the first object seen with this content. */
  attributes: Attributes;
  /** The series with no attributes of its own (the base labels alone). */
  self: Series | undefined;
  /** By the point's own attributes (keys and values). */
  derived: Map<string, Series>;
  seen: number;
}

/** Which Base an object stood for, checked once per cycle. */
interface ObjectEntry {
  base: Base;
  checked: number;
}

function valueText(v: AttributeValue | undefined): string {
  return Array.isArray(v) ? v.join('\u0001') : String(v);
}

/** Keys and values in the object's own order; NUL and SOH occur in no label we produce. */
function contentOf(attributes: Attributes): string {
  let key = '';
  for (const k in attributes) key += k + '\u0001' + valueText(attributes[k]) + '\u0000';
  return key;
}

/**
 * Series handles: the SDK is given, for each series, a one-key attribute object with a number
 * instead of podpulse's labels, and the export side puts the labels back (export/sdk/expand-handles.ts).
 *
 * Why: @opentelemetry/sdk-metrics hashes every observed attribute object (sorted keys +
 * JSON.stringify) at least twice per cycle and keeps that string per series as its map key. With six
 * identity labels and a 64-hex id that was most of the SDK's CPU and memory per container; a one-key
 * object costs a third of it and a fraction of the heap (issue 11).
 *
 * Same labels ⇒ same handle, however the base object was built: bases are recognised by object
 * first, and by their content once per object per cycle, so an identity object rebuilt by discovery
 * (or mutated) still maps to its series when the labels are equal, and to a NEW series when they
 * changed (the old one then ends like a gone container). A number is never handed out twice: the SDK
 * keeps start times and cumulative state per attribute hash, so reusing one would continue another
 * series' counter.
 *
 * Bounded: a series not observed in the last cycle nor the one before is forgotten at endCycle (the
 * one-cycle grace lets the export after a series' last cycle still name it, for its end marker); the
 * SDK's own memory of forgotten handles goes with its MeterProvider (export/sdk/pipeline.ts).
 */
export class SeriesHandles {
  #nextHandle: number;
  /** Bases placed so far: the round robin over groups. */
  #placed = 0;
  /** Groups the bases first seen this cycle are spread over. */
  #groups = 1;
  #cycle = 0;
  #byObject = new WeakMap<object, ObjectEntry>();
  #byContent = new Map<string, Base>();
  #byHandle = new Map<number, Series>();

  /** `firstHandle`: where numbering starts (a successor registry continues its predecessor's). */
  constructor(firstHandle = 1) {
    this.#nextHandle = firstHandle;
  }

  /** The next number this registry would hand out. */
  get nextHandle(): number {
    return this.#nextHandle;
  }

  /** Series currently remembered (observed in the last two cycles). */
  get size(): number {
    return this.#byHandle.size;
  }

  /** `groups`: how many groups the bases first seen in this cycle are spread over (at least 1). */
  beginCycle(groups = 1): void {
    this.#cycle++;
    this.#groups = Math.max(1, Math.floor(groups));
  }

  /** The series of `base` plus the point's own attributes; marks it observed this cycle. */
  of(base: Attributes, extra: Readonly<Record<string, string>> | undefined): Series {
    const b = this.#baseOf(base);
    let s: Series | undefined;
    if (!extra) {
      s = b.self;
      if (!s) b.self = s = this.#newSeries(b.attributes, b.group);
    } else {
      let key = '';
      for (const k in extra) key += k + '\u0001' + extra[k] + '\u0000';
      s = b.derived.get(key);
      if (!s) {
        s = this.#newSeries(Object.freeze({ ...b.attributes, ...extra }), b.group);
        b.derived.set(key, s);
      }
    }
    s.seen = this.#cycle;
    return s;
  }

  /** The real labels behind a handle the SDK exported; undefined for a forgotten or foreign one. */
  attributesOf(handle: Attributes): Attributes | undefined {
    const n = handle[SERIES_HANDLE_KEY];
    return typeof n === 'number' ? this.#byHandle.get(n)?.attributes : undefined;
  }

  /** Forgets series observed neither this cycle nor the one before. */
  endCycle(): void {
    const keep = this.#cycle - 1;
    for (const [n, s] of this.#byHandle) if (s.seen < keep) this.#byHandle.delete(n);
    for (const [content, b] of this.#byContent) {
      if (b.seen < keep) {
        this.#byContent.delete(content);
        continue;
      }
      if (b.self && b.self.seen < keep) b.self = undefined;
      for (const [k, s] of b.derived) if (s.seen < keep) b.derived.delete(k);
    }
  }

  #baseOf(obj: Attributes): Base {
    const known = this.#byObject.get(obj);
    if (known && known.checked === this.#cycle) return known.base;
    const content = contentOf(obj);
    let base = known && known.base.content === content && this.#byContent.get(content) === known.base ? known.base : this.#byContent.get(content);
    if (!base) {
      base = { content, group: this.#placed++ % this.#groups, attributes: Object.freeze({ ...obj }), self: undefined, derived: new Map(), seen: this.#cycle };
      this.#byContent.set(content, base);
    }
    base.seen = this.#cycle;
    if (known) {
      known.base = base;
      known.checked = this.#cycle;
    } else this.#byObject.set(obj, { base, checked: this.#cycle });
    return base;
  }

  #newSeries(attributes: Attributes, group: number): Series {
    const n = this.#nextHandle++;
    const s: Series = { attributes, handle: Object.freeze({ [SERIES_HANDLE_KEY]: n }), group, seen: this.#cycle };
    this.#byHandle.set(n, s);
    return s;
  }
}
