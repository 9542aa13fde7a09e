/**
 * An in-process OTLP/gRPC metrics receiver for tests: a real grpc-js server implementing
 * `opentelemetry.proto.collector.metrics.v1.MetricsService/Export` on 127.0.0.1, decoding each
 * `ExportMetricsServiceRequest` with our own proto subset (test/protos, upstream names and field
 * numbers). Tests point an exporter (or the whole agent) at `url` and assert on what arrived.
 *
 * Outage scripting: `failNext(code, n)` answers the next n calls with a gRPC status,
 * `delayNext(ms, n)` answers late (deadline tests), `setDown()`/`setUp()` stop and rebind the
 * same port (connection refused while down, as when a collector restarts).
 *
 * Decoding uses proto-loader with keepCase, longs: String, enums: String, defaults, oneofs, so the
 * raw `requests` keep snake_case names, 64-bit integers as decimal strings and enums by name.
 * `flattenRequest()` turns one into a compact shape that is easy to assert on.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO_ROOT = fileURLToPath(new URL('../protos/', import.meta.url));
const SERVICE_PROTO = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';

// ---------------------------------------------------------------------------------------------
// Decoded wire shape (what proto-loader yields with the options above). Only what we read.

export interface RawAnyValue {
  value?: 'string_value' | 'bool_value' | 'int_value' | 'double_value' | 'array_value' | 'kvlist_value' | 'bytes_value';
  string_value?: string;
  bool_value?: boolean;
  int_value?: string;
  double_value?: number;
  array_value?: { values: RawAnyValue[] };
  kvlist_value?: { values: RawKeyValue[] };
  bytes_value?: Buffer;
}

export interface RawKeyValue {
  key: string;
  value: RawAnyValue | null;
}

export interface RawNumberDataPoint {
  attributes: RawKeyValue[];
  start_time_unix_nano: string;
  time_unix_nano: string;
  value?: 'as_double' | 'as_int';
  as_double?: number;
  as_int?: string;
  flags: number;
}

export interface RawMetric {
  name: string;
  description: string;
  unit: string;
  data?: 'gauge' | 'sum';
  gauge?: { data_points: RawNumberDataPoint[] };
  sum?: { data_points: RawNumberDataPoint[]; aggregation_temporality: string; is_monotonic: boolean };
}

export interface RawScopeMetrics {
  scope: { name: string; version: string; attributes: RawKeyValue[] } | null;
  metrics: RawMetric[];
  schema_url: string;
}

export interface RawResourceMetrics {
  resource: { attributes: RawKeyValue[]; dropped_attributes_count: number } | null;
  scope_metrics: RawScopeMetrics[];
  schema_url: string;
}

/** One decoded `ExportMetricsServiceRequest`. */
export interface ExportRequest {
  resource_metrics: RawResourceMetrics[];
}

// ---------------------------------------------------------------------------------------------
// Flattened shape for assertions.

export type AttrValue = string | number | boolean | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface FlatPoint {
  attributes: Attributes;
  /** as_double, or as_int converted to number (see exactInt for counters beyond 2^53). */
  value: number;
  valueType: 'double' | 'int';
  /** Exact as_int value; undefined for double points. */
  exactInt?: bigint;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

export interface FlatMetric {
  name: string;
  unit: string;
  description: string;
  /** 'unsupported' for histogram/summary payloads, which our proto subset does not declare. */
  kind: 'gauge' | 'sum' | 'unsupported';
  /** Only for sums. */
  monotonic?: boolean;
  /** Only for sums. */
  temporality?: 'CUMULATIVE' | 'DELTA' | 'UNSPECIFIED';
  /** Instrumentation scope name (the meter name). */
  scope: string;
  points: FlatPoint[];
}

export interface FlatRequest {
  resource: Attributes;
  metrics: FlatMetric[];
}

/** Converts one OTLP AnyValue; ints beyond 2^53 stay decimal strings so nothing is rounded. */
export function anyValueToJs(v: RawAnyValue | null | undefined): AttrValue {
  if (!v || !v.value) return '';
  switch (v.value) {
    case 'string_value':
      return v.string_value ?? '';
    case 'bool_value':
      return v.bool_value ?? false;
    case 'int_value': {
      const s = v.int_value ?? '0';
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : s;
    }
    case 'double_value':
      return v.double_value ?? 0;
    case 'array_value':
      return (v.array_value?.values ?? []).map(anyValueToJs);
    case 'kvlist_value':
      return attributesToJs(v.kvlist_value?.values ?? []);
    case 'bytes_value':
      return v.bytes_value ? v.bytes_value.toString('base64') : '';
  }
}

export function attributesToJs(kvs: RawKeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of kvs) out[kv.key] = anyValueToJs(kv.value);
  return out;
}

