import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { countPoints } from '../sdk/count-points.js';
import type { EndedSeries } from '../sdk/live-series.js';
import { takesEncodedRequests, type EncodedRequest } from './exporter.js';
import { ProtoWriter } from './proto-writer.js';
import { finishRequest, RequestEncoder } from './request-encoder.js';
import { encodeStalenessMarkers } from './staleness-markers.js';
import type { SelfStats } from '../../telemetry/self-stats.js';

/** gRPC status codes the OTLP spec calls retryable (RESOURCE_EXHAUSTED: only later, by replay). */
const RETRY_NOW = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 10 /* ABORTED */, 11 /* OUT_OF_RANGE */, 14 /* UNAVAILABLE */, 15 /* DATA_LOSS */]);
// UNAUTHENTICATED is kept for replay too: a rotated or mistyped token is fixed on the collector side
// while the agent keeps running, and the snapshots of that window then still arrive.
const RETRY_LATER = new Set([8 /* RESOURCE_EXHAUSTED */, 16 /* UNAUTHENTICATED */]);
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export interface DeliveryReport {
  /** 'ok': this cycle's snapshot reached the collector; 'disabled': no OTLP endpoint configured. */
  outcome: 'ok' | 'failed' | 'disabled';
  reason?: string;
  points: number;
  /** Snapshots waiting for replay after this cycle. */
  queued: number;
  attempts: number;
}

export interface OtlpDeliveryOptions {
  /** Undefined when OTLP export is disabled. */
  otlp?: PushMetricExporter;
  /**
   * A fresh exporter to use after a cycle that could not deliver. grpc-js backs off reconnecting
   * (up to two minutes after a long outage) and fails every call meanwhile, so a collector that is
   * back would otherwise wait for the backoff; a new channel connects at the next attempt.
   */
  renew?: () => PushMetricExporter;
  /** Where staleness markers go (staleness-markers.ts); undefined: no markers. */
  stalenessMarkers?: { send(request: Buffer): Promise<void> };
  /** Failed snapshots kept for replay, oldest dropped first. */
  replaySnapshots: number;
  /**
   * The replay queue's bound in bytes of encoded requests, oldest dropped first; default
   * REPLAY_MAX_BYTES. The newest snapshot is always tried once, whatever its size.
   */
  replayMaxBytes?: number;
  /** The request encoder (default: a RequestEncoder of the delivery's own; the benchmark passes one that times itself). */
  encoder?: RequestEncoder;
  /** How long one cycle may spend retrying (must end before the next cycle). */
  retryBudgetMs: number;
  stats: SelfStats;
  /** Every snapshot, before delivery (feeds the optional Prometheus endpoint). */
  onSnapshot?: (rm: ResourceMetrics) => void;
  onReport?: (report: DeliveryReport) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * 64 MiB of OTLP requests: about six snapshots of a 1,000-container node (some 10 MiB each on the
 * wire), so a long collector outage on a dense node cannot grow the agent's memory without bound.
 */
export const REPLAY_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Points encoded between two yields to the event loop: some 3 ms of encoding, so a 1,000-container
 * snapshot does not hold timers and gRPC callbacks for its whole encode.
 */
const POINTS_PER_YIELD = 4096;

/** A snapshot in the replay queue: its request as sent (kept as bytes, not as the SDK's object tree). */
interface Queued {
  request: EncodedRequest;
  /** Only for an exporter that takes ResourceMetrics (tests' in-memory sinks), not encoded requests. */
  rm?: ResourceMetrics;
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function describeExportError(error: unknown): string {
  const code = grpcCode(error);
  const raw = (error as { details?: string; message?: string } | undefined)?.details ?? (error as Error | undefined)?.message ?? String(error);
  // grpc-js appends an empty "Resolution note:" and nests "Error: " prefixes; keep the useful part.
  const details = raw.replace(/\s*Resolution note:\s*$/, '').replace(/Last error: Error: /, 'last error: ').trim().replace(/\.$/, '');
  return code === undefined ? details : `${STATUS_NAMES[code] ?? code}: ${details}`;
}

/**
 * Delivers snapshots to the OTLP exporter with what the SDK's gRPC exporter lacks: retries with
 * backoff for the spec's retryable codes, a bounded replay queue so gauges survive a short collector
 * outage, and counts of what was retried and dropped. Cumulative counters lose nothing either way;
 * the queue is for gauge fidelity. Exports are serialized so a slow collector never overlaps cycles.
 */
export class OtlpDelivery implements PushMetricExporter {
  #opts: OtlpDeliveryOptions;
  #queue: Queued[] = [];
  #encoder: RequestEncoder;
  #otlp: PushMetricExporter | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;

  constructor(opts: OtlpDeliveryOptions) {
    this.#opts = opts;
    this.#otlp = opts.otlp;
    this.#encoder = opts.encoder ?? new RequestEncoder();
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref?.()));
  }

  get queued(): number {
    return this.#queue.length;
  }

