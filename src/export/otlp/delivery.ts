import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { countPoints } from '../sdk/count-points.js';
import type { EndedSeries } from '../sdk/live-series.js';
import { takesEncodedRequests, type EncodedRequest } from './exporter.js';
import { ProtoWriter } from './proto-writer.js';
import { finishRequest, RequestEncoder, type RequestPart, type RequestPlan } from './request-encoder.js';
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
  /** Requests this cycle's snapshot was cut into (request-encoder.ts MAX_REQUEST_BYTES), when more than one. */
  requests?: number;
  /**
   * Points of this cycle's snapshot the collector refused (a request it answered with a permanent
   * error is dropped, the snapshot's other requests are still delivered); absent when none.
   */
  droppedPoints?: number;
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

/**
 * A snapshot in the replay queue: its requests not yet delivered, in order. `parts` are encoded
 * (kept as bytes, not as the SDK's object tree); `lazy` are the plan's requests from `next` on,
 * encoded one at a time just before they are sent, so a delivery that goes through never holds
 * more than one request's bytes. A snapshot that has to wait for replay is encoded whole first.
 */
interface Queued {
  parts: EncodedRequest[];
  lazy?: { plan: RequestPlan; next: number };
  /** Only for an exporter that takes ResourceMetrics (tests' in-memory sinks): sent whole, as one request. */
  rm?: ResourceMetrics;
}

/** Bytes a queued snapshot holds or will hold once encoded (exact: the plan knows every size). */
function queuedBytes(q: Queued): number {
  let n = 0;
  for (const p of q.parts) n += p.bytes.length;
  if (q.lazy) for (let i = q.lazy.next; i < q.lazy.plan.requests.length; i++) n += (q.lazy.plan.requests[i] as RequestPart).bytes;
  return n;
}

/** Points of a queued snapshot not yet delivered. */
function queuedPoints(q: Queued): number {
  let n = 0;
  for (const p of q.parts) n += p.points;
  if (q.lazy) for (let i = q.lazy.next; i < q.lazy.plan.requests.length; i++) n += (q.lazy.plan.requests[i] as RequestPart).points;
  return n;
}

