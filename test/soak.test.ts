/**
 * `npm run soak`: its flags and the OTLP counter's wire-format walk (fed a request encoded by the
 * same serializer the agent's exporter uses) without root; as root, a few seconds of a real soak
 * that must leave nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { sampleProcess } from '../bench/soak/agent-process.js';
import { parseSoakArgs, SoakUsageError } from '../bench/soak/args.js';
import { countRequest, type ExportCounts } from '../bench/soak/otlp-counter.js';
import { OnDemandReader } from '../src/export/sdk/pipeline.js';
import { ensureBuilt, REPO_ROOT } from './helpers/cli.js';
import { runtimeOrSkip } from './helpers/runtime-env.js';

const gate = runtimeOrSkip();

describe('npm run soak -- flags', () => {
  it('defaults, both flag forms, fractions of minutes', () => {
    expect(parseSoakArgs([])).toEqual({ minutes: 10, pods: 30, step: 5, intervalSec: 2, help: false });
    expect(parseSoakArgs(['--minutes', '3', '--pods=40', '--step', '8', '--interval=0.5'])).toEqual({ minutes: 3, pods: 40, step: 8, intervalSec: 0.5, help: false });
    expect(parseSoakArgs(['--minutes', '0.25']).minutes).toBe(0.25);
    expect(parseSoakArgs(['-h']).help).toBe(true);
  });

  it.each([
    [['--minutes', '0'], /--minutes: expected a positive number/],
    [['--minutes', '-1'], /--minutes: expected a positive number/],
    [['--minutes'], /--minutes needs a value/],
    [['--pods', '2.5'], /--pods: expected a positive integer/],
    [['--pods', '3', '--step', '4'], /--step \(4\) cannot exceed --pods \(3\)/],
    [['--minute', '3'], /unknown flag --minute/],
    [['3'], /unexpected argument "3"/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseSoakArgs(argv)).toThrow(SoakUsageError);
    expect(() => parseSoakArgs(argv)).toThrow(message);
  });
});

describe('soak OTLP counter', () => {
  it('counts points and reads the agent’s own podpulse_containers / podpulse_exports_total from an encoded request', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'podpulse' }), readers: [reader] });
    const meter = provider.getMeter('podpulse');
    meter.createObservableGauge('container_memory_working_set_bytes').addCallback((r) => {
      for (let i = 0; i < 7; i++) r.observe(4096 * i, { pod: `p${i}` });
    });
    meter.createObservableGauge('podpulse_containers').addCallback((r) => r.observe(7));
    meter.createObservableCounter('podpulse_exports_total').addCallback((r) => {
      r.observe(12, { result: 'success' });
      r.observe(3, { result: 'failure' });
    });
    const { resourceMetrics } = await reader.collect();
    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    expect(bytes).toBeDefined();
    const counts: ExportCounts = { requests: 0, dataRequests: 0, points: 0, agentExports: {} };
    countRequest(Buffer.from(bytes!), counts);
    expect(counts).toEqual({ requests: 1, dataRequests: 1, points: 10, containers: 7, agentExports: { success: 12, failure: 3 } });
    await provider.shutdown();
  });

  it('samples RSS, CPU ticks and open fds of a live pid, and null for a gone one', () => {
    const s = sampleProcess(process.pid);
    expect(s?.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(s?.openFds).toBeGreaterThan(2);
    expect(s?.cpuTicks).toBeGreaterThanOrEqual(0);
    expect(sampleProcess(2 ** 22 + 1)).toBeNull(); // beyond PID_MAX_LIMIT: never a live pid
  });
});

describe.skipIf(gate.skip)(gate.title('a short real soak'), () => {
  it('churns pods under a real agent, prints a row, and stops everything it started', () => {
    ensureBuilt();
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('PODPULSE_')) delete env[k];
    const r = spawnSync(process.execPath, ['dist/bench/soak/main.js', '--minutes', '0.15', '--pods', '3', '--step', '1', '--interval', '1'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^minute\s+rss_MiB\s+cpu_%\s+fds\s+exports/);
    // One row for the (partial) first minute: RSS in MiB, then at least one export received.
    const cols = rows[1]?.trim().split(/\s+/) ?? [];
    expect(cols[0]).toBe('1');
    expect(Number(cols[1])).toBeGreaterThan(20);
    expect(Number(cols[4])).toBeGreaterThan(0);
    const agentPid = Number(/agent pid (\d+) →/.exec(r.stderr)?.[1]);
    const dir = /containerd up at (\/tmp\/podpulse-soak-rt-[^/]+)\//.exec(r.stderr)?.[1];
    expect(r.stderr).toContain(`agent pid ${agentPid} exited with 0`);
    expect(r.stderr).toContain('teardown: everything started was stopped');
    expect(existsSync(`/proc/${agentPid}`)).toBe(false);
    expect(dir && existsSync(dir)).toBe(false);
  }, 150_000);
});
