/**
 * The catalog spread over several meters (shards) of one MeterProvider, so that the SDK's record +
 * collect, synchronous per meter, is several short stretches instead of one long one: every series
 * stays in one meter, one snapshot feeds all of them, each meter's callback resolves in its own
 * event-loop turn, and the shards' scopes are merged back so the export is the one-meter export.
 */
import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, MeterProvider, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { ContainerSample, Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { expandHandles } from '../../src/export/sdk/expand-handles.js';
import { LiveSeries } from '../../src/export/sdk/live-series.js';
import { OnDemandReader } from '../../src/export/sdk/pipeline.js';
import { limitSeriesPerMetric } from '../../src/export/sdk/series-limit.js';
import { mergeShardScopes, SCOPE, shardMeters } from '../../src/export/sdk/shard-scopes.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { registerCatalog } from '../../src/metrics/instruments.js';
import { SERIES_HANDLE_KEY, SeriesHandles } from '../../src/metrics/series-handles.js';
import type { MetricSpec } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const resource = resourceFromAttributes({ 'service.name': 'cadvisor' });
const SHARDS = 8;
/** Both profiles: cadvisor rows (identity labels) and semconv rows (semconv identities) at once. */
const specs: readonly MetricSpec[] = enabledSpecs({ groups: {}, disabled: [], profile: 'both' });
const order = new Map(specs.map((s, i) => [s.name, i]));

function cgroup(v: number): ContainerSample['cgroup'] {
  return {
    cpu: { usageSeconds: v, userSeconds: v * 0.75, systemSeconds: v * 0.25 },
    memory: { usageBytes: 1000 * v, workingSetBytes: 800 * v, rssBytes: 500, limitBytes: 4096, pageFaults: 90, majorPageFaults: 4 },
    io: [{ major: 8, minor: 0, device: '/dev/sda', readBytes: 11 * v, writeBytes: 22 }],
  };
}

/**
 * A node with `pods` pods (pod cgroup, sandbox owning the network, two containers) and "/". Every
 * cycle builds new sample and identity objects (discovery may), and values move with `cycle`.
 */
class Node implements SnapshotSource {
  pods: number[] = [];
  cycle = 0;
  collects = 0;
  readonly stats = new SelfStats();
  async collect(): Promise<Snapshot> {
    this.collects++;
    this.cycle++;
    const v = this.cycle;
    const containers: ContainerSample[] = [{ identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: cgroup(50 + v), lastSeenSeconds: 160, startTimeSeconds: 10 }];
    for (const p of this.pods) {
      const uid = `00000000-0000-0000-0000-${String(p).padStart(12, '0')}`;
      const pod = `web-${p}`;
      containers.push({ identity: { id: `/kubepods/pod${uid}`, name: '', image: '', container: '', pod, namespace: 'shop' }, k8s: { role: 'pod', podUid: uid }, cgroup: cgroup(v + p), lastSeenSeconds: 160 });
      containers.push({
        identity: { id: `/kubepods/pod${uid}/sandbox`, name: `s${p}`.padEnd(64, 's'), image: 'registry.k8s.io/pause:3.9', container: '', pod, namespace: 'shop' },
        k8s: { role: 'sandbox', podUid: uid },
        cgroup: cgroup(1),
        network: [{ name: 'eth0', rxBytes: 100 * v, rxPackets: v, rxErrors: 0, rxDropped: 0, txBytes: 50 * v, txPackets: v, txErrors: 0, txDropped: 0 }],
        lastSeenSeconds: 160,
      });
      for (const c of ['app', 'sidecar']) {
        containers.push({
          identity: { id: `/kubepods/pod${uid}/${c}`, name: `${c}${p}`.padEnd(64, 'f'), image: 'docker.io/library/busybox:1.36', container: c, pod, namespace: 'shop' },
          k8s: { role: 'container', podUid: uid },
          cgroup: cgroup(v * 2 + p),
          fs: [{ device: '/dev/sda1', usageBytes: 4096 * p, limitBytes: 1 << 30, availableBytes: 1 << 29 }],
          startTimeSeconds: 100 + p,
          lastSeenSeconds: 160,
        });
      }
    }
    this.stats.recordCycle(0.01 * v, containers.length);
    return { containers, machine: { cpuCores: 4, memoryBytes: 1 << 30, machineId: 'm', bootId: 'b', systemUuid: 'u' }, agent: this.stats };
  }
}

/**
 * registerCatalog on `meters` meters of a bare reader; collect() returns the raw and the exported
 * collection, after handing the raw one (points still carrying handles) to `inspect`: the export
 * pass puts the labels on the SDK's points in place.
 */
function collector(meters: number, source: SnapshotSource, pointsPerMeter?: number) {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const live = new LiveSeries();
  const handles = new SeriesHandles();
  registerCatalog(meters === 1 ? provider.getMeter(SCOPE) : shardMeters(provider, meters), specs, source, live, handles, pointsPerMeter ? { pointsPerMeter } : {});
  return {
    provider,
    handles,
    async collect(inspect?: (raw: ResourceMetrics) => void): Promise<{ raw: ResourceMetrics; out: ResourceMetrics; errors: unknown[] }> {
      const { resourceMetrics: raw, errors } = await reader.collect();
      inspect?.(raw);
      const out = live.filter(expandHandles(mergeShardScopes(raw, order), handles).resourceMetrics);
      return { raw, out, errors };
    },
  };
}

/** A collection as a comparable value: scopes, metrics in order with their descriptors, points (labels + value) sorted. */
function normalize(rm: ResourceMetrics): unknown {
  return rm.scopeMetrics.map((sm) => ({
    scope: { name: sm.scope.name, version: sm.scope.version, schemaUrl: sm.scope.schemaUrl },
    metrics: sm.metrics.map((m) => ({
      descriptor: m.descriptor,
      type: m.dataPointType,
      temporality: m.aggregationTemporality,
      monotonic: m.dataPointType === DataPointType.SUM ? m.isMonotonic : undefined,
      points: m.dataPoints.map((d) => JSON.stringify([d.attributes, d.value])).sort(),
    })),
  }));
}

const pointCount = (rm: ResourceMetrics): number => rm.scopeMetrics.reduce((n, sm) => n + sm.metrics.reduce((k, m) => k + m.dataPoints.length, 0), 0);

describe('the catalog over several meters (shards)', () => {
  it('exports exactly what one meter exports (one "podpulse" scope, same metrics in catalog order, same points), from one snapshot per collection', async () => {
    const one = new Node();
    const many = new Node();
    const ref = collector(1, one);
    // 100 points per meter: this small node is spread over all eight.
    const sharded = collector(SHARDS, many, 100);
    const script = [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7, 8], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]];
    for (const pods of script) {
      one.pods = many.pods = pods;
      const a = await ref.collect();
      const b = await sharded.collect();
      expect(b.errors).toEqual([]);
      // Not vacuous: the SDK really collected several meters.
      expect(new Set(b.raw.scopeMetrics.map((sm) => sm.scope.version)).size).toBeGreaterThanOrEqual(4);
      expect(b.out.scopeMetrics.map((sm) => [sm.scope.name, sm.scope.version])).toEqual([[SCOPE, '']]);
      expect(a.out.scopeMetrics.map((sm) => [sm.scope.name, sm.scope.version])).toEqual([[SCOPE, '']]);
      expect(pointCount(b.out)).toBeGreaterThan(pods.length * 4 * 10);
      expect(normalize(b.out)).toEqual(normalize(a.out));
      expect(b.out.scopeMetrics[0]?.metrics.map((m) => m.descriptor.name)).toEqual(a.out.scopeMetrics[0]?.metrics.map((m) => m.descriptor.name));
    }
    expect(many.collects).toBe(script.length);
    await ref.provider.shutdown();
    await sharded.provider.shutdown();
  });

  it('keeps every series in one meter for its life, and all series of one container together', async () => {
    const node = new Node();
    const c = collector(SHARDS, node, 50);
    const meterOf = new Map<number, string>();
    const script = [[1, 2, 3], [1, 2, 3], [2, 3, 4, 5], [4, 5], [1, 4, 5]];
    for (const pods of script) {
      node.pods = pods;
      /** Container id → the meters its live series were collected in. */
      const metersOfContainer = new Map<string, Set<string>>();
      await c.collect((raw) => {
        for (const sm of raw.scopeMetrics) {
          const version = sm.scope.version ?? '';
          for (const d of sm.metrics.flatMap((m) => m.dataPoints as readonly { attributes: Attributes }[])) {
            const n = d.attributes[SERIES_HANDLE_KEY];
            if (typeof n !== 'number') continue;
            // Never in another meter than before, nor in two meters of one collection.
            expect(meterOf.get(n) ?? version).toBe(version);
            meterOf.set(n, version);
            const id = c.handles.attributesOf(d.attributes)?.id;
            if (typeof id !== 'string') continue;
            let set = metersOfContainer.get(id);
            if (!set) metersOfContainer.set(id, (set = new Set()));
            set.add(version);
          }
        }
      });
      // "/" and four cgroups per pod (the SDK also carries ended ones still remembered for a cycle).
      expect(metersOfContainer.size).toBeGreaterThanOrEqual(1 + pods.length * 4);
      for (const set of metersOfContainer.values()) expect(set.size).toBe(1);
    }
    // Spread over the meters, not all in one.
    expect(new Set(meterOf.values()).size).toBe(SHARDS);
    await c.provider.shutdown();
  });

  it("resolves the meters' callbacks one per event-loop turn (each meter's record + collect is a stretch of its own)", async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ resource, readers: [reader] });
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    const settled: { meter: number; tick: number }[] = [];
    // The SDK records a meter's observations in the microtasks right after its callback settles.
    const watched = shardMeters(provider, SHARDS).map(
      (meter, i): Meter =>
        new Proxy(meter, {
          get(target, prop, receiver) {
            if (prop !== 'addBatchObservableCallback') return Reflect.get(target, prop, receiver) as unknown;
            return (cb: BatchObservableCallback, observables: Observable[]) =>
              target.addBatchObservableCallback(async (result) => {
                await cb(result);
                settled.push({ meter: i, tick: ticks });
              }, observables);
          },
        }),
    );
    const node = new Node();
    node.pods = [1, 2, 3, 4, 5, 6, 7, 8];
    registerCatalog(watched, specs, node, new LiveSeries(), new SeriesHandles(), { pointsPerMeter: 100 });
    setImmediate(tick);
    const { errors } = await reader.collect();
    ticking = false;
    expect(errors).toEqual([]);
    expect(settled.map((s) => s.meter)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < settled.length; i++) expect((settled[i] as { tick: number }).tick).toBeGreaterThan((settled[i - 1] as { tick: number }).tick);
    await provider.shutdown();
  });

  it('a small node stays on one meter (POINTS_PER_METER); as it grows, only its new series go to more meters', async () => {
    const node = new Node();
    const ref = new Node();
    const c = collector(SHARDS, node);
    const one = collector(1, ref);
    const versions = (raw: ResourceMetrics): string[] => [...new Set(raw.scopeMetrics.map((sm) => sm.scope.version ?? ''))].sort();
    const handlesIn = (raw: ResourceMetrics): Map<number, string> => {
      const out = new Map<number, string>();
      for (const sm of raw.scopeMetrics) {
        for (const d of sm.metrics.flatMap((m) => m.dataPoints as readonly { attributes: Attributes }[])) {
          const n = d.attributes[SERIES_HANDLE_KEY];
          if (typeof n === 'number') out.set(n, sm.scope.version ?? '');
        }
      }
      return out;
    };
    node.pods = ref.pods = [1, 2, 3];
    let early = new Map<number, string>();
    const small = await c.collect((raw) => (early = handlesIn(raw)));
    expect(new Set(early.values())).toEqual(new Set(['']));
    expect(normalize(small.out)).toEqual(normalize((await one.collect()).out));
    // Enough pods for several meters' worth of points (under the reader's 2,000 series per metric):
    // the new series are spread, the first ones stay.
    node.pods = ref.pods = Array.from({ length: 100 }, (_, i) => i + 1);
    let grown = new Map<number, string>();
    const big = await c.collect((raw) => (grown = handlesIn(raw)));
    for (const n of early.keys()) expect(grown.get(n)).toBe('');
    expect(new Set(grown.values()).size).toBeGreaterThanOrEqual(2);
    expect(normalize(big.out)).toEqual(normalize((await one.collect()).out));
    await c.provider.shutdown();
    await one.provider.shutdown();
  });

  it('a failed snapshot is one error of the collection, nothing is exported, and the next collection is whole', async () => {
    const node = new Node();
    node.pods = [1, 2];
    let fail = true;
    const source: SnapshotSource = {
      async collect() {
        if (fail) throw new Error('no snapshot');
        return node.collect();
      },
    };
    const c = collector(SHARDS, source);
    const first = await c.collect();
    expect(first.errors).toHaveLength(1);
    expect(String(first.errors[0])).toContain('no snapshot');
    expect(pointCount(first.out)).toBe(0);
    fail = false;
    const second = await c.collect();
    expect(second.errors).toEqual([]);
    expect(pointCount(second.out)).toBeGreaterThan(2 * 4 * 10);
    await c.provider.shutdown();
  });
});

