import { Writable } from 'node:stream';
import { diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { MetricsPipeline } from '../../src/export/sdk/pipeline.js';
import { catalog } from '../../src/metrics/catalog.js';
import { routeOtelDiagnostics } from '../../src/otel-diag.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

describe('OpenTelemetry SDK diagnostics', () => {
  afterEach(() => diag.disable());

  it('a failing collection reaches our log instead of vanishing, and exports no stale values', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const log = pino({ level: 'info' }, sink);
    routeOtelDiagnostics(log);
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    let fail = false;
    const source = {
      async collect() {
        if (fail) throw new Error('cgroup walk exploded');
        return { containers: [{ identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, lastSeenSeconds: 1, cgroup: { memory: { usageBytes: 5 } } }], agent: new SelfStats() };
      },
    };
    const p = new MetricsPipeline({
      resource: resourceFromAttributes({}),
      specs: catalog.filter((s) => s.name === 'container_memory_usage_bytes'),
      source,
      delivery: new OtlpDelivery({ otlp: exporter, replaySnapshots: 0, retryBudgetMs: 0, stats: new SelfStats() }),
      intervalMs: 3_600_000,
      log,
    });
    p.start();
    await p.collectNow();
    expect(exporter.getMetrics()).toHaveLength(1);
    fail = true;
    exporter.reset();
    await p.collectNow();
    // Nothing observed this cycle: the previous value is not re-sent as if it were current.
    expect(exporter.getMetrics()).toHaveLength(0);
    expect(lines.some((l) => l.source === 'otel-sdk' && String(l.msg).includes('cgroup walk exploded'))).toBe(true);
    await p.shutdown();
  });
});
