/**
 * Proves the in-process OTLP receiver (test/helpers/otlp-receiver.ts) against the real OTel JS
 * pipeline: MeterProvider → PeriodicExportingMetricReader → OTLPMetricExporter (gRPC) → receiver.
 * Serialization itself is the SDK's to test; here we check that what arrives decodes into the
 * names, units, kinds, temporality, attributes and resource that were pushed, and that the
 * outage scripting (failNext, delayNext, setDown/setUp) really fails exports.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { findMetric, findPoint, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

/** Delegates to the real exporter and keeps every export result, which forceFlush() swallows. */
class RecordingExporter implements PushMetricExporter {
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: OTLPMetricExporter) {}
  export(metrics: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.inner.export(metrics, (r) => {
      this.results.push(r);
      done(r);
    });
  }
  selectAggregationTemporality = (t: Parameters<NonNullable<PushMetricExporter['selectAggregationTemporality']>>[0]) =>
    this.inner.selectAggregationTemporality(t);
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

interface Pipeline {
  provider: MeterProvider;
  exporter: RecordingExporter;
  /** Values the observable callbacks report; tests bump them between flushes. */
  state: { cpu: number; mem: number; procs: number };
}

function pipeline(url: string, timeoutMillis = 2000): Pipeline {
  const exporter = new RecordingExporter(
    new OTLPMetricExporter({ url, temporalityPreference: AggregationTemporality.CUMULATIVE, timeoutMillis }),
  );
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'podpulse-test',
      'service.instance.id': 'node-a',
      'host.cpu.count': 2,
      'test.flag': true,
    }),
    // Long interval: exports happen only on forceFlush, so each test controls them.
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 5000 })],
  });
  const state = { cpu: 1.5, mem: 4096, procs: 3 };
  const meter = provider.getMeter('podpulse.test', '0.0.1');
  meter
    .createObservableCounter('container.cpu.time', { description: 'CPU time.', unit: 's' })
    .addCallback((r) => {
      r.observe(state.cpu, { 'container.id': 'c1', 'cpu.mode': 'user' });
      r.observe(state.cpu / 2, { 'container.id': 'c1', 'cpu.mode': 'system' });
    });
  meter
    .createObservableGauge('container.memory.usage', { description: 'Memory usage.', unit: 'By' })
    .addCallback((r) => r.observe(state.mem, { 'container.id': 'c1', 'k8s.pod.name': 'web-0' }));
  meter
    .createObservableUpDownCounter('container.pids.count', { description: 'Processes.', unit: '{process}', valueType: ValueType.INT })
    .addCallback((r) => r.observe(state.procs, { 'container.id': 'c1' }));
  return { provider, exporter, state };
}