function pending(q: Queued): boolean {
  return q.parts.length > 0 || (q.lazy !== undefined && q.lazy.next < q.lazy.plan.requests.length);
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
  /**
   * The buffer of the last request whose send finished (delivered, or refused for good), written
   * into again by the next request: a 1,000-container cycle then allocates one request buffer
   * instead of 14 that wait for a GC. A request kept for replay keeps its own buffer.
   */
  #spare: Buffer | undefined;
  /** Request buffers this delivery allocated: only those are ever written into again. */
  #own = new WeakSet<ArrayBufferLike>();

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

    const entry = await this.#enqueue(rm, takesEncodedRequests(otlp));
    const requests = entry.parts.length + (entry.lazy?.plan.requests.length ?? 0);
    const maxBytes = this.#opts.replayMaxBytes ?? REPLAY_MAX_BYTES;
    while (this.#queue.length > this.#opts.replaySnapshots + 1 || (this.#queue.length > 1 && this.#queuedBytes() > maxBytes)) {
      const dropped = this.#dequeue();
      this.#opts.stats.recordDroppedPoints(queuedPoints(dropped));
    }
    const deadline = this.#now() + this.#opts.retryBudgetMs;
    let attempts = 0;
    let reason: string | undefined;
    /** This snapshot's requests the collector refused, and their points (dropped). */
    let refused = 0;
    let refusedPoints = 0;
    let sent = 0;
    sending: while (this.#queue.length > 0) {
      const head = this.#queue[0] as Queued;
      while (pending(head)) {
        const part = await this.#nextPart(head);
        const r = await this.#sendWithRetry(otlp, head, part, deadline);
        attempts += r.attempts;
        if (r.ok) {
          this.#recycle(head.parts.shift());
          if (head === entry) sent++;
          continue;
        }
        if (!r.permanent) {
          reason = requests > 1 && head === entry ? `request ${sent + refused + 1} of ${requests}: ${r.reason}` : r.reason;
          break sending;
        }
        // The collector refused the data itself: sending it again would be refused again.
        this.#recycle(head.parts.shift());
        this.#opts.stats.recordDroppedPoints(part.points);
        if (head === entry) {
          refused++;
          refusedPoints += part.points;
          reason = requests > 1 ? `request ${sent + refused} of ${requests} (${part.points} points) refused: ${r.reason}` : r.reason;
        } else reason ??= r.reason;
      }
      this.#dequeue();
    }
    // What waits for replay is kept as bytes: the snapshot's object tree is not held across cycles.
    for (const q of this.#queue) await this.#encodeRest(q);
    const delivered = refused === 0 && !this.#queue.includes(entry);
    this.#opts.stats.recordExport(delivered);
    if (this.#queue.length > 0 && this.#opts.renew) {
      await otlp.shutdown().catch(() => undefined);
      this.#otlp = this.#opts.renew();
    }
    const counts = { points, queued: this.#queue.length, attempts, ...(requests > 1 ? { requests } : {}), ...(refusedPoints > 0 ? { droppedPoints: refusedPoints } : {}) };
    return delivered ? { outcome: 'ok', ...counts, ...(reason ? { reason } : {}) } : { outcome: 'failed', reason: reason ?? 'unknown error', ...counts };
  }

  #dequeue(): Queued {
    return this.#queue.shift() as Queued;
  }

  #queuedBytes(): number {
    let n = 0;
    for (const q of this.#queue) n += queuedBytes(q);
    return n;
  }

  /**
   * Queues the snapshot: planned (every request's size known, nothing encoded yet) for an exporter
   * of encoded requests, else encoded whole to know its size and sent as the snapshot itself.
   */
  async #enqueue(rm: ResourceMetrics, encoded: boolean): Promise<Queued> {
    // The SDK's collection and the live-series filter ran just before, in one stretch: let timers
    // and gRPC callbacks in before the plan's own pass over every point.
    await new Promise((resolve) => setImmediate(resolve));
    const plan = this.#encoder.plan(rm);
    // Without encoded requests the snapshot goes whole: one request's worth of bytes for the bound.
    const whole = { first: 0, end: plan.slices.length, bytes: plan.bytes, points: plan.points };
    const entry: Queued = encoded ? { parts: [], lazy: { plan, next: 0 } } : { parts: [{ bytes: await this.#encodeSlices(plan, whole), points: plan.points }], rm };
    this.#queue.push(entry);
    return entry;
  }

  /** The queued snapshot's next request, encoding it now if it is still only planned. */
  async #nextPart(q: Queued): Promise<EncodedRequest> {
    if (q.parts.length === 0 && q.lazy) {
      const { plan, next } = q.lazy;
      const part = plan.requests[next] as RequestPart;
      q.lazy.next++;
      if (q.lazy.next === plan.requests.length) delete q.lazy;
      q.parts.push({ bytes: await this.#encodeSlices(plan, part), points: part.points });
    }
    return q.parts[0] as EncodedRequest;
  }

  /** Encodes what a queued snapshot still has only planned, and lets go of the plan (and so of the snapshot). */
  async #encodeRest(q: Queued): Promise<void> {
    const lazy = q.lazy;
    if (!lazy) return;
    delete q.lazy;
    for (let i = lazy.next; i < lazy.plan.requests.length; i++) {
      const part = lazy.plan.requests[i] as RequestPart;
      q.parts.push({ bytes: await this.#encodeSlices(lazy.plan, part), points: part.points });
    }
  }

  /**
   * A request whose send finished gives its buffer to the next one. Its exporter is done with it:
   * exportEncoded reports the outcome only once grpc-js has compressed or framed the bytes (into
   * buffers of its own) and the collector answered.
   */
  #recycle(request: EncodedRequest | undefined): void {
    const bytes = request?.bytes;
    if (!bytes || !this.#own.has(bytes.buffer) || bytes.buffer.byteLength <= (this.#spare?.length ?? 0)) return;
    this.#spare = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
  }

  /** One request's slices, giving the event loop a turn every POINTS_PER_YIELD points. */
  async #encodeSlices(plan: RequestPlan, part: RequestPart): Promise<Uint8Array> {
    const w = new ProtoWriter(part.bytes, this.#spare);
    // Owned by this request until its send finishes (#recycle).
    if (w.buffer === this.#spare) this.#spare = undefined;
    else this.#own.add(w.buffer.buffer);
    let sinceYield = 0;
    for (let i = part.first; i < part.end; i++) {
      if (sinceYield >= POINTS_PER_YIELD) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.#encoder.encodeSlice(plan, i, w);
      sinceYield += plan.slices[i]?.points ?? 0;
    }
    if (w.pos !== part.bytes) return finishRequest(part, w);
    return w.buffer.subarray(0, part.bytes);
  }

  async #sendWithRetry(
    otlp: PushMetricExporter,
    entry: Queued,
    request: EncodedRequest,
    deadline: number,
  ): Promise<{ ok: boolean; permanent?: boolean; reason?: string; attempts: number }> {
    let backoff = 250;
    for (let attempt = 1; ; attempt++) {
      const result = await new Promise<ExportResult>((resolve) => {
        if (takesEncodedRequests(otlp)) otlp.exportEncoded(request, resolve);
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
