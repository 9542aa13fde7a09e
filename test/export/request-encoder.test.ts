/**
 * podpulse's OTLP request encoder against the SDK's serializer: the same snapshots (the agent's own,
 * of the fixture roots, and synthetic nodes in each profile) decoded with the OTLP proto must hold
 * the same resources, scopes, metrics and points, field by field. Our request cuts the node's
 * resource into several ResourceMetrics entries (slices of containers); entries with equal
 * resources are merged before comparing, which is how OTLP receivers read them.
 */
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { multiResourceSerializer } from '../../src/export/otlp/sdk-serializer.js';
import { CONTAINERS_PER_SLICE, MAX_REQUEST_BYTES, RequestEncoder, UnsupportedMetricError } from '../../src/export/otlp/request-encoder.js';
import { countPoints } from '../../src/export/sdk/count-points.js';
import { collectOnce } from '../../src/export/sdk/pipeline.js';
import { ResourceGroups } from '../../src/export/sdk/resource-groups.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import type { Profile } from '../../src/metrics/spec.js';
import { decodeExportRequest, type ExportRequest, type RawResourceMetrics } from '../helpers/otlp-receiver.js';
import { syntheticNode } from '../helpers/synthetic-node.js';

const NODE_RESOURCE = { 'service.name': 'cadvisor', 'service.instance.id': 'node1', 'k8s.node.name': 'node1' };

async function collect(profile: Profile, pods: number): Promise<ResourceMetrics> {
  const specs = enabledSpecs({ groups: {}, disabled: [], profile });
  return collectOnce(resourceFromAttributes(NODE_RESOURCE, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), specs, { collect: async () => syntheticNode(pods) });
}

/**
 * A decoded request as a comparable value: entries of equal resources merged (resource, schema_url,
 * scopes with their schema_url, metrics with every field, points sorted by their attributes).
 */
function normalize(req: ExportRequest): unknown {
  const resources = new Map<string, { resource: unknown; schema_url: string; scopes: Map<string, { scope: unknown; schema_url: string; metrics: Map<string, Record<string, unknown>> }> }>();
  for (const rm of req.resource_metrics as RawResourceMetrics[]) {
    const key = JSON.stringify([rm.resource, rm.schema_url]);
    let r = resources.get(key);
    if (!r) resources.set(key, (r = { resource: rm.resource, schema_url: rm.schema_url, scopes: new Map() }));
    for (const sm of rm.scope_metrics) {
      const sk = JSON.stringify([sm.scope, sm.schema_url]);
      let s = r.scopes.get(sk);
      if (!s) r.scopes.set(sk, (s = { scope: sm.scope, schema_url: sm.schema_url, metrics: new Map() }));
      for (const m of sm.metrics) {
        const { gauge, sum, ...rest } = m;
        const data = gauge ?? sum;
        const known = s.metrics.get(m.name);
        if (known) (known.points as unknown[]).push(...(data?.data_points ?? []));
        else s.metrics.set(m.name, { ...rest, ...(sum ? { temporality: sum.aggregation_temporality, monotonic: sum.is_monotonic } : {}), points: [...(data?.data_points ?? [])] });
      }
    }
  }
  const sortPoints = (points: unknown[]) => points.map((p) => JSON.stringify(p)).sort();
  return [...resources.values()]
    .map((r) => ({
      resource: r.resource,
      schema_url: r.schema_url,
      scopes: [...r.scopes.values()].map((s) => ({
        scope: s.scope,
        schema_url: s.schema_url,
        metrics: [...s.metrics.values()].map((m) => ({ ...m, points: sortPoints(m.points as unknown[]) })),
      })),
    }))
    .sort((a, b) => JSON.stringify(a.resource).localeCompare(JSON.stringify(b.resource)));
}

function sdkBytes(rm: ResourceMetrics): Buffer {
  return Buffer.from(multiResourceSerializer.serializeRequest(new ResourceGroups().regroup(rm)) as Uint8Array);
}

