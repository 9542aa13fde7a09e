/**
 * A collection whose callback outlives the SDK's timeout (the collection interval): the SDK would
 * export the last cycle's values under the new timestamp. The pipeline sends nothing for it.
 */
import { Writable } from 'node:stream';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

/** A source that waits for the test to open its gate before answering. */
class GatedSource implements SnapshotSource {
  usage = 1;
  readonly stats = new SelfStats();
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  close(): void {
    this.#gate = new Promise((r) => (this.#open = r));
  }
  open(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  async collect(): Promise<Snapshot> {
    if (this.#gate) await this.#gate;
    return {
      containers: [{ identity: { id: '/a', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: { memory: { usageBytes: this.usage } }, lastSeenSeconds: 1 }],
      agent: this.stats,
    };
  }
}

function values(sink: InMemoryMetricExporter, name: string): number[] {
  return sink
    .getMetrics()
    .flatMap((rm: ResourceMetrics) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints.map((d) => d.value as number));
}

const usages = (sink: InMemoryMetricExporter): number[] => values(sink, 'container_memory_usage_bytes');
const SKIPPED = 'podpulse_collections_skipped_total';

describe('a collection that outlives its deadline', () => {
  it('is not exported (no old values under a new timestamp) and is counted in podpulse_collections_skipped_total; the next one is exported', async () => {
    const source = new GatedSource();
    const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const warnings: string[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _e, cb) {
          for (const l of String(chunk).split('\n')) if (l) warnings.push((JSON.parse(l) as { msg: string }).msg);
          cb();
        },
      }),
    );
    const p = new MetricsPipeline({
      resource: resourceFromAttributes({}),
      specs: catalog.filter((s) => s.name === 'container_memory_usage_bytes' || s.name === SKIPPED),
      source,
      onSkipped: () => source.stats.recordSkippedCollection(), // as src/agent.ts wires it
      delivery: new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() }),
      intervalMs: 300, // also the SDK's collection timeout
      log,
    });
    p.start();
    await p.collectNow();
    expect(usages(sink)).toEqual([1]);
    expect(values(sink, SKIPPED)).toEqual([0]);

    source.usage = 2;
    source.close();
    sink.reset();
    await p.collectNow(); // returns once the SDK's timeout passed, the callback still waiting
    expect(usages(sink)).toEqual([]);
    expect(warnings.some((w) => w.includes('outlived its deadline'))).toBe(true);
    expect(source.stats.skippedCollections).toBe(1);

    source.open();
    sink.reset();
    await p.collectNow();
    expect(usages(sink).at(-1)).toBe(2);
    expect(values(sink, SKIPPED).at(-1)).toBe(1);
    expect(source.stats.skippedCollections).toBe(1);
    await p.shutdown();
  });
});
