import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthState } from '../../src/export/http/health.js';
import { PrometheusEndpoint } from '../../src/export/prometheus/endpoint.js';

const rm = {
  resource: resourceFromAttributes({ 'service.name': 'cadvisor', 'service.instance.id': 'node1' }),
  scopeMetrics: [
    {
      scope: { name: 'podpulse' },
      metrics: [
        {
          descriptor: { name: 'container_memory_working_set_bytes', description: 'Working set.', unit: 'By', type: 'OBSERVABLE_GAUGE', valueType: 1 } as never,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: { id: '/', pod: '' }, value: 42 }],
        },
      ],
    },
  ],
} as unknown as ResourceMetrics;

describe('PrometheusEndpoint', () => {
  let ep: PrometheusEndpoint | undefined;
  afterEach(async () => ep?.stop());

  it('serves the last snapshot on /metrics with the collector path names and labels', async () => {
    let now = 0;
    const health = new HealthState({ staleAfterMs: 3000, now: () => now });
    ep = new PrometheusEndpoint({ host: '127.0.0.1', port: 0 }, pino({ level: 'silent' }), health);
    await ep.start();
    expect(ep.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const empty = await fetch(ep.url as string);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
    ep.update(rm);
    const res = await fetch(ep.url as string);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE container_memory_working_set_bytes gauge');
    expect(text).toContain('container_memory_working_set_bytes{id="/",instance="node1",job="cadvisor",pod=""} 42');
    const base = (ep.url as string).replace(/\/metrics$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    // The same health record as the health endpoint: no collection for 3 intervals is unhealthy.
    now = 3001;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(ep.url as string, { method: 'POST' })).status).toBe(405);
  });

  it('says clearly when the port is taken', async () => {
    ep = new PrometheusEndpoint({ host: '127.0.0.1', port: 0 }, pino({ level: 'silent' }), new HealthState({ staleAfterMs: 3000 }));
    await ep.start();
    const port = Number(new URL(ep.url as string).port);
    const second = new PrometheusEndpoint({ host: '127.0.0.1', port }, pino({ level: 'silent' }), new HealthState({ staleAfterMs: 3000 }));
    await expect(second.start()).rejects.toThrow(`cannot listen on 127.0.0.1:${port} for export.prometheus: EADDRINUSE`);
  });
});
