import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { OtlpDelivery, describeExportError, type DeliveryReport } from '../../src/export/otlp/delivery.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import type { EncodedRequest, EncodedRequestExporter } from '../../src/export/otlp/exporter.js';
import { RequestEncoder } from '../../src/export/otlp/request-encoder.js';
import { decodeExportRequest } from '../helpers/otlp-receiver.js';

/** A snapshot with `n` points, tagged so the test can tell snapshots apart. */
function snapshot(tag: number, n = 2): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ tag }),
    scopeMetrics: [
      {
        scope: { name: 'podpulse' },
        metrics: [
          {
            descriptor: { name: 'g', description: '', unit: '', type: 'OBSERVABLE_GAUGE', valueType: 1 } as never,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: Array.from({ length: n }, (_, i) => ({ startTime: [0, 0], endTime: [0, 0], attributes: { i }, value: tag })),
          },
        ],
      },
    ],
  } as ResourceMetrics;
}

/** Answers each export from a script of gRPC status codes (0 = OK); records what it was sent. */
class ScriptedExporter implements PushMetricExporter {
  sent: number[] = [];
  constructor(public script: number[]) {}
  export(rm: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.sent.push(rm.resource.attributes.tag as number);
    const code = this.script.shift() ?? 0;
    done(code === 0 ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: Object.assign(new Error('x'), { code, details: `status ${code}` }) });
  }
  async forceFlush() {}
  async shutdown() {}
}

/**
 * As ScriptedExporter, for encoded requests: records each request with the tag its bytes decode to,
 * the bytes as handed over and a copy (the delivery writes the next request into the buffer of one
 * whose send finished).
 */
class EncodedScriptedExporter implements EncodedRequestExporter {
  sent: { tag: number; bytes: Uint8Array; copy: Buffer; points: number }[] = [];
  constructor(public script: number[]) {}
  exportEncoded(request: EncodedRequest, done: (r: ExportResult) => void): void {
    const tag = decodeExportRequest(Buffer.from(request.bytes)).resource_metrics[0]?.resource?.attributes.find((a) => a.key === 'tag')?.value?.int_value;
    this.sent.push({ tag: Number(tag), bytes: request.bytes, copy: Buffer.from(request.bytes), points: request.points });
    const code = this.script.shift() ?? 0;
    done(code === 0 ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: Object.assign(new Error('x'), { code, details: `status ${code}` }) });
  }
  export(): void {
    throw new Error('OtlpDelivery must send encoded requests to an exporter that takes them');
  }
  async forceFlush() {}
  async shutdown() {}
}

function delivery(otlp: ScriptedExporter | undefined, replaySnapshots = 2, retryBudgetMs = 1000) {
  const stats = new SelfStats();
  const reports: DeliveryReport[] = [];
  let now = 0;
  const d = new OtlpDelivery({
    ...(otlp ? { otlp } : {}),
    replaySnapshots,
    retryBudgetMs,
    stats,
    onReport: (r) => reports.push(r),
    now: () => now,
    sleep: async (ms) => {
      now += ms; // virtual time: backoff without waiting
    },
  });
  const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));
  return { d, stats, reports, send };
}