describe('OTLP receiver with the real OTLPMetricExporter', () => {
  let rx: OtlpReceiver;
  let p: Pipeline;

  beforeEach(async () => {
    rx = await startOtlpReceiver();
    p = pipeline(rx.url);
  });

  afterEach(async () => {
    await p.provider.shutdown().catch(() => undefined);
    await rx.stop();
  });

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(rx.port).toBeGreaterThan(0);
    expect(rx.url).toBe(`http://127.0.0.1:${rx.port}`);
    expect(rx.isUp).toBe(true);
  });

  it('decodes names, units, kinds, temporality, attributes and the resource', async () => {
    await p.provider.forceFlush();
    await rx.waitForRequests(1, 5000);
    const req = rx.latest();
    expect(req).toBeDefined();
    if (!req) return;

    expect(req.resource).toMatchObject({
      'service.name': 'podpulse-test',
      'service.instance.id': 'node-a',
      'host.cpu.count': 2,
      'test.flag': true,
    });

    const cpu = findMetric(req, 'container.cpu.time');
    expect(cpu).toMatchObject({
      unit: 's',
      description: 'CPU time.',
      kind: 'sum',
      monotonic: true,
      temporality: 'CUMULATIVE',
      scope: 'podpulse.test',
    });
    expect(cpu.points).toHaveLength(2);
    const user = findPoint(cpu, { 'cpu.mode': 'user' });
    expect(user.attributes).toEqual({ 'container.id': 'c1', 'cpu.mode': 'user' });
    expect(user.value).toBe(1.5);
    expect(user.valueType).toBe('double');
    expect(findPoint(cpu, { 'cpu.mode': 'system' }).value).toBe(0.75);
    expect(user.timeUnixNano).toBeGreaterThanOrEqual(user.startTimeUnixNano);
    expect(user.startTimeUnixNano).toBeGreaterThan(0n);

    const mem = findMetric(req, 'container.memory.usage');
    expect(mem).toMatchObject({ unit: 'By', kind: 'gauge', description: 'Memory usage.' });
    expect(mem.monotonic).toBeUndefined();
    expect(mem.temporality).toBeUndefined();
    expect(mem.points).toHaveLength(1);
    expect(mem.points[0]?.attributes).toEqual({ 'container.id': 'c1', 'k8s.pod.name': 'web-0' });
    expect(mem.points[0]?.value).toBe(4096);

    // An up-down counter is a non-monotonic cumulative sum; valueType INT travels as as_int.
    const pids = findMetric(req, 'container.pids.count');
    expect(pids).toMatchObject({ unit: '{process}', kind: 'sum', monotonic: false, temporality: 'CUMULATIVE' });
    expect(pids.points[0]).toMatchObject({ value: 3, valueType: 'int', exactInt: 3n });

    expect(rx.metadata[0]?.get('user-agent')[0]).toMatch(/OTel-OTLP-Exporter-JavaScript/);
  });

  it('keeps each export as its own request with cumulative values and a fixed start time', async () => {
    await p.provider.forceFlush();
    p.state.cpu = 2.5;
    await p.provider.forceFlush();
    await rx.waitForRequests(2, 5000);
    const [first, second] = rx.flat();
    if (!first || !second) throw new Error('expected two requests');
    const a = findPoint(findMetric(first, 'container.cpu.time'), { 'cpu.mode': 'user' });
    const b = findPoint(findMetric(second, 'container.cpu.time'), { 'cpu.mode': 'user' });
    expect([a.value, b.value]).toEqual([1.5, 2.5]);
    expect(b.startTimeUnixNano).toBe(a.startTimeUnixNano);
    expect(b.timeUnixNano).toBeGreaterThan(a.timeUnixNano);
  });

  it('failNext(UNAVAILABLE) fails exactly the next export', async () => {
    rx.failNext(grpc.status.UNAVAILABLE, 1);
    await p.provider.forceFlush();
    await p.provider.forceFlush();
    await rx.waitForRequests(1, 5000);

    expect(p.exporter.results.map((r) => r.code)).toEqual([ExportResultCode.FAILED, ExportResultCode.SUCCESS]);
    expect((p.exporter.results[0]?.error as { code?: number } | undefined)?.code).toBe(grpc.status.UNAVAILABLE);
    // The failed call still reached the receiver, decoded, but is not counted as accepted.
    expect(rx.rejected).toHaveLength(1);
    expect(rx.requests).toHaveLength(1);
    expect(rx.metadata).toHaveLength(2);
  });

  it('delayNext past the client deadline fails the export with DEADLINE_EXCEEDED', async () => {
    await p.provider.shutdown(); // its final flush lands in the receiver: start clean after it
    rx.clear();
    p = pipeline(rx.url, 200);
    rx.delayNext(1000);
    await p.provider.forceFlush();
    expect(p.exporter.results.map((r) => r.code)).toEqual([ExportResultCode.FAILED]);
    expect((p.exporter.results[0]?.error as { code?: number } | undefined)?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect.poll(() => rx.rejected.length, { timeout: 3000 }).toBe(1);
    expect(rx.requests).toHaveLength(0);
  });

  it('setDown refuses exports and setUp accepts them again on the same port', async () => {
    await p.provider.forceFlush();
    await rx.waitForRequests(1, 5000);
    const port = rx.port;

    await rx.setDown();
    expect(rx.isUp).toBe(false);
    await p.provider.forceFlush();
    expect(p.exporter.results.at(-1)?.code).toBe(ExportResultCode.FAILED);

    await rx.setUp();
    expect(rx.isUp).toBe(true);
    expect(rx.port).toBe(port);
    // grpc-js backs off reconnecting after a refused connection; keep flushing until one lands.
    await expect
      .poll(
        async () => {
          await p.provider.forceFlush();
          return rx.requests.length;
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(p.exporter.results.at(-1)?.code).toBe(ExportResultCode.SUCCESS);
  });

  it('waitForRequests rejects with a clear message on timeout', async () => {
    await expect(rx.waitForRequests(1, 50)).rejects.toThrow(/expected 1 accepted request\(s\) within 50 ms, got 0/);
  });
});
