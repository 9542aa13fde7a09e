/**
 * More series than metrics.maxSeriesPerMetric: the SDK folds the excess into one
 * `otel.metric.overflow` point, which the live-series filter drops. That must never be silent: the
 * excess is counted (podpulse_series_over_limit_total, podpulse_dropped_points_total) and warned
 * about (rate-limited), and `--once` uses the same limit as the push loop (not the SDK's 2,000).
 */
import { Writable } from 'node:stream';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import type { SeriesShortfall } from '../../src/export/sdk/live-series.js';
import { collectOnce, MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { SeriesLimitReporter } from '../../src/export/sdk/series-limit.js';
import { catalog } from '../../src/metrics/catalog.js';
import type { ContainerSample, Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const resource = resourceFromAttributes({ 'service.name': 'cadvisor' });
const WS = 'container_memory_working_set_bytes';
const specs = catalog.filter((s) => s.name === WS || s.name === 'container_memory_usage_bytes');

/** `n` containers, the same objects every cycle (as the CycleReader hands them out). */
class ManyContainers implements SnapshotSource {
  readonly containers: ContainerSample[];
  constructor(n: number) {
    this.containers = Array.from({ length: n }, (_, i) => ({
      identity: { id: `/many/c${i}`, name: '', image: '', container: '', pod: '', namespace: '' },
      cgroup: { memory: { usageBytes: 1000 + i, workingSetBytes: 900 + i } },
      lastSeenSeconds: 1,
    }));
  }
  async collect(): Promise<Snapshot> {
    return { containers: this.containers, agent: new SelfStats() };
  }
}

function points(rm: ResourceMetrics, metric: string): Record<string, unknown>[] {
  return rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === metric).flatMap((m) => m.dataPoints.map((d) => d.attributes)));
}

function capturingLog() {
  const lines: { level: number; msg: string; metric?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), warnings: () => lines.filter((l) => l.level === 40) };
}

describe('series over the per-metric limit', () => {
  it('--once keeps 2,500 series of one metric (the SDK default of 2,000 used to drop 501 silently)', async () => {
    const shortfalls: SeriesShortfall[][] = [];
    const rm = await collectOnce(resource, specs, new ManyContainers(2500), { onOverLimit: (s) => shortfalls.push([...s]) });
    const ws = points(rm, WS);
    expect(ws).toHaveLength(2500);
    expect(ws.some((a) => 'otel.metric.overflow' in a)).toBe(false);
    expect(shortfalls).toEqual([]);
  });

  it('the push loop counts and warns (once per 10 minutes) when a metric is over metrics.maxSeriesPerMetric', async () => {
    const { log, warnings } = capturingLog();
    const stats = new SelfStats();
    const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reporter = new SeriesLimitReporter({ maxSeriesPerMetric: 100, log, stats });
    const p = new MetricsPipeline({
      resource,
      specs,
      source: new ManyContainers(150),
      delivery: new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats }),
      intervalMs: 3_600_000,
      log,
      maxSeriesPerMetric: 100,
      onOverLimit: (s) => reporter.report(s),
    });
    p.start();
    let leftOut = 0;
    for (let cycle = 1; cycle <= 2; cycle++) {
      sink.reset();
      await p.collectNow();
      const ws = points(sink.getMetrics()[0] as ResourceMetrics, WS);
      expect(ws.length).toBeGreaterThanOrEqual(100);
      expect(ws.length).toBeLessThan(150);
      leftOut += 2 * (150 - ws.length); // both metrics have the same 150 series
    }
    await p.shutdown();
    expect(stats.seriesOverLimit).toBe(leftOut);
    expect(stats.droppedPoints).toBe(leftOut);
    const w = warnings();
    expect(w).toHaveLength(1);
    expect(w[0]?.msg).toMatch(/^container_memory_\w+ has 150 series, over metrics\.maxSeriesPerMetric=100: \d+ series of 2 metric\(s\) were left out/);
  });

  it('--once with the same limit reports the shortfall instead of hiding it', async () => {
    const shortfalls: SeriesShortfall[][] = [];
    const rm = await collectOnce(resource, specs, new ManyContainers(150), { maxSeriesPerMetric: 100, onOverLimit: (s) => shortfalls.push([...s]) });
    const exported = points(rm, WS).length;
    expect(exported).toBeLessThan(150);
    expect(shortfalls).toHaveLength(1);
    expect(shortfalls[0]).toContainEqual({ metric: WS, observed: 150, exported });
  });

  it('metrics.maxSeriesPerMetric: default 20,000, at least 1', () => {
    expect(loadConfig([], {}).config.metrics.maxSeriesPerMetric).toBe(20_000);
    expect(loadConfig(['--metrics-max-series-per-metric', '500'], {}).config.metrics.maxSeriesPerMetric).toBe(500);
    expect(() => loadConfig(['--metrics-max-series-per-metric', '0'], {})).toThrow(/metrics\.maxSeriesPerMetric/);
  });
});
