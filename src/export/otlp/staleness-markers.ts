import { Client, Metadata } from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { buildMetadata, channelCredentials, grpcCompressionAlgorithm, type OtlpOptions } from './exporter.js';
import type { EndedSeries } from '../sdk/live-series.js';
import { ResourceGroups } from '../sdk/resource-groups.js';
import { SocketOwningCredentials } from './owned-sockets.js';

/**
 * Staleness markers ("this series ended"): one OTLP data point per ended series with the NoRecordedValue flag and
 * no value. The collector's prometheusremotewrite exporter turns such a point into Prometheus's
 * staleness marker, so a gone container disappears from instant queries at once instead of after the
 * 5-minute lookback. The JS SDK has no way to set data-point flags, so these few messages are encoded
 * here directly (field numbers from opentelemetry-proto: metrics/v1, common/v1, resource/v1,
 * collector/metrics/v1) and sent on a channel of their own.
 */

const FLAG_NO_RECORDED_VALUE = 1;
const TEMPORALITY_CUMULATIVE = 2;

// --- a minimal protobuf writer: messages are built inside out as Buffers -----------------------

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (field: number, wire: number): Buffer => varint((field << 3) | wire);
const bytesField = (field: number, b: Buffer): Buffer => Buffer.concat([tag(field, 2), varint(b.length), b]);
const stringField = (field: number, s: string): Buffer => bytesField(field, Buffer.from(s, 'utf8'));
const varintField = (field: number, n: number | bigint): Buffer => Buffer.concat([tag(field, 0), varint(n)]);
function fixed64Field(field: number, n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return Buffer.concat([tag(field, 1), b]);
}
function doubleField(field: number, x: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return Buffer.concat([tag(field, 1), b]);
}

/** common.v1.AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5 {values 1}. */
function anyValue(v: unknown): Buffer {
  if (Array.isArray(v)) return bytesField(5, Buffer.concat(v.map((x) => bytesField(1, anyValue(x)))));
  if (typeof v === 'boolean') return varintField(2, v ? 1 : 0);
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? varintField(3, v) : doubleField(4, v);
  return stringField(1, String(v));
}

/** repeated common.v1.KeyValue (key 1, value 2) at `field`. */
function keyValues(field: number, attrs: Attributes): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    parts.push(bytesField(field, Buffer.concat([stringField(1, k), bytesField(2, anyValue(v))])));
  }
  return Buffer.concat(parts);
}

const hrToNanos = ([s, ns]: [number, number]): bigint => BigInt(s) * 1_000_000_000n + BigInt(ns);

/** metrics.v1.NumberDataPoint: attributes 7, start 2, time 3, flags 8; no value (as_double/as_int absent). */
function endPoint(s: EndedSeries, nowNs: bigint): Buffer {
  return Buffer.concat([keyValues(7, s.attributes), fixed64Field(2, hrToNanos(s.startTime)), fixed64Field(3, nowNs), varintField(8, FLAG_NO_RECORDED_VALUE)]);
}

/** metrics.v1.Metric: name 1, description 2, unit 3, gauge 5 {data_points 1}, sum 7 {data_points 1, temporality 2, monotonic 3}. */
function metric(series: EndedSeries[], nowNs: bigint): Buffer {
  const first = series[0] as EndedSeries;
  const points = Buffer.concat(series.map((s) => bytesField(1, endPoint(s, nowNs))));
  const body =
    first.kind === 'gauge'
      ? bytesField(5, points)
      : bytesField(7, Buffer.concat([points, varintField(2, TEMPORALITY_CUMULATIVE), ...(first.monotonic ? [varintField(3, 1)] : [])]));
  return Buffer.concat([
    stringField(1, first.name),
    ...(first.description ? [stringField(2, first.description)] : []),
    ...(first.unit ? [stringField(3, first.unit)] : []),
    body,
  ]);
}

/**
 * collector.metrics.v1.ExportMetricsServiceRequest with the markers, one ResourceMetrics per resource
 * as the snapshot had them (sdk/resource-groups.ts): a semconv pod's or container's series is ended
 * under that pod's or container's resource, so it is the same series the collector received.
 */
export function encodeStalenessMarkers(resource: Resource, scopeName: string, ended: readonly EndedSeries[], nowNs: bigint): Buffer {
  const groups = new ResourceGroups();
  const byResource = new Map<string, { identity: Attributes; byName: Map<string, EndedSeries[]> }>();
  for (const s of ended) {
    const split = groups.split(s.attributes);
    let group = byResource.get(split.key);
    if (!group) {
      group = { identity: split.identity, byName: new Map() };
      byResource.set(split.key, group);
    }
    const series = split.key === '' ? s : { ...s, attributes: split.point };
    const list = group.byName.get(s.name);
    if (list) list.push(series);
    else group.byName.set(s.name, [series]);
  }
  const parts: Buffer[] = [];
  for (const { identity, byName } of byResource.values()) {
    const scopeMetrics = Buffer.concat([
      bytesField(1, stringField(1, scopeName)), // InstrumentationScope{name}
      ...[...byName.values()].map((list) => bytesField(2, metric(list, nowNs))),
    ]);
    const attrs = { ...resource.attributes, ...identity };
    parts.push(bytesField(1, Buffer.concat([bytesField(1, keyValues(1, attrs)), bytesField(2, scopeMetrics)])));
  }
  return Buffer.concat(parts);
}

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/**
 * Sends encoded marker requests to the same collector, with the same TLS settings, headers and
 * compression. After a failed send the channel is dropped and its sockets destroyed, as OtlpDelivery
 * does with the exporter: a collector that accepted the connection and never answers would
 * otherwise keep this one channel (and every later marker) stuck for good.
 */
export class StalenessMarkerSender {
  readonly #otlp: OtlpOptions;
  readonly #metadata: Metadata;
  #channel: { client: Client; sockets: SocketOwningCredentials } | undefined;

  constructor(otlp: OtlpOptions) {
    this.#otlp = otlp;
    this.#metadata = buildMetadata(otlp.headers);
  }

  send(request: Buffer): Promise<void> {
    const channel = (this.#channel ??= this.#connect());
    return new Promise((resolve, reject) => {
      channel.client.makeUnaryRequest(
        EXPORT_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        this.#metadata,
        { deadline: Date.now() + this.#otlp.timeoutMs },
        (err) => {
          if (!err) return resolve();
          this.#drop(channel);
          reject(err);
        },
      );
    });
  }

  close(): void {
    if (this.#channel) this.#drop(this.#channel);
  }

  #connect(): { client: Client; sockets: SocketOwningCredentials } {
    const url = new URL(this.#otlp.endpoint);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const sockets = new SocketOwningCredentials(channelCredentials(this.#otlp));
    const client = new Client(`${url.hostname}:${port}`, sockets, {
      'grpc.default_compression_algorithm': grpcCompressionAlgorithm(this.#otlp.compression),
    });
    return { client, sockets };
  }

  #drop(channel: { client: Client; sockets: SocketOwningCredentials }): void {
    if (this.#channel === channel) this.#channel = undefined;
    channel.client.close();
    channel.sockets.destroyAll();
  }
}
