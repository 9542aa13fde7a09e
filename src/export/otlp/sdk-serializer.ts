import { ProtobufMetricsSerializer, type IExportMetricsServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * ONE ExportMetricsServiceRequest holding several ResourceMetrics, by the SDK's serializer (for
 * tests and tools that want the SDK's own bytes; the agent sends RequestEncoder's and does not load
 * this module). The SDK's serializer encodes one ResourceMetrics as a request with a single
 * `resource_metrics` (field 1) entry; protobuf parses concatenated messages as one message whose
 * repeated fields are concatenated, so the requests of each ResourceMetrics, joined, are exactly the
 * request that lists them all.
 */
export const multiResourceSerializer: ISerializer<ResourceMetrics[], IExportMetricsServiceResponse> = {
  serializeRequest(list) {
    const parts = list.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)).filter((b): b is Uint8Array => b !== undefined);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  },
  deserializeResponse: (data) => ProtobufMetricsSerializer.deserializeResponse(data),
};
