import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import type { ContainerSample, Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { OnDemandReader } from '../../src/export/sdk/pipeline.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

function container(id: string): ContainerSample {
  return {
    identity: { id, name: '', image: '', container: '', pod: '', namespace: '' },
    cgroup: { memory: { usageBytes: 1000, workingSetBytes: 900 }, cpu: { usageSeconds: 1.5 } },
    lastSeenSeconds: 1,
  };
}

/**
 * A source whose container set is chosen by the test for each cycle. `stable`: the same sample (and
 * identity) object for a container every cycle, as the CycleReader does; otherwise fresh objects, as a
 * source that does not care would produce (the export side must be right either way).
 */
class ScriptedSource implements SnapshotSource {
  ids: string[] = [];
  #known = new Map<string, ContainerSample>();
  constructor(private readonly stable = false) {}
  async collect(): Promise<Snapshot> {
    const containers = this.ids.map((id) => {
      if (!this.stable) return container(id);
      let c = this.#known.get(id);
      if (!c) this.#known.set(id, (c = container(id)));
      return c;
    });
    return { containers, agent: new SelfStats() };
  }
}

function ids(rm: ResourceMetrics, metric: string): string[] {
  const out: string[] = [];
  for (const sm of rm.scopeMetrics)
    for (const m of sm.metrics)
      if (m.descriptor.name === metric) for (const dp of m.dataPoints) out.push(String(dp.attributes.id));
  return out.sort();
}

function hasOverflow(rm: ResourceMetrics): boolean {
  return rm.scopeMetrics.some((sm) => sm.metrics.some((m) => m.dataPoints.some((dp) => 'otel.metric.overflow' in dp.attributes)));
}

describe('the installed @opentelemetry/sdk-metrics (why podpulse needs its own mechanism)', () => {
  it('keeps exporting an attribute set the callback no longer observes', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ readers: [reader] });
    const gauge = provider.getMeter('t').createObservableGauge('g');
    let observed = ['a', 'b'];
    gauge.addCallback((r) => observed.forEach((id) => r.observe(1, { id })));
    await reader.collect();
    observed = ['a'];
    const { resourceMetrics } = await reader.collect();
    // If this starts failing, the SDK fixed opentelemetry-js#4096: revisit src/export/live-series.ts.
    expect(resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints.map((d) => d.attributes.id).sort()).toEqual(['a', 'b']);
    await provider.shutdown();
  });

  it('sends new attribute sets to otel.metric.overflow once 2,000 were ever seen', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ readers: [reader] });
    const gauge = provider.getMeter('t').createObservableGauge('g');
    let cycle = 0;
    gauge.addCallback((r) => {
      for (let i = 0; i < 500; i++) r.observe(1, { id: `c${cycle}-${i}` });
    });
    let last: ResourceMetrics | undefined;
    for (cycle = 0; cycle < 5; cycle++) last = (await reader.collect()).resourceMetrics;
    expect(hasOverflow(last as ResourceMetrics)).toBe(true);
    await provider.shutdown();
  });
});

describe.each([
  ['fresh attribute objects every cycle', false],
  ['stable attribute objects', true],
])('MetricsPipeline ends gone series and survives churn (%s)', (_label, stable) => {
  function pipeline(source: SnapshotSource, maxDeadSeries?: number) {
    const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const stats = new SelfStats();
    const delivery = new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats });
    const p = new MetricsPipeline({
      resource: resourceFromAttributes({ 'service.name': 'cadvisor' }),
      specs: catalog.filter((s) => s.name === 'container_memory_working_set_bytes' || s.name === 'container_cpu_usage_seconds_total'),
      source,
      delivery,
      intervalMs: 3_600_000, // cycles are driven by collectNow() only
      log: pino({ level: 'silent' }),
      ...(maxDeadSeries ? { maxDeadSeries } : {}),
    });
    p.start();
    const cycle = async (): Promise<ResourceMetrics> => {
      sink.reset();
      await p.collectNow();
      await new Promise((r) => setImmediate(r)); // let a scheduled rotation run
      const exported = sink.getMetrics();
      expect(exported).toHaveLength(1);
      return exported[0] as ResourceMetrics;
    };
    return { p, cycle, stats };
  }

  it('a container that is gone is absent from the next export', async () => {
    const source = new ScriptedSource(stable);
    const { p, cycle } = pipeline(source);
    source.ids = ['/a', '/b'];
    expect(ids(await cycle(), 'container_memory_working_set_bytes')).toEqual(['/a', '/b']);
    source.ids = ['/a'];
    const second = await cycle();
    expect(ids(second, 'container_memory_working_set_bytes')).toEqual(['/a']);
    expect(ids(second, 'container_cpu_usage_seconds_total')).toEqual(['/a']);
    source.ids = ['/a', '/b'];
    expect(ids(await cycle(), 'container_memory_working_set_bytes')).toEqual(['/a', '/b']);
    await p.shutdown();
  });

  it('keeps new containers out of the overflow bucket with 5,000 distinct containers over time', async () => {
    const source = new ScriptedSource(stable);
    const { p, cycle } = pipeline(source);
    const generations = new Set<number>();
    for (let c = 0; c < 10; c++) {
      source.ids = Array.from({ length: 500 }, (_, i) => `/churn/c${c}-${i}`);
      const rm = await cycle();
      expect(hasOverflow(rm)).toBe(false);
      expect(ids(rm, 'container_memory_working_set_bytes')).toEqual([...source.ids].sort());
      expect(ids(rm, 'container_cpu_usage_seconds_total')).toHaveLength(500);
      generations.add(p.generation);
    }
    // The provider was replaced as dead series piled up (every 1,000 dead sets by default).
    expect(generations.size).toBeGreaterThan(1);
    await p.shutdown();
  });
});
