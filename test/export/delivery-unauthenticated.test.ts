/**
 * UNAUTHENTICATED (16) from the collector: a token rotated or mistyped on one side. The snapshot is
 * kept for replay (not retried within the cycle, not dropped), so fixing the token loses nothing that
 * is still queued. The real collector's bearertokenauth is exercised in test/e2e/collector-tls.test.ts.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { expect, it } from 'vitest';
import { OtlpDelivery, type DeliveryReport } from '../../src/export/otlp/delivery.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

function snapshot(tag: number): ResourceMetrics {
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
            dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: {}, value: tag }],
          },
        ],
      },
    ],
  } as ResourceMetrics;
}

/** Refuses with `code` while `refusing`; records every snapshot it was handed. */
class Collector implements PushMetricExporter {
  sent: number[] = [];
  refusing = true;
  constructor(private readonly code: number) {}
  export(rm: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.sent.push(rm.resource.attributes.tag as number);
    done(this.refusing ? { code: ExportResultCode.FAILED, error: Object.assign(new Error('denied'), { code: this.code, details: 'bad token' }) } : { code: ExportResultCode.SUCCESS });
  }
  async forceFlush() {}
  async shutdown() {}
}

it('keeps UNAUTHENTICATED snapshots for replay and delivers them oldest first once accepted', async () => {
  const otlp = new Collector(16);
  const stats = new SelfStats();
  const reports: DeliveryReport[] = [];
  let now = 0;
  const d = new OtlpDelivery({ otlp, replaySnapshots: 5, retryBudgetMs: 800, stats, onReport: (r) => reports.push(r), now: () => now, sleep: async (ms) => void (now += ms) });
  const send = (rm: ResourceMetrics) => new Promise<ExportResult>((resolve) => d.export(rm, resolve));

  await send(snapshot(1));
  await send(snapshot(2));
  // One attempt per cycle (no in-cycle retry for a refusal), and nothing dropped.
  expect(otlp.sent).toEqual([1, 1]);
  expect(reports.map((r) => [r.outcome, r.queued, r.reason])).toEqual([
    ['failed', 1, 'UNAUTHENTICATED: bad token'],
    ['failed', 2, 'UNAUTHENTICATED: bad token'],
  ]);
  expect(stats.droppedPoints).toBe(0);

  otlp.refusing = false;
  otlp.sent = [];
  await send(snapshot(3));
  expect(otlp.sent).toEqual([1, 2, 3]);
  expect(reports[2]).toMatchObject({ outcome: 'ok', queued: 0 });
});

it('still drops a snapshot the collector refuses for good (INVALID_ARGUMENT)', async () => {
  const otlp = new Collector(3);
  const stats = new SelfStats();
  const d = new OtlpDelivery({ otlp, replaySnapshots: 5, retryBudgetMs: 800, stats });
  await new Promise<ExportResult>((resolve) => d.export(snapshot(1), resolve));
  expect(d.queued).toBe(0);
  expect(stats.droppedPoints).toBe(1);
});
