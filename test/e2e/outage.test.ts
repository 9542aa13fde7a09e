/**
 * Collector outage and recovery with the real agent (`npm start`, 1 s interval) against the
 * in-process OTLP receiver.
 *
 * What src/export/delivery.ts promises, and what is asserted here:
 * - every cycle queues its snapshot and sends the queue oldest first; a cycle whose snapshot did
 *   not get through keeps it (up to export.otlp.replaySnapshots + 1) for the next cycle, so after
 *   an outage the collector receives the outage's snapshots with their original collection times,
 *   in order, before the fresh one;
 * - a retryable status (UNAVAILABLE) is retried within the same cycle after a short backoff;
 * - `podpulse_exports_total{result}` counts cycles whose own snapshot was delivered / not delivered,
 *   `podpulse_export_retries_total` counts retries; each snapshot carries the counts as they were
 *   when it was collected, i.e. before its own delivery.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exitSummary, killAllStarted, startCli, type RunningCli } from '../helpers/cli.js';
import {
  findMetric,
  findPoint,
  flattenRequest,
  startOtlpReceiver,
  type ExportRequest,
  type FlatRequest,
  type OtlpReceiver,
} from '../helpers/otlp-receiver.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number, what: string, explain?: () => string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain ? `\n${explain()}` : ''}`);
    await sleep(10);
  }
  return Date.now();
}

/** What the agent logged and the receiver got, for failure messages. */
function explainRun(agent: RunningCli, rx: OtlpReceiver): string {
  const got = rx.flat().map((r, i) => `  #${i} collected ${new Date(Number(collectedAt(r) / 1_000_000n)).toISOString()}`);
  return `agent stderr:\n${agent.stderr}\nreceiver accepted ${rx.requests.length}, rejected ${rx.rejected.length}:\n${got.join('\n')}`;
}

/** The collection time of a request (all its points share it: one collection per export). */
function collectedAt(req: FlatRequest): bigint {
  const times = new Set(req.metrics.flatMap((m) => m.points.map((p) => p.timeUnixNano)));
  expect(times.size).toBe(1);
  return [...times][0] as bigint;
}

/** When the agent wrote a log line (pino's ISO time, millisecond resolution). */
function logNs(l: LogLine): bigint {
  return BigInt(Date.parse(l.time)) * 1_000_000n;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function agentCounter(req: FlatRequest, name: string, attributes: Record<string, string> = {}): number {
  return findPoint(findMetric(req, name), attributes).value;
}

interface LogLine {
  msg: string;
  time: string;
  export?: string;
  attempts?: number;
  queued?: number;
}

function cycleLogs(agent: RunningCli): LogLine[] {
  return agent
    .stderrLines()
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.export !== undefined);
}

/**
 * The agent at a 1 s interval. Discovery is capped at 25 cgroups: these tests are about delivery,
 * and on a host where other suites create hundreds of cgroups a 1 s cycle would otherwise carry
 * tens of thousands of points, more than the in-process receiver decodes within the 1 s deadline.
 */
function startAgent(receiver: OtlpReceiver): RunningCli {
  return startCli([
    '--export-otlp-endpoint',
    receiver.url,
    '--collection-interval',
    '1s',
    '--cri-endpoint',
    '/nonexistent.sock',
    '--discovery-max-cgroups',
    '25',
    // grpc-js reconnects with backoff after the receiver is back, which can stretch a 3-cycle outage
    // to 6 or more failed cycles: keep them all, this test is about replay order (the bound on the
    // queue is tested in test/export/delivery.test.ts).
    '--export-otlp-replay-snapshots',
    '30',
    // This file counts and compares snapshot requests. A host cgroup that ends meanwhile (another
    // process's, not the test's) would add an end-marker request among them; end markers have
    // their own tests (test/export/end-markers.test.ts, test/e2e/collector.test.ts).
    '--export-otlp-end-markers',
    'false',
  ]);
}

beforeAll(() => ensureBuilt());