describe('RequestEncoder', () => {
  it.each(['host-v1', 'cgroup-v2'])('encodes the agent snapshot of the %s fixture as the SDK does, field by field', async (root) => {
    const abs = resolve('test/fixtures', root);
    const { config } = loadConfig(['--paths-proc', `${abs}/proc`, '--paths-sys', `${abs}/sys`, '--paths-rootfs', abs, '--cri-endpoint', '/nonexistent.sock'], {});
    const rm = await new Agent({ config, env: {}, log: pino({ level: 'silent' }) }).collectOnce();
    expect(countPoints(rm)).toBeGreaterThan(100);
    const ours = new RequestEncoder().encode(rm);
    expect(normalize(decodeExportRequest(ours))).toEqual(normalize(decodeExportRequest(sdkBytes(rm))));
  });

  it.each(['cadvisor', 'semconv', 'both'] as const)('encodes a %s snapshot of 40 pods as the SDK does, and cuts the node resource into slices of containers', async (profile) => {
    const rm = await collect(profile, 40);
    const encoder = new RequestEncoder();
    const ours = decodeExportRequest(encoder.encode(rm));
    const sdk = decodeExportRequest(sdkBytes(rm));
    const normalized = normalize(ours);
    expect(normalized).toEqual(normalize(sdk));
    // Int and double points, monotonic and non-monotonic sums, gauges: all present in what was compared.
    const metrics = ours.resource_metrics.flatMap((r) => r.scope_metrics.flatMap((s) => s.metrics));
    expect(metrics.some((m) => m.sum?.is_monotonic === true)).toBe(true);
    expect(metrics.some((m) => m.gauge !== undefined)).toBe(true);
    const points = metrics.flatMap((m) => [...(m.gauge?.data_points ?? []), ...(m.sum?.data_points ?? [])]);
    expect(points.some((p) => p.value === 'as_int')).toBe(true);
    expect(points.some((p) => p.value === 'as_double')).toBe(true);
    // The node's resource: 162 containers (4 per pod, the root and a raw cgroup) make six slices in
    // cadvisor; in semconv the pods and containers have resources of their own.
    const nodeEntries = ours.resource_metrics.filter((r) => !r.resource?.attributes.some((a) => a.key === 'k8s.pod.uid'));
    const podEntries = ours.resource_metrics.length - nodeEntries.length;
    if (profile === 'cadvisor') expect(nodeEntries).toHaveLength(Math.ceil(162 / CONTAINERS_PER_SLICE));
    if (profile === 'semconv') expect(nodeEntries.length).toBeLessThanOrEqual(2);
    expect(podEntries).toBe(profile === 'cadvisor' ? 0 : sdk.resource_metrics.length - 1);
    // A second cycle of the same series reuses every cached encoding and still encodes the same.
    const again = await collect(profile, 40);
    expect(normalize(decodeExportRequest(encoder.encode(again)))).toEqual(normalize(decodeExportRequest(sdkBytes(again))));
  });

  it('cuts a large snapshot into requests of at most maxRequestBytes, each valid alone, that together are the whole request', async () => {
    const rm = await collect('cadvisor', 40);
    const whole = new RequestEncoder().encode(rm);
    const max = 64 * 1024;
    const encoder = new RequestEncoder({ maxRequestBytes: max });
    const plan = encoder.plan(rm);
    expect(plan.requests.length).toBeGreaterThan(2);
    const parts = plan.requests.map((_, i) => encoder.encodeRequest(plan, i));
    // Slices in order, cut only between them: the requests joined are byte for byte the one big request.
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
    expect(plan.requests.reduce((n, r) => n + r.points, 0)).toBe(countPoints(rm));
    plan.requests.forEach((r, i) => {
      const part = parts[i] as Buffer;
      expect(part.length).toBe(r.bytes);
      // Over the bound only when one slice alone is larger.
      if (r.end - r.first > 1) expect(part.length).toBeLessThanOrEqual(max);
      // Each request stands alone: every entry names its resource, scope and metrics, and holds its points.
      const decoded = decodeExportRequest(part);
      expect(decoded.resource_metrics.length).toBe(r.end - r.first);
      for (const entry of decoded.resource_metrics) {
        expect(entry.resource?.attributes.some((a) => a.key === 'service.name')).toBe(true);
        expect(entry.scope_metrics.every((s) => s.scope?.name === 'podpulse' && s.metrics.every((m) => m.name !== ''))).toBe(true);
      }
      const points = decoded.resource_metrics.flatMap((e) => e.scope_metrics.flatMap((s) => s.metrics.flatMap((m) => [...(m.gauge?.data_points ?? []), ...(m.sum?.data_points ?? [])])));
      expect(points).toHaveLength(r.points);
    });
    // The default bound keeps a 40-pod node in one request.
    expect(new RequestEncoder().plan(rm).requests).toEqual([{ first: 0, end: plan.slices.length, bytes: whole.length, points: countPoints(rm) }]);
    expect(whole.length).toBeLessThan(MAX_REQUEST_BYTES);
  });

  it('writes as few bytes after gzip per series as the SDK at 40 pods, and fewer at 300', async () => {
    for (const pods of [40, 300]) {
      const rm = await collect('cadvisor', pods);
      const series = countPoints(rm);
      const ours = gzipSync(new RequestEncoder().encode(rm)).length / series;
      const sdk = gzipSync(sdkBytes(rm)).length / series;
      console.log(`[request-encoder] ${pods} pods, ${series} series: gzip ${ours.toFixed(1)} B/series (SDK serializer ${sdk.toFixed(1)})`);
      expect(ours).toBeLessThan(sdk * (pods === 40 ? 1.1 : 0.8));
    }
  });

  it('writes every field of a hand-made snapshot as the SDK does: distinct times, int extremes, attribute types, delta sums, scope version', () => {
    const point = (value: number, attributes: Record<string, unknown>, i: number) => ({
      startTime: [1_700_000_000 + i, 123_456_789] as [number, number],
      endTime: [1_800_000_000 + i, 987_654_321] as [number, number],
      attributes,
      value,
    });
    const metric = (name: string, dataPointType: DataPointType, valueType: ValueType, values: number[], extra: object = {}) => ({
      descriptor: { name, description: `${name} help`, unit: name.endsWith('bytes') ? 'By' : '', type: 'x', valueType },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType,
      dataPoints: values.map((v, i) => point(v, { id: `/c${i % 3}`, n: i, ok: i % 2 === 0, ratio: 0.5 + i, tags: ['a', `t${i}`], 'é': 'ü' }, i)),
      ...extra,
    });
    const rm = {
      resource: resourceFromAttributes({ 'service.name': 'x', pid: 42, frac: 1.25 }, { schemaUrl: 'https://example.test/schema' }),
      scopeMetrics: [
        {
          scope: { name: 'podpulse', version: '1.2.3', schemaUrl: 'https://example.test/scope' },
          metrics: [
            metric('ints', DataPointType.GAUGE, ValueType.INT, [0, -1, -(2 ** 40), 2 ** 52 + 1, 7]),
            metric('doubles', DataPointType.GAUGE, ValueType.DOUBLE, [0, -0.5, 1e300, Number.MIN_VALUE]),
            metric('counter_bytes', DataPointType.SUM, ValueType.INT, [1, 2 ** 45], { isMonotonic: true }),
            metric('updown', DataPointType.SUM, ValueType.DOUBLE, [-3.25], { isMonotonic: false, aggregationTemporality: AggregationTemporality.DELTA }),
          ],
        },
        { scope: { name: 'other' }, metrics: [metric('other_gauge', DataPointType.GAUGE, ValueType.DOUBLE, [4])] },
      ],
    } as unknown as ResourceMetrics;
    const ours = new RequestEncoder({ containersPerSlice: 2 }).encode(rm);
    expect(normalize(decodeExportRequest(ours))).toEqual(normalize(decodeExportRequest(sdkBytes(rm))));
    // Three containers at two per slice: two entries of the same resource.
    expect(decodeExportRequest(ours).resource_metrics).toHaveLength(2);
  });

  it('leaves out a metric without points, which the SDK writes empty', () => {
    const metric = (name: string, points: number) => ({
      descriptor: { name, description: '', unit: '', type: 'x', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: Array.from({ length: points }, (_, i) => ({ startTime: [1, 0], endTime: [2, 0], attributes: { id: `/c${i}` }, value: i })),
    });
    const rm = { resource: resourceFromAttributes({}), scopeMetrics: [{ scope: { name: 'podpulse' }, metrics: [metric('empty', 0), metric('full', 2)] }] } as unknown as ResourceMetrics;
    const names = (req: ExportRequest) => req.resource_metrics.flatMap((r) => r.scope_metrics.flatMap((s) => s.metrics.map((m) => m.name)));
    expect(names(decodeExportRequest(sdkBytes(rm)))).toEqual(['empty', 'full']);
    expect(names(decodeExportRequest(new RequestEncoder().encode(rm)))).toEqual(['full']);
  });

  it('refuses a histogram with a typed error instead of leaving it out', () => {
    const rm = {
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          scope: { name: 'podpulse' },
          metrics: [
            {
              descriptor: { name: 'h', description: '', unit: 's', type: 'HISTOGRAM', valueType: ValueType.DOUBLE },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.HISTOGRAM,
              dataPoints: [],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    expect(() => new RequestEncoder().encode(rm)).toThrow(UnsupportedMetricError);
    expect(() => new RequestEncoder().encode(rm)).toThrow(/"h".*HISTOGRAM/);
  });
});
