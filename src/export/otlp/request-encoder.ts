import { ValueType, type Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type DataPoint, type MetricData, type MetricDescriptor, type ResourceMetrics, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { AgentError } from '../../errors.js';
import { CONTAINER_IDENTITY_KEYS } from '../../metrics/spec.js';
import { ResourceGroups } from '../sdk/resource-groups.js';
import { LEN, lenFieldSize, message, ProtoWriter, VARINT } from './proto-writer.js';

/**
 * podpulse's own encoder of collector.metrics.v1.ExportMetricsServiceRequest (field numbers from
 * opentelemetry-proto; fields written as the SDK's ProtobufMetricsSerializer writes them).
 *
 * Why not the SDK's serializer: it UTF-8 encodes every attribute string of every point every cycle,
 * while a series' attribute object is the same object cycle after cycle (metrics/series-handles.ts).
 * Here the encoded KeyValue list of each attribute object, each resource, scope and metric
 * descriptor is kept, so a steady-state cycle copies bytes and writes only times and values.
 *
 * Layout for gzip: OTLP groups points by metric, so in one big ResourceMetrics a container's next
 * point lies one point per container later, beyond gzip's 32 KiB window once there are a few hundred
 * containers. The request is therefore cut into several ResourceMetrics entries with the same resource
 * (repeated resource_metrics with equal resources are legal OTLP and land as the same series), each
 * holding every metric of a slice of containers, so a container's identity repeats within the window.
 *
 * One difference from the SDK's serializer: a metric without points this cycle (say, network metrics
 * on a node without pod network namespaces) is left out, where the SDK writes its empty Metric; it
 * carries nothing, and the collector's Prometheus translation would only log it as dropped.
 */

/**
 * Containers per ResourceMetrics entry. A cadvisor container's point is some 250 bytes, so 32 of
 * them (8 KiB) keep the previous point of the same container well inside gzip's 32 KiB window.
 */
export const CONTAINERS_PER_SLICE = 32;

/**
 * Bytes (uncompressed) one ExportMetricsServiceRequest may hold: a snapshot larger than this goes
 * out as several requests, each a whole number of slices. At 1,000 containers one request was 13.8
 * MB, and it, grpc-js' gzip of it and a replayed copy all lived at once; 1 MiB (about two slices of
 * cadvisor containers) bounds each of those, stays far below the collector's max_recv_msg_size_mib
 * (4 MiB by default), and costs gzip nothing measurable (its window is 32 KiB). A single slice
 * larger than this still goes out whole, as its own request. The agent's is export.otlp.maxRequestKib.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** The point attribute that tells the containers of the node's resource apart (cadvisor's `id`, the cgroup path). */
const CONTAINER_KEY: string = CONTAINER_IDENTITY_KEYS[0];

/** A metric the encoder cannot write: failing loudly beats dropping a metric from every request. */
export class UnsupportedMetricError extends AgentError {
  readonly metric: string;
  constructor(metric: string, what: string) {
    super('EXPORT', `cannot encode metric "${metric}" as OTLP: ${what} is not supported by podpulse's encoder`);
    this.name = 'UnsupportedMetricError';
    this.metric = metric;
  }
}

/** A ResourceMetrics' resource (field 1, tag included) and schema_url (field 3, or nothing). */
interface ResourceBytes {
  field: Uint8Array;
  schema: Uint8Array;
}

/** A ScopeMetrics' scope (field 1, tag included) and schema_url (field 3, or nothing). */
interface ScopeBytes {
  field: Uint8Array;
  schema: Uint8Array;
}

/** One metric of the snapshot as the slices write it. */
interface MetricPlan {
  scope: number;
  /** name, description, unit (fields 1-3). */
  header: Uint8Array;
  /** 5 gauge, 7 sum. */
  dataField: number;
  /** After the points: a sum's aggregation_temporality and is_monotonic. */
  tail: Uint8Array;
  int: boolean;
}

/** The points of one container (or of one identity resource, or the node's own points), in metric order. */
interface Bucket {
  resource: ResourceBytes;
  metric: number[];
  points: DataPoint<number>[];
  attributes: Uint8Array[];
}

/**
 * One metric's points within a slice and its sizes. Which points they are is not stored: each
 * bucket lists its points in metric order, so encodeSlice finds them again by walking the buckets
 * with one cursor each, as layout did (a list of ranges per run was some 3 MB of garbage per cycle
 * at 1,000 containers, kept alive while the requests were sent).
 */
interface Run {
  metric: number;
  /** Bytes inside the gauge or sum field. */
  data: number;
  /** Bytes of the Metric message. */
  size: number;
}

/** One `resource_metrics` entry: its buckets (one resource), their metric runs and every size. */
interface Slice {
  buckets: readonly Bucket[];
  runs: Run[];
  scopeSizes: Map<number, number>;
  /** Bytes of the ResourceMetrics message. */
  size: number;
  points: number;
}

/** One request of a snapshot: slices [first, end), its exact size and its points. */
export interface RequestPart {
  readonly first: number;
  readonly end: number;
  readonly bytes: number;
  readonly points: number;
}

/**
 * What one snapshot encodes to, with every size known: `bytes` for the whole snapshot as one request,
 * `requests` for it cut at the encoder's maxRequestBytes (each a valid request on its own: its slices
 * carry their resource, scope and metric descriptors), written slice by slice (encodeSlice) so a
 * caller can yield in between.
 */
export interface RequestPlan {
  readonly slices: readonly Slice[];
  readonly metrics: readonly MetricPlan[];
  readonly scopes: readonly ScopeBytes[];
  readonly points: number;
  readonly bytes: number;
  readonly requests: readonly RequestPart[];
}

const EMPTY = new Uint8Array(0);
/** Point body without its attributes: start and end time and the value, each a one-byte tag and 8 bytes. */
const POINT_FIXED_BYTES = 27;

/** common.v1.AnyValue: string 1, bool 2, int 3, double 4, array 5 {values 1}, kvlist 6 {values 1}, bytes 7. */
function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      return w.stringField(1, value);
    case 'boolean':
      return w.varintField(2, value ? 1 : 0);
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
        w.tag(3, VARINT);
        return w.int64(value);
      }
      return w.doubleField(4, value);
  }
  if (value instanceof Uint8Array) return w.bytesField(7, value);
  if (Array.isArray(value)) return w.bytesField(5, message((a) => value.forEach((item) => a.bytesField(1, message((v) => writeAnyValue(v, item))))));
  if (typeof value === 'object' && value !== null) return w.bytesField(6, message((l) => writeKeyValues(l, 1, value as Attributes)));
  // undefined or null: an empty AnyValue, as the SDK writes it.
}