  export(rm: ResourceMetrics, done: (result: ExportResult) => void): void {
    const run = this.#chain.then(() => this.#deliver(rm));
    this.#chain = run.catch(() => undefined);
    run.then(
      (report) => {
        this.#opts.onReport?.(report);
        done(report.outcome === 'failed' ? { code: ExportResultCode.FAILED, error: new Error(report.reason) } : { code: ExportResultCode.SUCCESS });
      },
      (err: unknown) => done({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }

  async #deliver(rm: ResourceMetrics): Promise<DeliveryReport> {
    const points = countPoints(rm);
    this.#opts.onSnapshot?.(rm);
    const otlp = this.#otlp;
    if (!otlp) return { outcome: 'disabled', points, queued: 0, attempts: 0 };

    const request = await this.#encode(rm);
    const entry: Queued = takesEncodedRequests(otlp) ? { request } : { request, rm };
    this.#queue.push(entry);
    const maxBytes = this.#opts.replayMaxBytes ?? REPLAY_MAX_BYTES;
    while (this.#queue.length > this.#opts.replaySnapshots + 1 || (this.#queue.length > 1 && this.#queuedBytes() > maxBytes)) {
      const dropped = this.#dequeue();
      this.#opts.stats.recordDroppedPoints(dropped.request.points);
    }
    const deadline = this.#now() + this.#opts.retryBudgetMs;
    let attempts = 0;
    let reason: string | undefined;
    let refused = false;
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Queued;
      const r = await this.#sendWithRetry(otlp, head, deadline);
      attempts += r.attempts;
      if (r.ok) {
        this.#dequeue();
        continue;
      }
      reason = r.reason;
      if (r.permanent) {
        // The collector refused the data itself: sending it again would be refused again.
        this.#dequeue();
        this.#opts.stats.recordDroppedPoints(head.request.points);
        if (head === entry) refused = true;
        continue;
      }
      break;
    }
    const delivered = !refused && !this.#queue.includes(entry);
    this.#opts.stats.recordExport(delivered);
    if (this.#queue.length > 0 && this.#opts.renew) {
      await otlp.shutdown().catch(() => undefined);
      this.#otlp = this.#opts.renew();
    }
    return delivered
      ? { outcome: 'ok', points, queued: this.#queue.length, attempts, ...(reason ? { reason } : {}) }
      : { outcome: 'failed', reason: reason ?? 'unknown error', points, queued: this.#queue.length, attempts };
  }

  #dequeue(): Queued {
    return this.#queue.shift() as Queued;
  }

  #queuedBytes(): number {
    let n = 0;
    for (const q of this.#queue) n += q.request.bytes.length;
    return n;
  }

  /** The snapshot's request, encoded once, giving the event loop a turn every POINTS_PER_YIELD points. */
  async #encode(rm: ResourceMetrics): Promise<EncodedRequest> {
    // The SDK's collection and the live-series filter ran just before, in one stretch: let timers
    // and gRPC callbacks in before the plan's own pass over every point.
    await new Promise((resolve) => setImmediate(resolve));
    const plan = this.#encoder.plan(rm);
    const w = new ProtoWriter(plan.bytes);
    let sinceYield = 0;
    for (let i = 0; i < plan.slices.length; i++) {
      if (sinceYield >= POINTS_PER_YIELD) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.#encoder.encodeSlice(plan, i, w);
      sinceYield += plan.slices[i]?.points ?? 0;
    }
    return { bytes: finishRequest(plan, w), points: plan.points };
  }

  async #sendWithRetry(
    otlp: PushMetricExporter,
    entry: Queued,
    deadline: number,
  ): Promise<{ ok: boolean; permanent?: boolean; reason?: string; attempts: number }> {
    let backoff = 250;
    for (let attempt = 1; ; attempt++) {
      const result = await new Promise<ExportResult>((resolve) => {
        if (takesEncodedRequests(otlp)) otlp.exportEncoded(entry.request, resolve);
        else if (entry.rm) otlp.export(entry.rm, resolve);
        else resolve({ code: ExportResultCode.FAILED, error: new Error('the exporter takes no encoded requests and the snapshot was queued as one') });
      });
      if (result.code === ExportResultCode.SUCCESS) return { ok: true, attempts: attempt };
      const code = grpcCode(result.error);
      const reason = describeExportError(result.error);
      if (code !== undefined && !RETRY_NOW.has(code) && !RETRY_LATER.has(code)) {
        return { ok: false, permanent: true, reason, attempts: attempt };
      }
      const jittered = backoff * (0.8 + Math.random() * 0.4);
      if (code !== undefined && RETRY_LATER.has(code)) return { ok: false, reason, attempts: attempt };
      if (this.#now() + jittered >= deadline) return { ok: false, reason, attempts: attempt };
      this.#opts.stats.recordExportRetry();
      await this.#sleep(jittered);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  /**
   * Sends NoRecordedValue markers for series that ended this cycle, after this cycle's snapshot.
   * Best effort: while snapshots wait for replay the markers are skipped (they would arrive before
   * the data they end); the series then goes stale in Prometheus after its lookback, as without them.
   */
  endSeries(ended: readonly EndedSeries[], resource: Resource, scopeName: string): void {
    const sink = this.#opts.stalenessMarkers;
    if (!sink || !this.#otlp || ended.length === 0) return;
    const run = this.#chain.then(async () => {
      if (this.#queue.length > 0) return;
      const nowNs = BigInt(this.#now()) * 1_000_000n;
      try {
        await sink.send(encodeStalenessMarkers(resource, scopeName, ended, nowNs));
        this.#opts.stats.recordEndedSeries(ended.length);
      } catch {
        // A lost marker only means Prometheus' usual lookback for these series.
      }
    });
    this.#chain = run.catch(() => undefined);
  }

  async forceFlush(): Promise<void> {
    await this.#chain;
    await this.#otlp?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.#chain;
    await this.#otlp?.shutdown();
  }
}