describe('collector outage', () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await killAllStarted();
    await receiver?.stop();
  });

  it('replays the outage snapshots oldest first after recovery; counters never go backwards', async () => {
    const rx = (receiver = await startOtlpReceiver());
    const agent = startAgent(rx);
    const explain = (): string => explainRun(agent, rx);
    await rx.waitForRequests(2, 15_000);
    // Go down only once the agent has seen the answer: a response lost in the shutdown would make
    // it send that snapshot again (at-least-once), which is not what this test is about.
    await waitFor(() => cycleLogs(agent).filter((l) => l.export === 'ok').length >= 2, 5000, 'two delivered cycles', explain);

    await rx.setDown();
    const downAt = nowNs();
    const acceptedBeforeDown = rx.requests.length;
    // Three failed cycles (counted from the agent's log: cycles stretch when the host is busy).
    const failed = (): LogLine[] => cycleLogs(agent).filter((l) => l.export === 'failed');
    await waitFor(() => failed().length >= 3, 15_000, 'three failed cycles', explain);
    const failuresDuringOutage = failed();
    expect(failuresDuringOutage.map((l) => l.queued)).toEqual(failuresDuringOutage.map((_, i) => i + 1));
    // Refused connections give UNAVAILABLE; the attempt in flight when the collector went away
    // may instead run into its deadline. Both are retryable.
    for (const l of failuresDuringOutage) expect(l.msg).toMatch(/failed: (UNAVAILABLE|DEADLINE_EXCEEDED)/);
    expect(failuresDuringOutage.some((l) => l.msg.includes('UNAVAILABLE'))).toBe(true);
    await rx.setUp();
    const upAt = nowNs();

    // grpc-js reconnects with backoff; once through, the queued snapshots follow at once.
    // The outage's snapshots: collected after the last one delivered before going down, and
    // before coming back up.
    const lastBeforeDown = collectedAt(rx.flat()[acceptedBeforeDown - 1] as FlatRequest);
    const inWindow = (r: FlatRequest): boolean => {
      const t = collectedAt(r);
      return t > lastBeforeDown && t < upAt;
    };
    await waitFor(() => rx.flat().filter(inWindow).length >= failuresDuringOutage.length, 15_000, 'the replayed outage snapshots', explain);
    await waitFor(() => rx.flat().some((r) => collectedAt(r) > upAt), 10_000, 'a snapshot collected after recovery', explain);
    const stopped = await agent.stop('SIGTERM', 15_000);
    expect(stopped.groupEmpty, exitSummary(stopped)).toBe(true);

    const all = rx.flat();
    expect(rx.rejected).toHaveLength(0); // down means refused connections, not error statuses
    const times = all.map(collectedAt);
    // Oldest first and nothing twice: collection times strictly increase in arrival order.
    for (let i = 1; i < times.length; i++) expect(times[i] as bigint > (times[i - 1] as bigint), `request ${i}`).toBe(true);
    const replayed = all.slice(acceptedBeforeDown).filter(inWindow);
    expect(replayed.length).toBeGreaterThanOrEqual(failuresDuringOutage.length);
    expect(replayed.filter((r) => collectedAt(r) > downAt).length).toBeGreaterThanOrEqual(2);
    // The outage snapshots are whole collections, not just agent metrics.
    for (const r of replayed) findPoint(findMetric(r, 'container_cpu_usage_seconds_total'), { id: '/' });

    // Cumulative counters: per series, never backwards and never restarted across the outage.
    // Not container_fs_*: on cgroup v1 the kernel's blkio *_recursive sums lose the I/O of a
    // descendant cgroup once it is destroyed, so they fall whenever some other process removes a
    // cgroup that did I/O (see the blkio test in cli.test.ts); that is not the replay's doing.
    const last = new Map<string, { value: number; start: bigint }>();
    let checked = 0;
    for (const r of all) {
      for (const m of r.metrics) {
        if (m.kind !== 'sum' || !m.monotonic || m.name.startsWith('container_fs_')) continue;
        expect(m.temporality).toBe('CUMULATIVE');
        for (const p of m.points) {
          if (p.flags === 1) continue; // an end marker for a cgroup that went away: it carries no value
          const key = `${m.name}${JSON.stringify(Object.entries(p.attributes).sort())}`;
          const prev = last.get(key);
          if (prev) {
            expect(p.value, key).toBeGreaterThanOrEqual(prev.value);
            expect(p.startTimeUnixNano, key).toBe(prev.start);
            checked++;
          }
          last.set(key, { value: p.value, start: p.startTimeUnixNano });
        }
      }
    }
    expect(checked).toBeGreaterThan(50);

    // The self-metrics of the last snapshot count the failed cycles; every failed cycle retried.
    const final = all[all.length - 1] as FlatRequest;
    const failedCycles = cycleLogs(agent).filter((l) => l.export === 'failed' && logNs(l) < collectedAt(final));
    expect(agentCounter(final, 'podpulse_exports_total', { result: 'failure' })).toBe(failedCycles.length);
    // A failed cycle only tried its oldest snapshot: every attempt after the first was a retry.
    // (Cycles that succeeded may have retried too, so this is a lower bound.)
    const failedRetries = failedCycles.reduce((n, l) => n + (l.attempts ?? 1) - 1, 0);
    expect(failedRetries).toBeGreaterThan(0);
    expect(agentCounter(final, 'podpulse_export_retries_total')).toBeGreaterThanOrEqual(failedRetries);
    const okCycles = cycleLogs(agent).filter((l) => l.export === 'ok' && logNs(l) < collectedAt(final));
    expect(agentCounter(final, 'podpulse_exports_total', { result: 'success' })).toBe(okCycles.length);
    // The queue holds replaySnapshots (5) + 1 snapshots: only a 7th failed cycle in a row drops one.
    const dropped = agentCounter(final, 'podpulse_dropped_points_total');
    if (failedCycles.length <= 6) expect(dropped).toBe(0);
    else expect(dropped).toBeGreaterThan(0);
  });

  it('retries an UNAVAILABLE export within the same cycle and counts the retry', async () => {
    const rx = (receiver = await startOtlpReceiver());
    const agent = startAgent(rx);
    const explain = (): string => explainRun(agent, rx);
    await rx.waitForRequests(2, 15_000);
    const before = rx.requests.length;

    rx.failNext(grpc.status.UNAVAILABLE, 1);
    const rejectedAt = await waitFor(() => rx.rejected.length === 1, 5000, 'the scripted rejection', explain);
    const acceptedAt = await waitFor(() => rx.requests.length > before, 5000, 'the retried export', explain);
    // OtlpDelivery's first backoff is 250 ms ± 20 %; the retry stays inside the 1 s cycle.
    expect(acceptedAt - rejectedAt).toBeGreaterThanOrEqual(150);
    expect(acceptedAt - rejectedAt).toBeLessThan(1000);
    // The very same snapshot: the accepted request decodes exactly like the refused one.
    expect(rx.requests[before]).toEqual(rx.rejected[0]);
    const retriedSnapshot = flattenRequest(rx.rejected[0] as ExportRequest);

    const retriedLog = await waitFor(() => cycleLogs(agent).some((l) => l.attempts === 2), 5000, 'the cycle log with 2 attempts', explain);
    expect(cycleLogs(agent).find((l) => l.attempts === 2), explain()).toMatchObject({ export: 'ok', attempts: 2 });
    // Self-metrics describe the deliveries finished before a snapshot's collection: look at the
    // first snapshot collected after the retried cycle was logged.
    const afterNs = BigInt(retriedLog) * 1_000_000n;
    await waitFor(() => rx.flat().some((r) => collectedAt(r) > afterNs), 5000, 'a snapshot collected after the retry', explain);
    await agent.stop('SIGTERM', 15_000);
    const after = rx.flat().find((r) => collectedAt(r) > afterNs) as FlatRequest;
    const logsBefore = (r: FlatRequest, outcome: string): number =>
      cycleLogs(agent).filter((l) => l.export === outcome && logNs(l) < collectedAt(r)).length;

    expect(agentCounter(after, 'podpulse_export_retries_total')).toBe(agentCounter(retriedSnapshot, 'podpulse_export_retries_total') + 1);
    expect(agentCounter(after, 'podpulse_exports_total', { result: 'failure' })).toBe(0);
    expect(agentCounter(after, 'podpulse_exports_total', { result: 'success' })).toBe(logsBefore(after, 'ok'));
    expect(rx.rejected).toHaveLength(1);
  });
});
