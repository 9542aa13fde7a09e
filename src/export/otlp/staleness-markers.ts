import { Client, Metadata } from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { buildMetadata, channelCredentials, grpcCompressionAlgorithm, type OtlpOptions } from './exporter.js';
import type { EndedSeries } from '../sdk/live-series.js';
import { ResourceGroups } from '../sdk/resource-groups.js';
import { SocketOwningCredentials } from './owned-sockets.js';
import { message, type ProtoWriter } from './proto-writer.js';
import { writeKeyValues } from './request-encoder.js';

/**
 * Staleness markers ("this series ended"): one OTLP data point per ended series with the NoRecordedValue flag and
 * no value. The collector's prometheusremotewrite exporter turns such a point into Prometheus's
 * staleness marker, so a gone container disappears from instant queries at once instead of after the
 * 5-minute lookback. The JS SDK has no way to set data-point flags, so these few messages are encoded
 * here directly with the agent's protobuf writer (proto-writer.ts; field numbers from opentelemetry-proto:
 * metrics/v1, common/v1, resource/v1, collector/metrics/v1) and sent on a channel of their own.
 */

const FLAG_NO_RECORDED_VALUE = 1;
const TEMPORALITY_CUMULATIVE = 2;

const hrToNanos = ([s, ns]: [number, number]): bigint => BigInt(s) * 1_000_000_000n + BigInt(ns);

/** metrics.v1.NumberDataPoint: attributes 7, start 2, time 3, flags 8; no value (as_double/as_int absent). */
function endPoint(w: ProtoWriter, s: EndedSeries, nowNs: bigint): void {
  writeKeyValues(w, 7, s.attributes);
  w.nanosField(2, hrToNanos(s.startTime));
  w.nanosField(3, nowNs);
  w.varintField(8, FLAG_NO_RECORDED_VALUE);
}

/** metrics.v1.Metric: name 1, description 2, unit 3, gauge 5 {data_points 1}, sum 7 {data_points 1, temporality 2, monotonic 3}. */
function metric(w: ProtoWriter, series: EndedSeries[], nowNs: bigint): void {
  const first = series[0] as EndedSeries;
  w.stringField(1, first.name);
  if (first.description) w.stringField(2, first.description);
  if (first.unit) w.stringField(3, first.unit);
  const data = message((d) => {
    for (const s of series) d.bytesField(1, message((p) => endPoint(p, s, nowNs)));
    if (first.kind !== 'gauge') {
      d.varintField(2, TEMPORALITY_CUMULATIVE);
      if (first.monotonic) d.varintField(3, 1);
    }
  });
  w.bytesField(first.kind === 'gauge' ? 5 : 7, data);
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
  return message((request) => {
    for (const { identity, byName } of byResource.values()) {
      const attrs = { ...resource.attributes, ...identity };
      // ResourceMetrics { resource 1 { attributes 1 }, scope_metrics 2 { scope 1 { name 1 }, metrics 2 } }
      request.bytesField(
        1,
        message((rm) => {
          rm.bytesField(1, message((r) => writeKeyValues(r, 1, attrs)));
          rm.bytesField(
            2,
            message((sm) => {
              sm.bytesField(1, message((scope) => scope.stringField(1, scopeName)));
              for (const list of byName.values()) sm.bytesField(2, message((m) => metric(m, list, nowNs)));
            }),
          );
        }),
      );
    }
  });
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
