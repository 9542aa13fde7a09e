/**
 * metrics.maxSeriesPerContainer: a container keeps its first N series in catalog order (within a
 * metric, in the order its row lists the points); the rest are left out, counted in
 * podpulse_container_series_over_limit_total, warned about at most every 10 min, and end like the
 * series of a gone container.
 */
import { Writable } from 'node:stream';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ContainerSample, Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import type { EndedSeries } from '../../src/export/sdk/live-series.js';
import { collectOnce, MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import { ContainerSeriesCap } from '../../src/metrics/container-series-cap.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const resource = resourceFromAttributes({ 'service.name': 'cadvisor' });
/** Three metrics in catalog order: one point, then one per interface (x2). */
const NAMES = [
  'container_memory_working_set_bytes',
  'container_network_receive_bytes_total',
  'container_network_transmit_bytes_total',
  'podpulse_container_series_over_limit_total',
];
const specs = catalog.filter((s) => NAMES.includes(s.name));

const iface = (name: string, bytes: number) => ({
  name, rxBytes: bytes, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: bytes * 2, txPackets: 1, txErrors: 0, txDropped: 0,
});

/** A busy pod sandbox (1 + 4 + 4 = 9 series) and a quiet container (1 series), same objects every cycle. */
class TwoContainers implements SnapshotSource {
  readonly busy: ContainerSample = {
    identity: { id: '/pod/sandbox', name: 'sb', image: 'pause', container: '', pod: 'web', namespace: 'shop' },
    cgroup: { memory: { usageBytes: 2000, workingSetBytes: 1900 } },
    network: [iface('eth0', 10), iface('eth1', 20), iface('net1', 30), iface('net2', 40)],
    lastSeenSeconds: 1,
  };
  readonly quiet: ContainerSample = {
    identity: { id: '/pod/app', name: 'app', image: 'nginx', container: 'app', pod: 'web', namespace: 'shop' },
    cgroup: { memory: { usageBytes: 1000, workingSetBytes: 900 } },
    lastSeenSeconds: 1,
  };
  reversed = false;
  /** The agent's stats the snapshot carries: the cap records into them, the agent rows read them. */
  stats = new SelfStats();
  async collect(): Promise<Snapshot> {
    return { containers: this.reversed ? [this.quiet, this.busy] : [this.busy, this.quiet], agent: this.stats };
  }
}

function series(rm: ResourceMetrics, id: string): string[] {
  return rm.scopeMetrics.flatMap((sm) =>
    sm.metrics.flatMap((m) => m.dataPoints.filter((d) => d.attributes.id === id).map((d) => `${m.descriptor.name}{${String(d.attributes.interface ?? '')}}`)),
  );
}

function capturingLog() {
  const lines: { level: number; msg: string; id?: string; observed?: number; kept?: number; cyclesSinceLastWarning?: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), warnings: () => lines.filter((l) => l.level === 40) };
}

function pipeline(source: TwoContainers, maxSeriesPerContainer: number, now: () => number) {
  const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const stats = (source.stats = new SelfStats());
  const { log, warnings } = capturingLog();
  const ended: EndedSeries[] = [];
  const p = new MetricsPipeline({
    resource,
    specs,
    source,
    delivery: new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats }),
    intervalMs: 3_600_000,
    log,
    seriesCap: new ContainerSeriesCap({ maxSeriesPerContainer, log, stats, now }),
    onEnded: (e) => ended.push(...e),
  });
  p.start();
  const cycle = async (): Promise<ResourceMetrics> => {
    sink.reset();
    await p.collectNow();
    return sink.getMetrics()[0] as ResourceMetrics;
  };
  return { p, cycle, stats, warnings, ended };
}

describe('per-container series cap', () => {
  it('keeps the first N series in catalog order, leaves the rest out, counts them; other containers untouched', async () => {
    const clock = { ms: 0 };
    const source = new TwoContainers();
    const { p, cycle, stats, warnings } = pipeline(source, 4, () => clock.ms);
    const rm = await cycle();
    expect(series(rm, '/pod/sandbox')).toEqual([
      'container_memory_working_set_bytes{}',
      'container_network_receive_bytes_total{eth0}',
      'container_network_receive_bytes_total{eth1}',
      'container_network_receive_bytes_total{net1}',
    ]);
    expect(series(rm, '/pod/app')).toEqual(['container_memory_working_set_bytes{}']);
    expect(stats.containerSeriesOverLimit).toBe(5);
    // The same export already carries this cycle's count.
    const counted = rm.scopeMetrics.flatMap((sm) => sm.metrics).find((m) => m.descriptor.name === 'podpulse_container_series_over_limit_total');
    expect(counted?.dataPoints[0]?.value).toBe(5);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ id: '/pod/sandbox', observed: 9, kept: 4 });
    expect(warnings()[0]?.msg).toMatch(/^container \/pod\/sandbox has 9 series, over metrics.maxSeriesPerContainer=4: 5 series of 1 container/);

    // Same input in another container order: the same cut. The counter rises every cycle; the warning does not repeat.
    source.reversed = true;
    clock.ms += 60_000;
    expect(series(await cycle(), '/pod/sandbox')).toEqual(series(rm, '/pod/sandbox'));
    expect(stats.containerSeriesOverLimit).toBe(10);
    expect(warnings()).toHaveLength(1);
    clock.ms += 10 * 60_000;
    await cycle();
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({ cyclesSinceLastWarning: 1 });
    await p.shutdown();
  });

  it('series cut by the cap end (staleness markers) like those of a gone container', async () => {
    const source = new TwoContainers();
    const noCap = pipeline(source, 0, () => 0);
    expect(series(await noCap.cycle(), '/pod/sandbox')).toHaveLength(9);
    await noCap.p.shutdown();

    const { p, cycle, ended } = pipeline(source, 9, () => 0);
    expect(series(await cycle(), '/pod/sandbox')).toHaveLength(9);
    source.busy.network = [...(source.busy.network ?? []), iface('net3', 50)]; // 11 series now, cap 9
    const rm = await cycle();
    expect(series(rm, '/pod/sandbox')).toHaveLength(9);
    expect(series(rm, '/pod/sandbox')).not.toContain('container_network_transmit_bytes_total{net2}');
    await cycle(); // the marker follows the cycle that stopped observing the series
    expect(ended.map((e) => `${e.name}{${String(e.attributes.interface)}}`)).toEqual(['container_network_transmit_bytes_total{net2}']);
    await p.shutdown();
  });

  it('--once applies the same cap', async () => {
    const stats = new SelfStats();
    const cap = new ContainerSeriesCap({ maxSeriesPerContainer: 2, log: pino({ level: 'silent' }), stats });
    const rm = await collectOnce(resource, specs, new TwoContainers(), { seriesCap: cap });
    expect(series(rm, '/pod/sandbox')).toEqual(['container_memory_working_set_bytes{}', 'container_network_receive_bytes_total{eth0}']);
    expect(stats.containerSeriesOverLimit).toBe(7);
  });
});