function flattenPoint(p: RawNumberDataPoint): FlatPoint {
  const base = {
    attributes: attributesToJs(p.attributes),
    startTimeUnixNano: BigInt(p.start_time_unix_nano),
    timeUnixNano: BigInt(p.time_unix_nano),
    flags: p.flags,
  };
  if (p.value === 'as_int') {
    const exact = BigInt(p.as_int ?? '0');
    return { ...base, value: Number(exact), valueType: 'int', exactInt: exact };
  }
  return { ...base, value: p.as_double ?? 0, valueType: 'double' };
}

const TEMPORALITY: Record<string, FlatMetric['temporality']> = {
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'CUMULATIVE',
  AGGREGATION_TEMPORALITY_DELTA: 'DELTA',
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 'UNSPECIFIED',
};

function flattenMetric(m: RawMetric, scope: string): FlatMetric {
  const common = { name: m.name, unit: m.unit, description: m.description, scope };
  if (m.data === 'gauge' && m.gauge) {
    return { ...common, kind: 'gauge', points: m.gauge.data_points.map(flattenPoint) };
  }
  if (m.data === 'sum' && m.sum) {
    return {
      ...common,
      kind: 'sum',
      monotonic: m.sum.is_monotonic,
      temporality: TEMPORALITY[m.sum.aggregation_temporality] ?? 'UNSPECIFIED',
      points: m.sum.data_points.map(flattenPoint),
    };
  }
  return { ...common, kind: 'unsupported', points: [] };
}

/** One ResourceMetrics → { resource, metrics } (metrics of all scopes, in wire order). */
export function flattenResourceMetrics(rm: RawResourceMetrics): FlatRequest {
  return {
    resource: attributesToJs(rm.resource?.attributes ?? []),
    metrics: rm.scope_metrics.flatMap((sm) => sm.metrics.map((m) => flattenMetric(m, sm.scope?.name ?? ''))),
  };
}

/**
 * A request → { resource, metrics }. The agent sends the node's resource as several ResourceMetrics
 * entries with the same resource (a slice of containers each, for gzip: export/otlp/request-encoder.ts);
 * those are one resource, so their metrics are merged by name (points concatenated). A request with
 * different resources would be ambiguous here, so it throws and the caller should use
 * flattenResourceMetrics on each.
 */
export function flattenRequest(req: ExportRequest): FlatRequest {
  if (req.resource_metrics.length === 0) return { resource: {}, metrics: [] };
  const [first, ...rest] = req.resource_metrics.map(flattenResourceMetrics) as [FlatRequest, ...FlatRequest[]];
  const key = JSON.stringify(first.resource);
  if (rest.some((r) => JSON.stringify(r.resource) !== key)) {
    throw new Error(`request has ${req.resource_metrics.length} ResourceMetrics of different resources; use flattenResourceMetrics`);
  }
  return mergeSameResource([first, ...rest]);
}

