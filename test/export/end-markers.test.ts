import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { encodeStalenessMarkers } from '../../src/export/otlp/staleness-markers.js';
import type { EndedSeries } from '../../src/export/sdk/live-series.js';
import { MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import { decodeExportRequest, flattenRequest } from '../helpers/otlp-receiver.js';
import type { Snapshot } from '../../src/collection/sample.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

describe('end markers', () => {
  it('encode NoRecordedValue points that an OTLP decoder reads back exactly', () => {
    const ended: EndedSeries[] = [
      { name: 'container_cpu_usage_seconds_total', description: 'Cumulative cpu time consumed.', unit: 's', kind: 'sum', monotonic: true, startTime: [1700000000, 5], attributes: { id: '/a', cpu: 'total' } },
      { name: 'container_memory_rss', description: '', unit: '{byte}', kind: 'gauge', monotonic: false, startTime: [1700000001, 0], attributes: { id: '/a' } },
      { name: 'container_memory_rss', description: '', unit: '{byte}', kind: 'gauge', monotonic: false, startTime: [1700000001, 0], attributes: { id: '/b' } },
    ];
    const resource = resourceFromAttributes({ 'service.name': 'cadvisor', 'service.instance.id': 'node1' });
    const flat = flattenRequest(decodeExportRequest(encodeStalenessMarkers(resource, 'podpulse', ended, 1_800_000_000_123_000_000n)));
    expect(flat.resource).toEqual({ 'service.name': 'cadvisor', 'service.instance.id': 'node1' });
    const cpu = flat.metrics.find((m) => m.name === 'container_cpu_usage_seconds_total');
    expect(cpu).toMatchObject({ kind: 'sum', monotonic: true, temporality: 'CUMULATIVE', unit: 's', description: 'Cumulative cpu time consumed.', scope: 'podpulse' });
    expect(cpu?.points).toEqual([
      expect.objectContaining({ attributes: { id: '/a', cpu: 'total' }, flags: 1, startTimeUnixNano: 1_700_000_000_000_000_005n, timeUnixNano: 1_800_000_000_123_000_000n }),
    ]);
    const rss = flat.metrics.find((m) => m.name === 'container_memory_rss');
    expect(rss?.kind).toBe('gauge');
    expect(rss?.points.map((p) => [p.attributes.id, p.flags])).toEqual([['/a', 1], ['/b', 1]]);
  });

  it('are raised once, for the series observed last cycle and not this one', async () => {
    const ids = { now: ['/a', '/b'] };
    const source = {
      async collect(): Promise<Snapshot> {
        return {
          containers: ids.now.map((id) => ({ identity: { id, name: '', image: '', container: '', pod: '', namespace: '' }, lastSeenSeconds: 1, cgroup: { memory: { usageBytes: 5 }, cpu: { usageSeconds: 2 } } })),
          agent: new SelfStats(),
        };
      },
    };
    const raised: EndedSeries[][] = [];
    const p = new MetricsPipeline({
      resource: resourceFromAttributes({}),
      specs: catalog.filter((s) => s.name === 'container_memory_usage_bytes' || s.name === 'container_cpu_usage_seconds_total'),
      source,
      delivery: new OtlpDelivery({ otlp: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() }),
      intervalMs: 3_600_000,
      log: pino({ level: 'silent' }),
      onEnded: (ended) => raised.push([...ended]),
    });
    p.start();
    await p.collectNow();
    ids.now = ['/a'];
    await p.collectNow();
    await p.collectNow();
    expect(raised).toHaveLength(1);
    expect(raised[0]?.map((e) => `${e.name} ${e.attributes.id} ${e.kind}`).sort()).toEqual([
      'container_cpu_usage_seconds_total /b sum',
      'container_memory_usage_bytes /b gauge',
    ]);
    await p.shutdown();
  });
});