describe('OtlpDelivery', () => {
  it('retries UNAVAILABLE within the cycle budget and counts the retries', async () => {
    const otlp = new ScriptedExporter([14, 14, 0]);
    const { stats, reports, send } = delivery(otlp);
    expect((await send(snapshot(1))).code).toBe(ExportResultCode.SUCCESS);
    expect(otlp.sent).toEqual([1, 1, 1]);
    expect(stats.exportRetries).toBe(2);
    expect(stats.exports).toEqual({ success: 1, failure: 0 });
    expect(reports[0]).toMatchObject({ outcome: 'ok', attempts: 3, queued: 0 });
  });

  it('gives up at the budget, keeps the snapshot and replays it oldest first once the collector is back', async () => {
    const otlp = new ScriptedExporter(Array(50).fill(14));
    const { stats, reports, send } = delivery(otlp, 5, 600);
    expect((await send(snapshot(1))).code).toBe(ExportResultCode.FAILED);
    expect(reports[0]).toMatchObject({ outcome: 'failed', queued: 1, reason: 'UNAVAILABLE: status 14' });
    await send(snapshot(2));
    otlp.script = [];
    otlp.sent = [];
    expect((await send(snapshot(3))).code).toBe(ExportResultCode.SUCCESS);
    expect(otlp.sent).toEqual([1, 2, 3]);
    expect(stats.exports).toEqual({ success: 1, failure: 2 });
    expect(stats.droppedPoints).toBe(0);
  });

  it('bounds the replay queue, dropping the oldest and counting its points', async () => {
    const otlp = new ScriptedExporter(Array(100).fill(14));
    const { stats, d, send } = delivery(otlp, 2, 0);
    for (let t = 1; t <= 5; t++) await send(snapshot(t, 3));
    expect(d.queued).toBe(3); // replaySnapshots + the current one
    expect(stats.droppedPoints).toBe(2 * 3);
    otlp.script = [];
    otlp.sent = [];
    await send(snapshot(6, 3));
    expect(otlp.sent).toEqual([4, 5, 6]);
  });

  it('bounds the replay queue in bytes too: the oldest go first, the newest is always tried', async () => {
    const otlp = new ScriptedExporter(Array(100).fill(14));
    const stats = new SelfStats();
    const one = new RequestEncoder().encode(snapshot(1, 50)).length;
    // Room for two such snapshots, while the count bound (10 + 1) would keep all five.
    const d = new OtlpDelivery({ otlp, replaySnapshots: 10, replayMaxBytes: 2.5 * one, retryBudgetMs: 0, stats });
    const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));
    for (let t = 1; t <= 5; t++) await send(snapshot(t, 50));
    expect(d.queued).toBe(2);
    expect(stats.droppedPoints).toBe(3 * 50);
    otlp.script = [];
    otlp.sent = [];
    await send(snapshot(6, 50));
    expect(otlp.sent).toEqual([5, 6]);
    // One snapshot over the whole bound is still sent once rather than dropped unseen.
    const tight = new OtlpDelivery({ otlp, replaySnapshots: 10, replayMaxBytes: 10, retryBudgetMs: 0, stats: new SelfStats() });
    otlp.sent = [];
    await new Promise<ExportResult>((resolve) => tight.export(snapshot(7, 50), resolve));
    expect(otlp.sent).toEqual([7]);
  });

  it('sends and replays encoded requests to an exporter that takes them, bounded by their exact size', async () => {
    const otlp = new EncodedScriptedExporter([14, 14]);
    const stats = new SelfStats();
    const one = new RequestEncoder().encode(snapshot(1, 50)).length;
    // Exactly two requests fit (every snapshot here encodes to the same size), while the count bound would keep 11.
    const d = new OtlpDelivery({ otlp, replaySnapshots: 10, replayMaxBytes: 2 * one, retryBudgetMs: 0, stats });
    const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));
    await send(snapshot(1, 50));
    await send(snapshot(2, 50));
    expect(d.queued).toBe(2);
    expect(stats.droppedPoints).toBe(0);
    // The third does not fit with both: the oldest goes, the other two are delivered.
    await send(snapshot(3, 50));
    expect(d.queued).toBe(0);
    expect(stats.droppedPoints).toBe(50);
    expect(otlp.sent.map((r) => r.tag)).toEqual([1, 1, 2, 3]);
    // What was replayed is the request as first encoded, the very bytes.
    expect(otlp.sent[1]?.bytes).toBe(otlp.sent[0]?.bytes);
    expect(otlp.sent.every((r) => r.points === 50 && r.bytes.length === one)).toBe(true);
  });

  it('gives the event loop turns while it encodes a large snapshot', async () => {
    // 10,000 containers of one point each: some 300 slices, a few thousand points between two turns.
    const rm = snapshot(1, 10_000);
    for (const m of rm.scopeMetrics[0]?.metrics ?? []) for (const p of m.dataPoints) Object.assign(p, { attributes: { id: `/kubepods/c${String(p.attributes.i)}` } });
    let turns = 0;
    let turnsAtSend = -1;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    const otlp = new EncodedScriptedExporter([]);
    const exportEncoded = otlp.exportEncoded.bind(otlp);
    otlp.exportEncoded = (request, done) => {
      turnsAtSend = turns;
      exportEncoded(request, done);
    };
    const d = new OtlpDelivery({ otlp, replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() });
    setImmediate(tick);
    const result = await new Promise<ExportResult>((resolve) => d.export(rm, resolve));
    running = false;
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(otlp.sent[0]?.points).toBe(10_000);
    expect(turnsAtSend).toBeGreaterThanOrEqual(2);
  });

  it('drops data the collector refuses (INVALID_ARGUMENT) instead of resending it forever', async () => {
    const otlp = new ScriptedExporter([3]);
    const { stats, d, reports, send } = delivery(otlp);
    expect((await send(snapshot(1, 4))).code).toBe(ExportResultCode.FAILED);
    expect(reports[0]).toMatchObject({ outcome: 'failed', reason: 'INVALID_ARGUMENT: status 3', queued: 0 });
    expect(stats.droppedPoints).toBe(4);
    expect(stats.exports).toEqual({ success: 0, failure: 1 });
    expect(d.queued).toBe(0);
    expect(otlp.sent).toEqual([1]);
  });

  it('does not retry RESOURCE_EXHAUSTED at once, but keeps it for the next cycle', async () => {
    const otlp = new ScriptedExporter([8]);
    const { d, send } = delivery(otlp);
    expect((await send(snapshot(1))).code).toBe(ExportResultCode.FAILED);
    expect(otlp.sent).toEqual([1]);
    expect(d.queued).toBe(1);
  });

  it('reports "disabled" and still feeds the snapshot hook when OTLP is off', async () => {
    const { reports, send } = delivery(undefined);
    expect((await send(snapshot(1))).code).toBe(ExportResultCode.SUCCESS);
    expect(reports[0]).toMatchObject({ outcome: 'disabled', points: 2 });
  });

  it('describes grpc-js errors without their noise', () => {
    const e = Object.assign(new Error('14 UNAVAILABLE'), {
      code: 14,
      details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:4317. Resolution note: ',
    });
    expect(describeExportError(e)).toBe('UNAVAILABLE: No connection established. last error: connect ECONNREFUSED 127.0.0.1:4317');
    expect(describeExportError(new Error('Concurrent export limit reached'))).toBe('Concurrent export limit reached');
  });

  it('starts a fresh exporter (a new channel) after a cycle that could not deliver', async () => {
    const first = new ScriptedExporter(Array(10).fill(14));
    const second = new ScriptedExporter([]);
    let shutdowns = 0;
    first.shutdown = async () => {
      shutdowns++;
    };
    const stats = new SelfStats();
    const d = new OtlpDelivery({ otlp: first, renew: () => second, replaySnapshots: 5, retryBudgetMs: 0, stats });
    const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));
    expect((await send(snapshot(1))).code).toBe(ExportResultCode.FAILED);
    expect(shutdowns).toBe(1);
    expect((await send(snapshot(2))).code).toBe(ExportResultCode.SUCCESS);
    expect(second.sent).toEqual([1, 2]);
  });

  describe('a snapshot cut into several requests', () => {
    /** `containers` containers of 10 points each, one container per slice and request (containersPerSlice 1, a tiny byte bound). */
    function containers(tag: number, count: number): ResourceMetrics {
      const rm = snapshot(tag, count * 10);
      for (const m of rm.scopeMetrics[0]?.metrics ?? []) for (const p of m.dataPoints) Object.assign(p, { attributes: { id: `/c${Math.floor((p.attributes.i as number) / 10)}`, i: p.attributes.i } });
      return rm;
    }
    const chunked = () => new RequestEncoder({ containersPerSlice: 1, maxRequestBytes: 1 });
    const ids = (r: { copy: Buffer } | EncodedRequest) =>
      decodeExportRequest('copy' in r ? r.copy : Buffer.from(r.bytes)).resource_metrics.flatMap((e) => e.scope_metrics.flatMap((s) => s.metrics.flatMap((m) => m.gauge?.data_points ?? []))).map((p) => p.attributes.find((a) => a.key === 'id')?.value?.string_value);

    it('sends them in order, each valid alone, and reports how many', async () => {
      const otlp = new EncodedScriptedExporter([]);
      const reports: DeliveryReport[] = [];
      const d = new OtlpDelivery({ otlp, encoder: chunked(), replaySnapshots: 2, retryBudgetMs: 0, stats: new SelfStats(), onReport: (r) => reports.push(r) });
      const result = await new Promise<ExportResult>((resolve) => d.export(containers(1, 3), resolve));
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(otlp.sent.map((r) => r.tag)).toEqual([1, 1, 1]);
      expect(otlp.sent.map((r) => [...new Set(ids(r))])).toEqual([['/c0'], ['/c1'], ['/c2']]);
      expect(otlp.sent.map((r) => r.points)).toEqual([10, 10, 10]);
      expect(reports[0]).toMatchObject({ outcome: 'ok', points: 30, requests: 3, attempts: 3, queued: 0 });
      // One request buffer for the three: each written once the one before was delivered.
      expect(new Set(otlp.sent.map((r) => r.bytes.buffer)).size).toBe(1);
    });

    it('keeps the undelivered rest for replay, bounded by its exact bytes, and resumes where it stopped', async () => {
      // Request 1 goes through, request 2 finds the collector gone.
      const otlp = new EncodedScriptedExporter([0, 14, 14, 14, 14]);
      const stats = new SelfStats();
      const reports: DeliveryReport[] = [];
      const encoder = chunked();
      const perRequest = chunked().plan(containers(1, 3)).requests.map((r) => r.bytes);
      expect(new Set(perRequest).size).toBe(1);
      const d = new OtlpDelivery({ otlp, encoder, replaySnapshots: 5, replayMaxBytes: 7 * (perRequest[0] as number), retryBudgetMs: 0, stats, onReport: (r) => reports.push(r) });
      const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));
      expect((await send(containers(1, 3))).code).toBe(ExportResultCode.FAILED);
      expect(reports[0]).toMatchObject({ outcome: 'failed', queued: 1, requests: 3, reason: 'request 2 of 3: UNAVAILABLE: status 14' });
      // Snapshot 2 (three requests) fails at once too; the queue holds 2 + 3 requests' bytes, 7 allowed.
      expect((await send(containers(2, 3))).code).toBe(ExportResultCode.FAILED);
      expect(d.queued).toBe(2);
      // Snapshot 3 does not fit with both (2 + 3 + 3 > 7): the oldest goes, its two undelivered requests counted.
      otlp.script = [14];
      expect((await send(containers(3, 3))).code).toBe(ExportResultCode.FAILED);
      expect(d.queued).toBe(2);
      expect(stats.droppedPoints).toBe(20);
      otlp.script = [];
      otlp.sent = [];
      expect((await send(containers(4, 1))).code).toBe(ExportResultCode.SUCCESS);
      // Oldest first, each snapshot's requests in order, the replayed ones as first encoded.
      expect(otlp.sent.map((r) => `${r.tag}${ids(r)[0]}`)).toEqual(['2/c0', '2/c1', '2/c2', '3/c0', '3/c1', '3/c2', '4/c0']);
      expect(stats.exports).toEqual({ success: 1, failure: 3 });
    });

    it('drops a request the collector refuses, delivers the others, and says which and how many points', async () => {
      const otlp = new EncodedScriptedExporter([0, 3, 0]);
      const stats = new SelfStats();
      const reports: DeliveryReport[] = [];
      const d = new OtlpDelivery({ otlp, encoder: chunked(), replaySnapshots: 2, retryBudgetMs: 0, stats, onReport: (r) => reports.push(r) });
      expect((await new Promise<ExportResult>((resolve) => d.export(containers(1, 3), resolve))).code).toBe(ExportResultCode.FAILED);
      expect(otlp.sent.map((r) => ids(r)[0])).toEqual(['/c0', '/c1', '/c2']);
      expect(reports[0]).toMatchObject({ outcome: 'failed', queued: 0, requests: 3, droppedPoints: 10, reason: 'request 2 of 3 (10 points) refused: INVALID_ARGUMENT: status 3' });
      expect(stats.droppedPoints).toBe(10);
      expect(stats.exports).toEqual({ success: 0, failure: 1 });
      expect(d.queued).toBe(0);
    });

    it('sends staleness markers only after every request of the snapshot they follow', async () => {
      const order: string[] = [];
      const otlp = new EncodedScriptedExporter([0, 14]);
      const exportEncoded = otlp.exportEncoded.bind(otlp);
      otlp.exportEncoded = (request, done) => {
        order.push(`data ${String(ids(request)[0])}`);
        exportEncoded(request, done);
      };
      const d = new OtlpDelivery({
        otlp,
        encoder: chunked(),
        replaySnapshots: 2,
        retryBudgetMs: 0,
        stats: new SelfStats(),
        stalenessMarkers: { send: async () => void order.push('markers') },
      });
      const ended = [{ name: 'g', description: '', unit: '', kind: 'gauge' as const, monotonic: false, startTime: [0, 0] as [number, number], attributes: { id: '/gone' } }];
      const cycle = async (rm: ResourceMetrics) => {
        const done = new Promise<ExportResult>((resolve) => d.export(rm, resolve));
        d.endSeries(ended, rm.resource, 'podpulse');
        await done;
        await d.forceFlush();
      };
      // Request 2 fails: the rest waits for replay, and the markers of this cycle are skipped.
      await cycle(containers(1, 2));
      expect(order).toEqual(['data /c0', 'data /c1']);
      await cycle(containers(2, 2));
      expect(order).toEqual(['data /c0', 'data /c1', 'data /c1', 'data /c0', 'data /c1', 'markers']);
    });
  });
});
