import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import type { IExportMetricsServiceResponse, ISerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { readPemFile } from '../../config/tls-files.js';
import { ConfigError } from '../../errors.js';
import { SocketOwningCredentials } from './owned-sockets.js';
import { countPoints } from '../sdk/count-points.js';
import { decodeExportResponse } from './export-response.js';
import { RequestEncoder } from './request-encoder.js';

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

/** An ExportMetricsServiceRequest already encoded (request-encoder.ts), with its number of data points. */
export interface EncodedRequest {
  bytes: Uint8Array;
  points: number;
}

/** An exporter that also takes requests already encoded: what OtlpDelivery sends and replays. */
export interface EncodedRequestExporter extends PushMetricExporter {
  /**
   * The bytes are the exporter's until it calls `done`, and no longer: OtlpDelivery writes its next
   * request into the same buffer once a send is done (delivered or refused for good).
   */
  exportEncoded(request: EncodedRequest, done: (result: ExportResult) => void): void;
}

export function takesEncodedRequests(e: PushMetricExporter): e is EncodedRequestExporter {
  return typeof (e as Partial<EncodedRequestExporter>).exportEncoded === 'function';
}

/**
 * The bytes go out as they are; grpc-js compresses the message itself (off the JS thread's encode).
 * The response is decoded by export-response.ts: the SDK's otlp-transformer is not loaded by the
 * agent (its multi-resource serializer, sdk-serializer.ts, is for tests and tools).
 */
const passThroughSerializer: ISerializer<EncodedRequest, IExportMetricsServiceResponse> = {
  serializeRequest: (request) => request.bytes,
  deserializeResponse: (data) => decodeExportResponse(data) as IExportMetricsServiceResponse,
};

/** The exporter's self-observability counts the request's data points (under the SDK's own item name for metrics). */
const encodedRequestHelper = {
  name: 'metric_data_point' as const,
  countItems: (request: EncodedRequest) => request.points,
};

/**
 * The SDK's OTLP/gRPC transport (the delegate OTLPMetricExporter is built on, same options), sending
 * requests podpulse encodes itself (request-encoder.ts: one ResourceMetrics per resource, the node's
 * cut into slices of containers). OtlpDelivery hands it encoded requests (exportEncoded); export()
 * encodes a snapshot first. Cumulative temporality (remote-write needs cumulative). Its shutdown()
 * closes every connection its channel opened, even one still waiting for the collector's handshake
 * (owned-sockets.ts), within SHUTDOWN_GRACE_MS.
 */
export function createOtlpExporter(otlp: OtlpOptions): EncodedRequestExporter {
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
    passThroughSerializer,
    'otlp_grpc_metric_exporter',
    encodedRequestHelper,
    undefined,
    'MetricsExportService',
    EXPORT_PATH,
  );
  let encoder: RequestEncoder | undefined;
  return {
    export: (rm, done) => {
      let request: EncodedRequest;
      try {
        encoder ??= new RequestEncoder();
        const bytes = encoder.encode(rm);
        request = { bytes, points: countPoints(rm) };
      } catch (error) {
        return done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
      delegate.export(request, done);
    },
    exportEncoded: (request, done) => delegate.export(request, done),
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