/**
 * repeated common.v1.KeyValue (key 1, value 2) at `field`. String values (all of podpulse's point
 * attributes) are written straight into `w` with their lengths computed; other types go through
 * nested messages.
 */
export function writeKeyValues(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (typeof value === 'string') {
      const valueBytes = Buffer.byteLength(value, 'utf8');
      const anyValue = lenFieldSize(valueBytes);
      w.tag(field, LEN);
      w.varint(lenFieldSize(keyBytes) + lenFieldSize(anyValue));
      w.stringField(1, key, keyBytes);
      w.tag(2, LEN);
      w.varint(anyValue);
      w.stringField(1, value, valueBytes);
      continue;
    }
    w.bytesField(
      field,
      message((kv) => {
        kv.stringField(1, key, keyBytes);
        kv.bytesField(2, message((v) => writeAnyValue(v, value)));
      }),
    );
  }
}

function temporalityNumber(t: AggregationTemporality): number {
  return t === AggregationTemporality.DELTA ? 1 : t === AggregationTemporality.CUMULATIVE ? 2 : 0;
}

/**
 * Encodes snapshots (one ResourceMetrics from the SDK, regrouped into the resources of
 * sdk/resource-groups.ts) into ExportMetricsServiceRequest bytes. Holds the caches, so use one
 * instance for the life of a pipeline.
 */