/** ResourceMetrics entries of one resource as one: each metric once (first seen order), its points in wire order. */
export function mergeSameResource(entries: readonly FlatRequest[]): FlatRequest {
  const byName = new Map<string, FlatMetric>();
  for (const e of entries) {
    for (const m of e.metrics) {
      const known = byName.get(`${m.scope}\u0000${m.name}`);
      if (known) known.points.push(...m.points);
      else byName.set(`${m.scope}\u0000${m.name}`, { ...m, points: [...m.points] });
    }
  }
  return { resource: entries[0]?.resource ?? {}, metrics: [...byName.values()] };
}

/** The metric named `name`; throws listing what the request does hold, so failures read well. */
export function findMetric(req: FlatRequest, name: string): FlatMetric {
  const m = req.metrics.find((x) => x.name === name);
  if (!m) throw new Error(`metric ${name} not in request; have: ${req.metrics.map((x) => x.name).join(', ')}`);
  return m;
}

/** The single point whose attributes include every key/value of `match`; throws on 0 or >1. */
export function findPoint(metric: FlatMetric, match: Attributes): FlatPoint {
  const hits = metric.points.filter((p) =>
    Object.entries(match).every(([k, v]) => JSON.stringify(p.attributes[k]) === JSON.stringify(v)),
  );
  if (hits.length !== 1) {
    throw new Error(
      `${metric.name}: expected 1 point matching ${JSON.stringify(match)}, found ${hits.length} ` +
        `among ${JSON.stringify(metric.points.map((p) => p.attributes))}`,
    );
  }
  return hits[0] as FlatPoint;
}

// ---------------------------------------------------------------------------------------------
// The server.

export interface OtlpReceiverOptions {
  /** Port to bind on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Largest request accepted, bytes (default 64 MiB: scale tests send big batches). */
  maxReceiveMessageBytes?: number;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: what OTLPMetricExporter's `url` option takes for plaintext gRPC. */
  readonly url: string;
  readonly port: number;
  /** Requests answered OK, in arrival order. */
  readonly requests: ExportRequest[];
  /** Requests answered with a scripted error status, or whose caller gave up during a delay. */
  readonly rejected: ExportRequest[];
  /** Metadata (headers) of every call, accepted or not, in arrival order. */
  readonly metadata: grpc.Metadata[];
  /** Whether the server is listening (false after setDown()/stop()). */
  readonly isUp: boolean;
  /** Resolves with `requests` once at least n were accepted; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs?: number): Promise<ExportRequest[]>;
  /** Answer the next `count` calls with this gRPC status (e.g. grpc.status.UNAVAILABLE). */
  failNext(code: grpc.status, count?: number, details?: string): void;
  /** Answer the next `count` calls OK but only after `ms` (to trip client deadlines). */
  delayNext(ms: number, count?: number): void;
  /** Every accepted request, flattened. */
  flat(): FlatRequest[];
  /** The most recent accepted request, flattened (undefined before the first). */
  latest(): FlatRequest | undefined;
  /** Forget recorded requests, metadata and scripted behaviour. */
  clear(): void;
  /** Close the listener and drop open connections, keeping the port for setUp(). */
  setDown(): Promise<void>;
  /** Listen again on the same port. */
  setUp(): Promise<void>;
  /** Shut down for good; pending waitForRequests calls reject. */
  stop(): Promise<void>;
}

type Plan = { kind: 'fail'; code: grpc.status; details: string } | { kind: 'delay'; ms: number };

