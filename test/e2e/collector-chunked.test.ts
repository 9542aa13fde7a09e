/**
 * A snapshot cut into several OTLP requests (export.otlp.maxRequestKib), run for real: OtlpDelivery
 * with the agent's gRPC exporter (gzip, and none) -> the OpenTelemetry Collector built from otel-collector/
 * with otel-collector/config.yaml -> Prometheus remote-write receiver. Every request must be taken
 * alone (each carries its resource, scope and metric descriptors), and every series of the snapshot
 * must land in Prometheus once, with its value.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Attributes } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpDelivery, type DeliveryReport } from '../../src/export/otlp/delivery.js';
import { createOtlpExporter } from '../../src/export/otlp/exporter.js';
import { RequestEncoder } from '../../src/export/otlp/request-encoder.js';
import { countPoints } from '../../src/export/sdk/count-points.js';
import { collectOnce } from '../../src/export/sdk/pipeline.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { collectorOrSkip, startCollector, type RunningCollector } from '../helpers/collector.js';
import { prometheusConfig } from '../helpers/collector-e2e.js';
import { ensurePrometheusInstalled, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { syntheticNode } from '../helpers/synthetic-node.js';

const col = collectorOrSkip();
const prom = ensurePrometheusInstalled();
const NAME = 'a snapshot cut into several requests -> OpenTelemetry Collector -> Prometheus remote write';
const title = col.skip ? col.title(NAME) : prom.title(NAME);

describe.skipIf(col.skip || !prom.ok)(title, () => {
  let prometheus: RunningPrometheus;
  let collector: RunningCollector;

  beforeAll(async () => {
    prometheus = await startPrometheus({ configYaml: prometheusConfig(), extraArgs: ['--web.enable-remote-write-receiver'] });
    collector = await startCollector({ binary: col.binary(), remoteWriteUrl: `${prometheus.url}/api/v1/write` });
  });

  afterAll(async () => {
    await collector?.stop();
    await prometheus?.stop();
  });

  it.each(['gzip', 'none'] as const)('every series of a 150-pod node sent as requests of at most 320 KiB (%s) arrives in Prometheus once, with its value', async (compression) => {
    // One instance per compression, so the two runs never write the same series.
    const NODE = `node-chunked-${compression}`;
    const resource = resourceFromAttributes({ 'service.name': 'cadvisor', 'service.instance.id': NODE, 'k8s.node.name': NODE });
    const rm = await collectOnce(resource, enabledSpecs({ groups: {}, disabled: [], profile: 'cadvisor' }), { collect: async () => syntheticNode(150) });
    const max = 320 * 1024;
    const encoder = new RequestEncoder({ maxRequestBytes: max });
    const plan = encoder.plan(rm);
    // Some 150 KB per slice of 32 containers: two slices a request, about ten requests.
    expect(plan.requests.length).toBeGreaterThan(5);
    expect(plan.requests.every((r) => r.bytes <= max && r.end - r.first >= 1)).toBe(true);
    expect(plan.requests.some((r) => r.end - r.first > 1)).toBe(true);
    const otlp = createOtlpExporter({
      endpoint: `http://${collector.grpcAddress}`,
      headers: {},
      timeoutMs: 10_000,
      compression,
      tls: { ca: '', cert: '', key: '', insecure: false },
    });
    const reports: DeliveryReport[] = [];
    const stats = new SelfStats();
    const delivery = new OtlpDelivery({ otlp, encoder, replaySnapshots: 0, retryBudgetMs: 10_000, stats, onReport: (r) => reports.push(r) });
    try {
      await new Promise<void>((resolve) => delivery.export(rm, () => resolve()));
    } finally {
      await delivery.shutdown();
    }
    expect(reports[0]).toMatchObject({ outcome: 'ok', points: countPoints(rm), requests: plan.requests.length, queued: 0 });
    expect(stats.droppedPoints).toBe(0);

    // The pods' series (namespace "shop"), by name and labels, with their values.
    const expected = new Map<string, number>();
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.dataPoints) {
          const a = p.attributes as Attributes;
          if (a.namespace !== 'shop') continue;
          expected.set(`${m.descriptor.name} ${String(a.id)} ${JSON.stringify(Object.entries(a).filter(([k]) => k !== 'id').sort())}`, p.value as number);
        }
      }
    }
    expect(expected.size).toBeGreaterThan(5000);
    const selector = `{job="cadvisor", instance="${NODE}", namespace="shop"}`;
    await prometheus.waitFor(`count(${selector})`, { timeoutMs: 60_000, accept: (s) => s[0]?.value === expected.size });
    const got = await prometheus.query(selector);
    expect(got).toHaveLength(expected.size);
    // Every pushed series is one of the snapshot's, with its value (the ids tell the 600 containers apart).
    const byIdAndName = new Map<string, number[]>();
    for (const [key, value] of expected) {
      const [name, id] = key.split(' ');
      const k = `${name} ${id}`;
      byIdAndName.set(k, [...(byIdAndName.get(k) ?? []), value]);
    }
    const wrong = got.filter((s) => !(byIdAndName.get(`${s.metric.__name__} ${s.metric.id}`) ?? []).includes(s.value));
    expect(wrong.map((s) => `${s.metric.__name__}{id="${s.metric.id}"} ${s.value}`).slice(0, 10)).toEqual([]);
    console.log(`[collector chunked] ${compression}: ${countPoints(rm)} points in ${plan.requests.length} requests of at most ${max / 1024} KiB (largest ${Math.max(...plan.requests.map((r) => r.bytes))} bytes); ${got.length} pod series in Prometheus`);
  });
});
