import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { AgentConfig } from '../config/load.js';
import { readPemFile } from '../config/tls-files.js';

/** Plaintext for http:// (or when forced), TLS with optional CA and client cert for https://. */
export function channelCredentials(otlp: AgentConfig['export']['otlp']): ChannelCredentials {
  const url = new URL(otlp.endpoint);
  if (url.protocol === 'http:' || otlp.tls.insecure) return credentials.createInsecure();
  // loadConfig checked these files already; reading again here sees the file as it is now (ConfigError if it changed).
  const ca = otlp.tls.ca ? readPemFile('export.otlp.tls.ca', otlp.tls.ca, 'certificate') : null;
  const key = otlp.tls.key ? readPemFile('export.otlp.tls.key', otlp.tls.key, 'private key') : null;
  const cert = otlp.tls.cert ? readPemFile('export.otlp.tls.cert', otlp.tls.cert, 'certificate') : null;
  return credentials.createSsl(ca, key, cert);
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
  });
}