export class RequestEncoder {
  readonly #perSlice: number;
  readonly #maxRequestBytes: number;
  readonly #groups: ResourceGroups;
  /** Encoded KeyValue list (field 7 of NumberDataPoint) per attribute object. */
  #attributes = new WeakMap<object, Uint8Array>();
  /** Where cached encodings are written before being copied to their own small buffer. */
  #scratch = new ProtoWriter(4096);
  #descriptors = new WeakMap<MetricDescriptor, Uint8Array>();
  #scopes = new WeakMap<object, ScopeBytes>();
  /** Per identity key ('' the node's own) for the last snapshot's node resource; only keys the last snapshot used are kept. */
  #resources = new Map<string, ResourceBytes>();
  #base: Resource | undefined;

  constructor(opts: { containersPerSlice?: number; maxRequestBytes?: number; groups?: ResourceGroups } = {}) {
    this.#perSlice = Math.max(1, opts.containersPerSlice ?? CONTAINERS_PER_SLICE);
    this.#maxRequestBytes = Math.max(1, opts.maxRequestBytes ?? MAX_REQUEST_BYTES);
    this.#groups = opts.groups ?? new ResourceGroups();
  }

  /** The whole snapshot as one request, at once (tests, tools; the agent sends plan.requests). */
  encode(rm: ResourceMetrics): Buffer {
    const plan = this.plan(rm);
    const w = new ProtoWriter(plan.bytes);
    for (let i = 0; i < plan.slices.length; i++) this.encodeSlice(plan, i, w);
    return finishRequest(plan, w);
  }

  /** Request `index` of the plan's requests, at once. */
  encodeRequest(plan: RequestPlan, index: number): Buffer {
    const part = plan.requests[index] as RequestPart;
    const w = new ProtoWriter(part.bytes);
    for (let i = part.first; i < part.end; i++) this.encodeSlice(plan, i, w);
    return finishRequest(part, w);
  }

