/**
 * Series handles at the SDK boundary: the SDK is given one-key handles, and the labels are put back
 * right after its collection, so nothing downstream (live filter, end markers, --once, OTLP) ever
 * sees a handle, and a point whose handle is unknown is left out.
 */
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ContainerSample, Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { expandHandles } from '../../src/export/sdk/expand-handles.js';
import { LiveSeries, type EndedSeries } from '../../src/export/sdk/live-series.js';
import { collectOnce, MetricsPipeline, OnDemandReader } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import { OBSERVE_SLICE_POINTS, registerCatalog, type ObservationSink } from '../../src/metrics/instruments.js';
import { SERIES_HANDLE_KEY, SeriesHandles } from '../../src/metrics/series-handles.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const resource = resourceFromAttributes({ 'service.name': 'cadvisor' });
const NAMES = ['container_memory_usage_bytes', 'container_cpu_usage_seconds_total', 'container_network_receive_bytes_total'];
const specs = catalog.filter((s) => NAMES.includes(s.name));
const HASH = 'a'.repeat(64);

/** Labels per container id; discovery may rebuild the identity object every cycle (as here). */
class Source implements SnapshotSource {
  pods = new Map<string, string>();
  ids: string[] = ['/a', '/b'];
  async collect(): Promise<Snapshot> {
    return {
      containers: this.ids.map(
        (id): ContainerSample => ({
          identity: { id, name: HASH, image: 'nginx:1.27', container: this.pods.has(id) ? 'app' : '', pod: this.pods.get(id) ?? '', namespace: this.pods.has(id) ? 'shop' : '' },
          cgroup: { memory: { usageBytes: 5 }, cpu: { usageSeconds: 2 } },
          network: [{ name: 'eth0', rxBytes: 1, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 1, txPackets: 1, txErrors: 0, txDropped: 0 }],
          lastSeenSeconds: 1,
        }),
      ),
      agent: new SelfStats(),
    };
  }
}

type Point = { name: string; attributes: Attributes };
function points(rm: ResourceMetrics): Point[] {
  return rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints.map((d) => ({ name: m.descriptor.name, attributes: d.attributes }))));
}

function pipeline(source: SnapshotSource, maxDeadSeries = 1000) {
  const sink = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const ended: EndedSeries[][] = [];
  const p = new MetricsPipeline({
    resource,
    specs,
    source,
    delivery: new OtlpDelivery({ otlp: sink, replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() }),
    intervalMs: 3_600_000,
    log: pino({ level: 'silent' }),
    maxDeadSeries,
    onEnded: (e) => ended.push([...e]),
  });
  p.start();
  const cycle = async (): Promise<Point[]> => {
    sink.reset();
    await p.collectNow();
    await new Promise((r) => setImmediate(r));
    const rm = sink.getMetrics()[0];
    return rm ? points(rm) : [];
  };
  return { p, cycle, ended };
}

/** The SDK's own view: registerCatalog on a bare reader, no expansion. */
function bare(source: SnapshotSource, sink: ObservationSink = new LiveSeries()) {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const handles = new SeriesHandles();
  registerCatalog(provider.getMeter('podpulse'), specs, source, sink, handles);
  return { reader, provider, handles };
}

