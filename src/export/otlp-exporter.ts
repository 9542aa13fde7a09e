import { readFileSync } from 'node:fs';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { AgentConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Plaintext for http:// (or when forced), TLS with optional CA and client cert for https://. */
export function channelCredentials(otlp: AgentConfig['export']['otlp']): ChannelCredentials {
  const url = new URL(otlp.endpoint);
  if (url.protocol === 'http:' || otlp.tls.insecure) return credentials.createInsecure();
  const ca = otlp.tls.ca ? readPem(otlp.tls.ca, 'export.otlp.tls.ca') : null;
  const key = otlp.tls.key ? readPem(otlp.tls.key, 'export.otlp.tls.key') : null;
  const cert = otlp.tls.cert ? readPem(otlp.tls.cert, 'export.otlp.tls.cert') : null;
  return credentials.createSsl(ca, key, cert);
}

type SdkCompression = NonNullable<ConstructorParameters<typeof OTLPMetricExporter>[0]>['compression'];

/** grpc-js' number for `grpc.default_compression_algorithm` (0 identity, 2 gzip). */
export function grpcCompressionAlgorithm(compression: AgentConfig['export']['otlp']['compression']): number {
  return compression === 'gzip' ? 2 : 0;
}

/** The SDK's OTLP/gRPC exporter, cumulative temporality (remote-write needs cumulative). */
export function createOtlpExporter(otlp: AgentConfig['export']['otlp']): PushMetricExporter {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(otlp.headers)) metadata.set(k.toLowerCase(), v);
  return new OTLPMetricExporter({
    url: otlp.endpoint,
    credentials: channelCredentials(otlp),
    metadata,
    timeoutMillis: otlp.timeoutMs,
    temporalityPreference: AggregationTemporality.CUMULATIVE,
    // The SDK's enum has exactly these two string values; gzip shrinks a snapshot's repeated label
    // strings several-fold on the wire (figures in docs/deploy.md).
    compression: otlp.compression as SdkCompression,
  });
}