  /**
   * Sorts the snapshot's points into slices: the node's resource first (its points without a
   * container, then its containers CONTAINERS_PER_SLICE at a time), then one slice per identity
   * resource (a semconv pod or container) in the order first seen.
   */
  plan(rm: ResourceMetrics): RequestPlan {
    if (rm.resource !== this.#base) {
      this.#base = rm.resource;
      this.#resources = new Map();
    }
    const used = new Map<string, ResourceBytes>();
    const node = this.#resourceBytes(rm.resource, '', undefined, used);
    const containers = new Map<unknown, Bucket>();
    const identities = new Map<string, Bucket>();
    const metrics: MetricPlan[] = [];
    const scopes: ScopeBytes[] = [];
    let points = 0;
    rm.scopeMetrics.forEach((sm, scopeIndex) => {
      scopes.push(this.#scopeBytes(sm));
      for (const m of sm.metrics) {
        const index = metrics.length;
        metrics.push(this.#metricPlan(m, scopeIndex));
        for (const dp of m.dataPoints as DataPoint<number>[]) {
          if (typeof dp.value !== 'number') throw new UnsupportedMetricError(m.descriptor.name, `a ${typeof dp.value} point value`);
          const split = this.#groups.split(dp.attributes);
          let bucket: Bucket | undefined;
          let attributes = dp.attributes;
          if (split.key === '') {
            const id = dp.attributes[CONTAINER_KEY];
            bucket = containers.get(id);
            if (!bucket) containers.set(id, (bucket = { resource: node, metric: [], points: [], attributes: [] }));
          } else {
            attributes = split.point;
            bucket = identities.get(split.key);
            if (!bucket) {
              const resource = this.#resourceBytes(rm.resource, split.key, split.identity, used);
              identities.set(split.key, (bucket = { resource, metric: [], points: [], attributes: [] }));
            }
          }
          bucket.metric.push(index);
          bucket.points.push(dp);
          bucket.attributes.push(this.#attributeBytes(attributes));
          points++;
        }
      }
    });
    this.#resources = used;
    const groups: Bucket[][] = [];
    const nodeBuckets = [...containers.values()];
    for (let i = 0; i < nodeBuckets.length; i += this.#perSlice) groups.push(nodeBuckets.slice(i, i + this.#perSlice));
    for (const b of identities.values()) groups.push([b]);
    const slices = groups.map((buckets) => layout(buckets, metrics, scopes));
    let bytes = 0;
    const requests: RequestPart[] = [];
    let part = { first: 0, end: 0, bytes: 0, points: 0 };
    slices.forEach((slice, i) => {
      const sliceBytes = lenFieldSize(slice.size);
      bytes += sliceBytes;
      if (part.end > part.first && part.bytes + sliceBytes > this.#maxRequestBytes) {
        requests.push(part);
        part = { first: i, end: i, bytes: 0, points: 0 };
      }
      part.end = i + 1;
      part.bytes += sliceBytes;
      part.points += slice.points;
    });
    if (part.end > part.first) requests.push(part);
    return { slices, metrics, scopes, points, bytes, requests };
  }

  /** Writes one `resource_metrics` field (tag included) of the request into `w`: the slice's buckets, metric by metric. */
  encodeSlice(plan: RequestPlan, index: number, w: ProtoWriter): void {
    const { buckets, runs, scopeSizes, size } = plan.slices[index] as Slice;
    const resource = (buckets[0] as Bucket).resource;
    const cursors = new Int32Array(buckets.length);
    w.tag(1, LEN);
    w.varint(size);
    w.raw(resource.field);
    let scope = -1;
    for (let ri = 0; ri < runs.length; ri++) {
      const r = runs[ri] as (typeof runs)[number];
      const mp = plan.metrics[r.metric] as MetricPlan;
      if (mp.scope !== scope) {
        scope = mp.scope;
        const s = plan.scopes[scope] as ScopeBytes;
        w.tag(2, LEN);
        w.varint(scopeSizes.get(scope) as number);
        w.raw(s.field);
      }
      w.tag(2, LEN);
      w.varint(r.size);
      w.raw(mp.header);
      w.tag(mp.dataField, LEN);
      w.varint(r.data);
      for (let j = 0; j < buckets.length; j++) {
        const b = buckets[j] as Bucket;
        let i = cursors[j] as number;
        for (; b.metric[i] === r.metric; i++) {
          const attributes = b.attributes[i] as Uint8Array;
          const dp = b.points[i] as DataPoint<number>;
          w.tag(1, LEN);
          w.varint(POINT_FIXED_BYTES + attributes.length);
          w.hrTimeField(2, dp.startTime);
          w.hrTimeField(3, dp.endTime);
          if (mp.int) w.sfixed64Field(6, dp.value);
          else w.doubleField(4, dp.value);
          w.raw(attributes);
        }
        cursors[j] = i;
      }
      w.raw(mp.tail);
      // A scope's schema_url follows its metrics, as the SDK writes it.
      const nextRun = runs[ri + 1];
      if (!nextRun || (plan.metrics[nextRun.metric] as MetricPlan).scope !== scope) w.raw((plan.scopes[scope] as ScopeBytes).schema);
    }
    w.raw(resource.schema);
  }

  #attributeBytes(attributes: Attributes): Uint8Array {
    let bytes = this.#attributes.get(attributes);
    if (!bytes) {
      this.#scratch.reset();
      writeKeyValues(this.#scratch, 7, attributes);
      bytes = this.#scratch.copy();
      this.#attributes.set(attributes, bytes);
    }
    return bytes;
  }

  #resourceBytes(base: Resource, key: string, identity: Attributes | undefined, used: Map<string, ResourceBytes>): ResourceBytes {
    let r = used.get(key) ?? this.#resources.get(key);
    if (!r) {
      const attributes = identity ? { ...base.attributes, ...identity } : base.attributes;
      // Resource: attributes 1, dropped_attributes_count 2 (0, written as the SDK does).
      const body = message((w) => {
        writeKeyValues(w, 1, attributes);
        w.varintField(2, 0);
      });
      r = {
        field: message((w) => w.bytesField(1, body)),
        schema: base.schemaUrl ? message((w) => w.stringField(3, base.schemaUrl as string)) : EMPTY,
      };
    }
    used.set(key, r);
    return r;
  }

  /** InstrumentationScope: name 1, version 2 (when set), attributes 3, dropped_attributes_count 4 (when set). */
  #scopeBytes(sm: ScopeMetrics): ScopeBytes {
    let s = this.#scopes.get(sm.scope);
    if (!s) {
      const scope = sm.scope as ScopeMetrics['scope'] & { attributes?: Attributes; droppedAttributesCount?: number };
      const body = message((w) => {
        w.stringField(1, scope.name);
        if (scope.version) w.stringField(2, scope.version);
        if (scope.attributes) writeKeyValues(w, 3, scope.attributes);
        if (scope.droppedAttributesCount) w.varintField(4, scope.droppedAttributesCount);
      });
      s = {
        field: message((w) => w.bytesField(1, body)),
        schema: scope.schemaUrl ? message((w) => w.stringField(3, scope.schemaUrl as string)) : EMPTY,
      };
      this.#scopes.set(sm.scope, s);
    }
    return s;
  }

  #metricPlan(m: MetricData, scope: number): MetricPlan {
    const d = m.descriptor;
    if (d.valueType !== ValueType.INT && d.valueType !== ValueType.DOUBLE) throw new UnsupportedMetricError(d.name, `value type ${String(d.valueType)}`);
    let header = this.#descriptors.get(d);
    if (!header) {
      header = message((w) => {
        w.stringField(1, d.name);
        if (d.description) w.stringField(2, d.description);
        if (d.unit) w.stringField(3, d.unit);
      });
      this.#descriptors.set(d, header);
    }
    const int = d.valueType === ValueType.INT;
    switch (m.dataPointType) {
      case DataPointType.GAUGE:
        return { scope, header, dataField: 5, tail: EMPTY, int };
      case DataPointType.SUM: {
        const temporality = temporalityNumber(m.aggregationTemporality);
        const tail = message((w) => {
          if (temporality !== 0) w.varintField(2, temporality);
          if (m.isMonotonic) w.varintField(3, 1);
        });
        return { scope, header, dataField: 7, tail, int };
      }
      default:
        throw new UnsupportedMetricError(d.name, `data point type ${DataPointType[m.dataPointType] ?? String(m.dataPointType)}`);
    }
  }
}

/** A slice's metric runs across its buckets (each bucket is in metric order) and the size of every message. */
function layout(buckets: readonly Bucket[], metrics: readonly MetricPlan[], scopes: readonly ScopeBytes[]): Slice {
  const cursors = new Int32Array(buckets.length);
  const runs: Run[] = [];
  let points = 0;
  for (;;) {
    let next = Infinity;
    for (let j = 0; j < buckets.length; j++) {
      const m = (buckets[j] as Bucket).metric[cursors[j] as number];
      if (m !== undefined && m < next) next = m;
    }
    if (next === Infinity) break;
    let pointBytes = 0;
    for (let j = 0; j < buckets.length; j++) {
      const b = buckets[j] as Bucket;
      let i = cursors[j] as number;
      for (; b.metric[i] === next; i++) pointBytes += lenFieldSize(POINT_FIXED_BYTES + (b.attributes[i] as Uint8Array).length);
      points += i - (cursors[j] as number);
      cursors[j] = i;
    }
    const mp = metrics[next] as MetricPlan;
    const data = pointBytes + mp.tail.length;
    runs.push({ metric: next, data, size: mp.header.length + lenFieldSize(data) });
  }
  const scopeSizes = new Map<number, number>();
  for (const r of runs) {
    const scope = (metrics[r.metric] as MetricPlan).scope;
    const s = scopes[scope] as ScopeBytes;
    scopeSizes.set(scope, (scopeSizes.get(scope) ?? s.field.length + s.schema.length) + lenFieldSize(r.size));
  }
  const resource = (buckets[0] as Bucket).resource;
  let size = resource.field.length + resource.schema.length;
  for (const scopeSize of scopeSizes.values()) size += lenFieldSize(scopeSize);
  return { buckets, runs, scopeSizes, size, points };
}

/** A request (the plan's whole one, or one of plan.requests) once its slices are written; a size other than planned would be a bug here, and a corrupt request. */
export function finishRequest(plan: { readonly bytes: number }, w: ProtoWriter): Buffer {
  if (w.pos !== plan.bytes) throw new AgentError('EXPORT', `OTLP request encoder wrote ${w.pos} bytes where it planned ${plan.bytes}`);
  return w.finish();
}
