/**
 * A minimal OTLP/gRPC metrics receiver on 127.0.0.1 for the soak: it accepts every Export call and
 * keeps counts only (requests, data points, the agent's own podpulse_containers and
 * podpulse_exports_total values), so a long soak holds no payloads. The request is walked in
 * protobuf wire format instead of being decoded, which needs no .proto files at run time.
 *
 * Field numbers (opentelemetry-proto, metrics/v1 and collector/metrics/v1):
 *   ExportMetricsServiceRequest.resource_metrics = 1; ResourceMetrics.scope_metrics = 2;
 *   ScopeMetrics.metrics = 2; Metric.name = 1, gauge = 5, sum = 7; Gauge/Sum.data_points = 1;
 *   NumberDataPoint.as_double = 4 (fixed64), as_int = 6 (sfixed64), attributes = 7, flags = 8;
 *   KeyValue.key = 1, value = 2; AnyValue.string_value = 1.
 */
import * as grpc from '@grpc/grpc-js';

export interface ExportCounts {
  requests: number;
  /** Requests with at least one data point (flags 0); the rest are end markers. */
  dataRequests: number;
  points: number;
  /** Latest podpulse_containers value the agent reported. */
  containers?: number;
  /** Latest podpulse_exports_total by result. */
  agentExports: { success?: number; failure?: number };
}

export interface OtlpCounter {
  readonly url: string;
  readonly counts: ExportCounts;
  stop(): Promise<void>;
}

/** One protobuf field: number, wire type, and its varint / bytes / 64-bit payload. */
interface Field {
  no: number;
  varint?: bigint;
  bytes?: Buffer;
  fixed64?: Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, varint: varint() };
    else if (wire === 1) {
      yield { no, fixed64: buf.subarray(i, i + 8) };
      i += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      yield { no, bytes: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function sub(buf: Buffer, no: number): Buffer[] {
  const out: Buffer[] = [];
  for (const f of fields(buf)) if (f.no === no && f.bytes) out.push(f.bytes);
  return out;
}

interface Point {
  value?: number;
  flags: number;
  attrs: Map<string, string>;
}

function point(buf: Buffer): Point {
  const p: Point = { flags: 0, attrs: new Map() };
  for (const f of fields(buf)) {
    if (f.no === 4 && f.fixed64) p.value = f.fixed64.readDoubleLE(0);
    else if (f.no === 6 && f.fixed64) p.value = Number(f.fixed64.readBigInt64LE(0));
    else if (f.no === 8 && f.varint !== undefined) p.flags = Number(f.varint);
    else if (f.no === 7 && f.bytes) {
      const [key] = sub(f.bytes, 1);
      const [any] = sub(f.bytes, 2);
      const [str] = any ? sub(any, 1) : [];
      if (key) p.attrs.set(key.toString('utf8'), str ? str.toString('utf8') : '');
    }
  }
  return p;
}

/** Adds one ExportMetricsServiceRequest to `c`. */
export function countRequest(buf: Buffer, c: ExportCounts): void {
  c.requests++;
  let data = false;
  for (const rm of sub(buf, 1)) {
    for (const sm of sub(rm, 2)) {
      for (const m of sub(sm, 2)) {
        const name = sub(m, 1)[0]?.toString('utf8') ?? '';
        for (const holder of [...sub(m, 5), ...sub(m, 7)]) {
          for (const dp of sub(holder, 1)) {
            const p = point(dp);
            c.points++;
            if (p.flags === 0) data = true;
            if (p.value === undefined) continue;
            if (name === 'podpulse_containers') c.containers = p.value;
            if (name === 'podpulse_exports_total') {
              const result = p.attrs.get('result');
              if (result === 'success' || result === 'failure') c.agentExports[result] = p.value;
            }
          }
        }
      }
    }
  }
  if (data) c.dataRequests++;
}

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/** Starts the receiver on 127.0.0.1 at an ephemeral port. */
export async function startOtlpCounter(): Promise<OtlpCounter> {
  const counts: ExportCounts = { requests: 0, dataRequests: 0, points: 0, agentExports: {} };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const service: grpc.ServiceDefinition = {
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestDeserialize: (b: Buffer) => b,
      requestSerialize: (b: Buffer) => b,
      // An empty ExportMetricsServiceResponse is zero bytes.
      responseSerialize: () => Buffer.alloc(0),
      responseDeserialize: (b: Buffer) => b,
    },
  };
  server.addService(service, {
    Export(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      try {
        countRequest(call.request, counts);
        callback(null, Buffer.alloc(0));
      } catch (err) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
