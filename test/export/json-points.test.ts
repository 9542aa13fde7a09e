import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { OnDemandReader } from '../../src/export/sdk/pipeline.js';

describe('toJsonPoints', () => {
  it('gives one plain object per gauge / sum data point with the OTel name, kind, unit and attributes', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'cadvisor' }), readers: [reader] });
    const meter = provider.getMeter('podpulse-test');
    meter
      .createObservableCounter('container_cpu_usage_seconds_total', { unit: 's' })
      .addCallback((r) => {
        r.observe(1.25, { container: 'web', cpu: 'total' });
        r.observe(2, { container: 'db', cpu: 'total' });
      });
    meter.createObservableGauge('container.memory.working_set', { unit: 'By' }).addCallback((r) => r.observe(4096, { container: 'web' }));
    meter.createObservableUpDownCounter('container.pids', { unit: '{process}' }).addCallback((r) => r.observe(3, { n: 1, ok: true }));
    meter.createHistogram('ignored.histogram').record(1);

    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const points = toJsonPoints(resourceMetrics);
    expect(points).toEqual([
      { name: 'container_cpu_usage_seconds_total', type: 'counter', unit: 's', attributes: { container: 'web', cpu: 'total' }, value: 1.25 },
      { name: 'container_cpu_usage_seconds_total', type: 'counter', unit: 's', attributes: { container: 'db', cpu: 'total' }, value: 2 },
      { name: 'container.memory.working_set', type: 'gauge', unit: 'By', attributes: { container: 'web' }, value: 4096 },
      { name: 'container.pids', type: 'updowncounter', unit: '{process}', attributes: { n: 1, ok: true }, value: 3 },
    ]);
    // --print json writes one object per line: every point must survive JSON unchanged.
    for (const p of points) expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    await provider.shutdown();
  });

  it('returns [] when nothing was observed', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ readers: [reader] });
    provider.getMeter('t').createObservableGauge('g').addCallback(() => undefined);
    const { resourceMetrics } = await reader.collect();
    expect(toJsonPoints(resourceMetrics)).toEqual([]);
    await provider.shutdown();
  });
});