describe('series handles at the SDK boundary', () => {
  it('the SDK holds only one-key handles; the export carries the full labels, never the handle key', async () => {
    const source = new Source();
    const { reader, provider } = bare(source);
    const raw = points((await reader.collect()).resourceMetrics);
    expect(raw.length).toBe(6);
    for (const p of raw) expect(Object.keys(p.attributes)).toEqual([SERIES_HANDLE_KEY]);
    await provider.shutdown();

    const { p, cycle } = pipeline(source);
    for (let i = 0; i < 3; i++) {
      const exported = await cycle();
      expect(exported.map((x) => `${x.name} ${String(x.attributes.id)} ${String(x.attributes.name)} ${String(x.attributes.cpu ?? x.attributes.interface ?? '')}`).sort()).toEqual([
        `container_cpu_usage_seconds_total /a ${HASH} total`,
        `container_cpu_usage_seconds_total /b ${HASH} total`,
        `container_memory_usage_bytes /a ${HASH} `,
        `container_memory_usage_bytes /b ${HASH} `,
        `container_network_receive_bytes_total /a ${HASH} eth0`,
        `container_network_receive_bytes_total /b ${HASH} eth0`,
      ]);
      for (const x of exported) expect(SERIES_HANDLE_KEY in x.attributes).toBe(false);
    }
    await p.shutdown();
  });

  it('--once (collectOnce) exports full labels too', async () => {
    const rm = await collectOnce(resource, specs, new Source());
    const exported = points(rm);
    expect(exported).toHaveLength(6);
    for (const x of exported) {
      expect(SERIES_HANDLE_KEY in x.attributes).toBe(false);
      expect(x.attributes).toMatchObject({ name: HASH, image: 'nginx:1.27' });
    }
  });

  it('changed labels (CRI labels arrive for a container first seen raw) start a new series; the raw one ends with its own labels', async () => {
    const source = new Source();
    const { p, cycle, ended } = pipeline(source);
    await cycle();
    source.pods.set('/a', 'web-0');
    const next = await cycle();
    const memA = next.filter((x) => x.name === 'container_memory_usage_bytes' && x.attributes.id === '/a');
    expect(memA.map((x) => x.attributes.pod)).toEqual(['web-0']);
    expect(ended).toHaveLength(1);
    expect(ended[0]?.map((e) => `${e.name} ${String(e.attributes.id)} pod=${String(e.attributes.pod)}`).sort()).toEqual([
      'container_cpu_usage_seconds_total /a pod=',
      'container_memory_usage_bytes /a pod=',
      'container_network_receive_bytes_total /a pod=',
    ]);
    await p.shutdown();
  });

  it('points whose handle is forgotten (dead series the SDK keeps) or missing are left out, and count as dead', async () => {
    const source = new Source();
    const live = new LiveSeries();
    const { reader, provider, handles } = bare(source, live);
    await reader.collect();
    source.ids = ['/a'];
    await reader.collect();
    await reader.collect();
    const raw = (await reader.collect()).resourceMetrics;
    // The SDK still exports /b's three series under their handles ...
    expect(points(raw)).toHaveLength(6);
    const expansion = expandHandles(raw, handles);
    // ... which are forgotten: left out, counted per metric.
    expect(expansion.droppedTotal).toBe(3);
    expect([...expansion.dropped.values()]).toEqual([1, 1, 1]);
    const kept = points(expansion.resourceMetrics);
    expect(kept.map((x) => x.attributes.id)).toEqual(['/a', '/a', '/a']);
    live.filter(expansion.resourceMetrics, expansion.dropped);
    expect(live.maxDeadPerInstrument).toBe(1);
    await provider.shutdown();

    // A collection that carries no handle at all (the SDK's overflow point, a foreign attribute set).
    const foreign: ResourceMetrics = {
      resource,
      scopeMetrics: [
        {
          scope: { name: 'podpulse' },
          metrics: [
            {
              descriptor: { name: 'm', description: '', unit: '', valueType: 1, type: 'GAUGE' },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
              dataPoints: [
                { attributes: { 'otel.metric.overflow': true }, startTime: [0, 0], endTime: [0, 0], value: 1 },
                { attributes: {}, startTime: [0, 0], endTime: [0, 0], value: 1 },
                { attributes: { [SERIES_HANDLE_KEY]: 999_999 }, startTime: [0, 0], endTime: [0, 0], value: 1 },
                { attributes: { [SERIES_HANDLE_KEY]: 'x' }, startTime: [0, 0], endTime: [0, 0], value: 1 },
              ],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    const none = expandHandles(foreign, handles);
    expect(points(none.resourceMetrics)).toEqual([]);
    expect(none.droppedTotal).toBe(4);
    expect(none.dropped.get('m')).toBe(4);
  });

  it('dead handles still drive the MeterProvider replacement, and a new generation never reuses a handle', async () => {
    const source = new Source();
    const { p, cycle } = pipeline(source, 10);
    const generations = new Set<number>();
    for (let c = 0; c < 12; c++) {
      source.ids = Array.from({ length: 5 }, (_, i) => `/churn/${c}-${i}`);
      const exported = await cycle();
      expect(new Set(exported.map((x) => x.attributes.id))).toEqual(new Set(source.ids));
      for (const x of exported) expect(SERIES_HANDLE_KEY in x.attributes).toBe(false);
      generations.add(p.generation);
    }
    expect(generations.size).toBeGreaterThan(1);
    await p.shutdown();
  });

  it('observing yields to the event loop between slices, in catalog order, and overlapping collections never interleave', async () => {
    const source = new Source();
    // Three points per container: enough containers for several slices.
    source.ids = Array.from({ length: Math.ceil((3 * OBSERVE_SLICE_POINTS) / 3) + 10 }, (_, i) => `/c${i}`);
    const events: string[] = [];
    let order: string[] = [];
    const sink: ObservationSink = {
      beginCycle: () => {
        events.push('begin');
        order = [];
      },
      observe: (name, attributes) => order.push(`${name} ${String(attributes.id)}`),
      endCycle: () => events.push('end'),
    };
    const { reader, provider } = bare(source, sink);
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // Two collections at once (a forceFlush beside the periodic one).
    await Promise.all([reader.collect(), reader.collect()]);
    ticking = false;
    expect(events).toEqual(['begin', 'end', 'begin', 'end']);
    // 3 slices per collection: the loop turned between them (a blocking observe loop gives 0 here).
    expect(ticks).toBeGreaterThanOrEqual(4);
    const expected = specs.flatMap((s) => source.ids.map((id) => `${s.name} ${id}`));
    expect(order).toEqual(expected);
    await provider.shutdown();
  });

  it("the agent's own rows are read with the snapshot, not after the yields (podpulse_cri_up matches the containers' labels)", async () => {
    const stats = new SelfStats();
    stats.recordCriUp(false);
    const many = new Source();
    many.ids = Array.from({ length: OBSERVE_SLICE_POINTS }, (_, i) => `/c${i}`);
    const source: SnapshotSource = {
      async collect() {
        const snap = await many.collect();
        // The runtime answers while the SDK is being fed: this cycle's export must still say 0.
        setImmediate(() => stats.recordCriUp(true));
        return { ...snap, agent: stats };
      },
    };
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ resource, readers: [reader] });
    const handles = new SeriesHandles();
    registerCatalog(provider.getMeter('podpulse'), [...specs, ...catalog.filter((s) => s.name === 'podpulse_cri_up')], source, new LiveSeries(), handles);
    const first = expandHandles((await reader.collect()).resourceMetrics, handles).resourceMetrics;
    const criUp = (rm: ResourceMetrics) => rm.scopeMetrics.flatMap((sm) => sm.metrics).find((m) => m.descriptor.name === 'podpulse_cri_up')?.dataPoints[0]?.value;
    expect(stats.criUp).toBe(true); // it did flip during the collection
    expect(criUp(first)).toBe(0);
    const second = expandHandles((await reader.collect()).resourceMetrics, handles).resourceMetrics;
    expect(criUp(second)).toBe(1);
    await provider.shutdown();
  });
});