function metric(name: string, handles: readonly (number | undefined)[]): MetricData {
  return {
    descriptor: { name, description: '', unit: '', valueType: 1, type: 'GAUGE' },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: handles.map((n) => ({ attributes: n === undefined ? { 'otel.metric.overflow': true } : { [SERIES_HANDLE_KEY]: n }, startTime: [0, 0], endTime: [0, 0], value: n ?? -1 })),
  } as unknown as MetricData;
}

const handlesOf = (m: MetricData | undefined): unknown[] => (m?.dataPoints ?? []).map((d) => (d.attributes as Attributes)[SERIES_HANDLE_KEY] ?? 'overflow');

describe('mergeShardScopes', () => {
  it('folds the shard scopes into one "podpulse" scope: same-name metrics concatenated, catalog order, other scopes untouched', () => {
    const a0 = metric('a', [1, 2]);
    const c0 = metric('c', [3]);
    const b3 = metric('b', [4]);
    const a3 = metric('a', [5]);
    const x = metric('x', [6]);
    const other = { scope: { name: 'other', version: '1' }, metrics: [x] };
    const rm = {
      resource,
      scopeMetrics: [{ scope: { name: SCOPE, version: 'podpulse-shard-3' }, metrics: [b3, a3] }, other, { scope: { name: SCOPE, version: '' }, metrics: [a0, c0] }],
    } as ResourceMetrics;
    const merged = mergeShardScopes(rm, new Map([['a', 0], ['b', 1], ['c', 2]]));
    expect(merged.resource).toBe(resource);
    expect(merged.scopeMetrics.map((sm) => [sm.scope.name, sm.scope.version])).toEqual([[SCOPE, ''], ['other', '1']]);
    const [one, rest] = merged.scopeMetrics;
    expect(rest).toBe(other);
    expect(one?.metrics.map((m) => m.descriptor.name)).toEqual(['a', 'b', 'c']);
    expect(handlesOf(one?.metrics[0])).toEqual([5, 1, 2]);
    // A metric only one shard has is passed on as it is.
    expect(one?.metrics[1]).toBe(b3);
    expect(one?.metrics[2]).toBe(c0);
    // The input is not changed.
    expect(handlesOf(a0)).toEqual([1, 2]);
  });

  it('returns a collection of the real scope alone as it is', () => {
    const rm = { resource, scopeMetrics: [{ scope: { name: SCOPE, version: '' }, metrics: [metric('a', [1])] }] } as ResourceMetrics;
    expect(mergeShardScopes(rm, new Map())).toBe(rm);
  });
});

describe('limitSeriesPerMetric (the SDK cardinality limit over all shards of a metric)', () => {
  it('keeps the series first seen (lowest handle numbers) up to what one meter kept, the rest and the overflow points left out', () => {
    // maxSeriesPerMetric 2 → SDK limit 2 + 1 dead + 1 overflow slot → 3 series kept.
    const rm = {
      resource,
      scopeMetrics: [{ scope: { name: SCOPE, version: '' }, metrics: [metric('a', [5, 1, undefined, 3, 2]), metric('b', [9, 7])] }],
    } as ResourceMetrics;
    const limited = limitSeriesPerMetric(rm, 2);
    expect(handlesOf(limited.scopeMetrics[0]?.metrics[0])).toEqual([1, 2, 3]);
    expect(limited.scopeMetrics[0]?.metrics[1]).toBe(rm.scopeMetrics[0]?.metrics[1]);
    expect(limitSeriesPerMetric(rm, 10)).toBe(rm);
  });
});
