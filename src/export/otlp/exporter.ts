import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import type { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import { MetricsExporterMetricsHelper, ProtobufMetricsSerializer, type IExportMetricsServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { readPemFile } from '../../config/tls-files.js';
import { ConfigError } from '../../errors.js';
import { SocketOwningCredentials } from './owned-sockets.js';
import { ResourceGroups } from '../sdk/resource-groups.js';

/**
 * Where and how to push (config's export.otlp, as plain values). The TLS files are read by path
 * through config's PEM reader, so a bad file gets the same message as at startup.
 */
export interface OtlpOptions {
  endpoint: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  compression: 'gzip' | 'none';
  tls: { ca: string; cert: string; key: string; insecure: boolean };
}

/** Plaintext for http:// (or when forced), TLS with optional CA and client cert for https://. */
export function channelCredentials(otlp: OtlpOptions): ChannelCredentials {
  const url = new URL(otlp.endpoint);
  if (url.protocol === 'http:' || otlp.tls.insecure) return credentials.createInsecure();
  // loadConfig checked these files already; reading again here sees the file as it is now (ConfigError if it changed).
  const ca = otlp.tls.ca ? readPemFile('export.otlp.tls.ca', otlp.tls.ca, 'certificate') : null;
  const key = otlp.tls.key ? readPemFile('export.otlp.tls.key', otlp.tls.key, 'private key') : null;
  const cert = otlp.tls.cert ? readPemFile('export.otlp.tls.cert', otlp.tls.cert, 'certificate') : null;
  return credentials.createSsl(ca, key, cert);
}

type SdkCompression = NonNullable<ConstructorParameters<typeof OTLPMetricExporter>[0]>['compression'];

/** grpc-js' number for `grpc.default_compression_algorithm` (0 identity, 2 gzip). */
export function grpcCompressionAlgorithm(compression: OtlpOptions['compression']): number {
  return compression === 'gzip' ? 2 : 0;
}

/**
 * gRPC metadata from export.otlp.headers. grpc-js rejects a key or value with characters HTTP/2
 * headers cannot carry, quoting the value in its error: the error is replaced by one that names the
 * key only, since header values are usually credentials.
 */
export function buildMetadata(headers: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) {
    try {
      metadata.set(k.toLowerCase(), v);
    } catch {
      throw new ConfigError(
        `export.otlp.headers: the header "${k.replace(/[^\x21-\x7e]/g, '?')}" cannot be sent over gRPC: its name or value holds characters HTTP/2 headers do not allow (the value is not shown)`,
      );
    }
  }
  return metadata;
}

/** How long shutdown waits for the SDK exporter's pending exports before closing its sockets anyway. */
const SHUTDOWN_GRACE_MS = 1000;
const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/**
 * ONE ExportMetricsServiceRequest holding several ResourceMetrics. The SDK's serializer encodes one
 * ResourceMetrics as a request with a single `resource_metrics` (field 1) entry; protobuf parses
 * concatenated messages as one message whose repeated fields are concatenated, so the requests of
 * each ResourceMetrics, joined, are exactly the request that lists them all.
 */
export const multiResourceSerializer: ISerializer<ResourceMetrics[], IExportMetricsServiceResponse> = {
  serializeRequest(list) {
    const parts = list.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)).filter((b): b is Uint8Array => b !== undefined);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  },
  deserializeResponse: (data) => ProtobufMetricsSerializer.deserializeResponse(data),
};

/** The exporter's self-observability counts data points of every resource in the request. */
const multiResourceHelper = {
  name: MetricsExporterMetricsHelper.name,
  countItems: (list: ResourceMetrics[]) => list.reduce((n, rm) => n + MetricsExporterMetricsHelper.countItems(rm), 0),
};

/**
 * The SDK's OTLP/gRPC transport (the delegate OTLPMetricExporter is built on, same options), sending
 * each collection as one request with one ResourceMetrics per resource (sdk/resource-groups.ts): the
 * node's, and in the semconv profile one per pod and container. Cumulative temporality (remote-write
 * needs cumulative). Its shutdown() closes every connection its channel opened, even one still
 * waiting for the collector's handshake (owned-sockets.ts), within SHUTDOWN_GRACE_MS.
 */
export function createOtlpExporter(otlp: OtlpOptions): PushMetricExporter {
  const metadata = buildMetadata(otlp.headers);
  const credentials = new SocketOwningCredentials(channelCredentials(otlp));
  const delegate = createOtlpGrpcExportDelegate(
    convertLegacyOtlpGrpcOptions(
      {
        url: otlp.endpoint,
        credentials,
        metadata,
        timeoutMillis: otlp.timeoutMs,
        // The SDK's enum has exactly these two string values; gzip shrinks a snapshot's repeated label
        // strings several-fold on the wire (figures in docs/deploy.md).
        compression: otlp.compression as SdkCompression,
      },
      'METRICS',
    ),
    multiResourceSerializer,
    'otlp_grpc_metric_exporter',
    multiResourceHelper,
    undefined,
    'MetricsExportService',
    EXPORT_PATH,
  );
  const groups = new ResourceGroups();
  return {
    export: (rm, done) => delegate.export(groups.regroup(rm), done),
    forceFlush: () => delegate.forceFlush(),
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          delegate.shutdown().catch(() => undefined),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
            timer.unref();
          }),
        ]);
      } finally {
        clearTimeout(timer);
        credentials.destroyAll();
      }
    },
  };
}