interface Waiter {
  n: number;
  resolve: (r: ExportRequest[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

function loadService(): grpc.ServiceDefinition {
  const def = protoLoader.loadSync(SERVICE_PROTO, {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    opentelemetry: { proto: { collector: { metrics: { v1: { MetricsService: grpc.ServiceClientConstructor } } } } };
  };
  return pkg.opentelemetry.proto.collector.metrics.v1.MetricsService.service;
}

/** Decodes an encoded ExportMetricsServiceRequest with the receiver's own proto subset. */
export function decodeExportRequest(buf: Buffer): ExportRequest {
  const method = loadService().Export as grpc.MethodDefinition<unknown, unknown>;
  return method.requestDeserialize(buf) as ExportRequest;
}

/** An ExportMetricsServiceResponse encoded by the OTLP proto (snake_case fields, as the proto names them). */
export function encodeExportResponse(response: { partial_success?: { rejected_data_points?: number; error_message?: string } }): Buffer {
  const method = loadService().Export as grpc.MethodDefinition<unknown, unknown>;
  return method.responseSerialize(response);
}

function bind(server: grpc.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

/** Starts a receiver on 127.0.0.1 (ephemeral port unless `opts.port`). Always `stop()` it. */
export async function startOtlpReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const service = loadService();
  const maxBytes = opts.maxReceiveMessageBytes ?? 64 * 1024 * 1024;
  const requests: ExportRequest[] = [];
  const rejected: ExportRequest[] = [];
  const metadata: grpc.Metadata[] = [];
  const plans: Plan[] = [];
  const waiters = new Set<Waiter>();
  const pendingDelays = new Set<NodeJS.Timeout>();
  let server: grpc.Server | undefined;
  let stopped = false;

  function accept(req: ExportRequest): void {
    requests.push(req);
    for (const w of waiters) {
      if (requests.length >= w.n) {
        clearTimeout(w.timer);
        waiters.delete(w);
        w.resolve(requests);
      }
    }
  }

  const handlers: grpc.UntypedServiceImplementation = {
    Export(
      call: grpc.ServerUnaryCall<ExportRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ): void {
      metadata.push(call.metadata);
      const plan = plans.shift();
      if (plan?.kind === 'fail') {
        rejected.push(call.request);
        callback({ code: plan.code, details: plan.details });
        return;
      }
      const ok = { partial_success: null };
      if (plan?.kind === 'delay') {
        const t = setTimeout(() => {
          pendingDelays.delete(t);
          if (call.cancelled) {
            rejected.push(call.request);
            return;
          }
          accept(call.request);
          callback(null, ok);
        }, plan.ms);
        pendingDelays.add(t);
        return;
      }
      accept(call.request);
      callback(null, ok);
    },
  };

  async function listen(port: number): Promise<number> {
    const s = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes });
    s.addService(service, handlers);
    const bound = await bind(s, port);
    server = s;
    return bound;
  }

  function down(): void {
    for (const t of pendingDelays) clearTimeout(t);
    pendingDelays.clear();
    server?.forceShutdown();
    server = undefined;
  }

  const port = await listen(opts.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    rejected,
    metadata,
    get isUp() {
      return server !== undefined;
    },
    waitForRequests(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      if (stopped) return Promise.reject(new Error('OTLP receiver is stopped'));
      return new Promise((resolve, reject) => {
        const w: Waiter = {
          n,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(w);
            reject(
              new Error(
                `OTLP receiver: expected ${n} accepted request(s) within ${timeoutMs} ms, ` +
                  `got ${requests.length} (rejected ${rejected.length})`,
              ),
            );
          }, timeoutMs),
        };
        waiters.add(w);
      });
    },
    failNext(code, count = 1, details = `scripted failure (${grpc.status[code]})`) {
      for (let i = 0; i < count; i++) plans.push({ kind: 'fail', code, details });
    },
    delayNext(ms, count = 1) {
      for (let i = 0; i < count; i++) plans.push({ kind: 'delay', ms });
    },
    flat() {
      return requests.map(flattenRequest);
    },
    latest() {
      const last = requests[requests.length - 1];
      return last ? flattenRequest(last) : undefined;
    },
    clear() {
      requests.length = 0;
      rejected.length = 0;
      metadata.length = 0;
      plans.length = 0;
    },
    async setDown() {
      down();
    },
    async setUp() {
      if (stopped) throw new Error('OTLP receiver is stopped');
      if (server) return;
      // The old listener closes asynchronously; retry briefly instead of failing on EADDRINUSE.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async stop() {
      stopped = true;
      down();
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('OTLP receiver stopped while waiting for requests'));
      }
      waiters.clear();
    },
  };
}
