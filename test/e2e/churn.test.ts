/**
 * Churn: 500 real pods (sandbox + one busybox container each) created and removed through the
 * test containerd in 10 batches of 50, under a real agent process exporting every second to a
 * loopback OTLP receiver. Asserts that a removed pod has no data point in any export collected
 * after its removal, that the SDK never overflowed (`otel.metric.overflow`), and that the agent's
 * RSS comes back to within 25 % of its warm-up steady state once the churn stops.
 *
 * The agent runs as a child process so that its RSS is its own, sampled every 250 ms. Its RSS
 * under churn is a saw-tooth (V8 grows the heap between full GCs), so the steady state is the
 * top of that saw-tooth during the warm-up (the first 3 batches, which count towards the 500),
 * and the end is the median over 10 s after the churn: a leak would push it past the warm-up's
 * peak. The agent runs with --trace-gc, so the report also shows the JS heap it retains after
 * each full GC. Requests are digested as they arrive and then dropped, so the test process does
 * not hold thousands of decoded exports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess, type AgentSample } from '../../bench/soak/agent-process.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';
import { flattenRequest, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-churn';
const BATCHES = 10;
const BATCH_SIZE = 50;
/** Pods created or removed at once: measured here, 5 in parallel takes 1.5 s per 20 pods against 2.4 s one by one. */
const PARALLEL = 5;
/** The first batches are the warm-up; they count towards the 500. */
const WARMUP_BATCHES = 3;
/** RSS is sampled this often, and for this long once the churn is over. */
const SAMPLE_MS = 250;
type Phase = 'warmup' | 'churn' | 'end';
const END_WINDOW_MS = 10_000;

/** What the test keeps of one export. */
interface Digest {
  /** Newest point time: when the cycle was collected (ns). */
  at: bigint;
  /** Pods with a data point (flags 0) in this export. */
  pods: Set<string>;
  points: number;
  overflow: boolean;
}

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inParallel<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

describe.skipIf(gate.skip)(gate.title('churn: 500 pods created and removed under a running agent'), () => {
  let receiver: OtlpReceiver;
  let agent: AgentProcess | undefined;
  let pods: TestPods;
  const digests: Digest[] = [];
  /** Times the agent replaced its MeterProvider to forget ended series (its log line). */
  let rotations = 0;
  let sampler: NodeJS.Timeout | undefined;
  /** JS heap (MB) after each full (Mark-Compact) GC of the agent, in order. */
  const retainedMb: number[] = [];

  /** The digest of each collection, by its time: a collection may arrive as several requests. */
  const byCollection = new Map<bigint, Digest>();

  /**
   * Moves newly arrived requests into `digests`. The agent sends a large snapshot as several requests
   * (export.otlp.maxRequestKib); every point of one collection carries that collection's time, so the
   * requests of one collection are joined into one digest: an "export" here is a whole collection.
   */
  function drain(): void {
    for (const req of receiver.requests.splice(0)) {
      const flat = flattenRequest(req);
      const part: Digest = { at: 0n, pods: new Set(), points: 0, overflow: false };
      for (const m of flat.metrics) {
        for (const p of m.points) {
          part.points++;
          if (p.timeUnixNano > part.at) part.at = p.timeUnixNano;
          if ('otel.metric.overflow' in p.attributes) part.overflow = true;
          if (p.flags === 0 && typeof p.attributes.pod === 'string' && p.attributes.pod !== '') part.pods.add(p.attributes.pod);
        }
      }
      const d = byCollection.get(part.at);
      if (!d) {
        byCollection.set(part.at, part);
        digests.push(part);
        continue;
      }
      d.points += part.points;
      d.overflow ||= part.overflow;
      for (const pod of part.pods) d.pods.add(pod);
    }
  }

  /** Waits until `count` exports collected at or after `sinceNs` each hold every pod of `names`. */
  async function waitForExports(sinceNs: bigint, names: readonly string[], count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      drain();
      const full = digests.filter((d) => d.at >= sinceNs && names.every((n) => d.pods.has(n))).length;
      if (full >= count) return;
      if (Date.now() > deadline) {
        const best = Math.max(0, ...digests.filter((d) => d.at >= sinceNs).map((d) => names.filter((n) => d.pods.has(n)).length));
        throw new Error(`${count} exports holding all ${names.length} pods did not arrive in ${timeoutMs} ms (best: ${best}); agent stderr:\n${agent?.stderrTail()}`);
      }
      await sleep(200);
    }
  }

  /** Waits for `n` more exports collected after now, so RSS is read between cycles that saw the same pods. */
  async function cycles(n: number): Promise<void> {
    const since = nowNs();
    const deadline = Date.now() + 30_000;
    while (digests.filter((d) => d.at >= since).length < n) {
      if (Date.now() > deadline) throw new Error(`no ${n} exports in 30 s; agent stderr:\n${agent?.stderrTail()}`);
      await sleep(200);
      drain();
    }
  }

  function rss(): number {
    const s: AgentSample | null | undefined = agent?.sample();
    if (!s) throw new Error(`agent exited; stderr:\n${agent?.stderrTail()}`);
    return s.rssBytes;
  }

  beforeAll(async () => {
    ensureBuilt();
    const rt = gate.get();
    pods = new TestPods(rt);
    receiver = await startOtlpReceiver();
    agent = startAgentProcess(REPO_ROOT, [
      '--cri-endpoint',
      rt.socket,
      '--discovery-cgroup-parents',
      'kubepods',
      '--collection-interval',
      '1s',
      '--export-otlp-endpoint',
      receiver.url,
    ], {
      // --trace-gc: the heap left after each full GC is what the agent really retains.
      nodeArgs: ['--trace-gc'],
      onLine: (l) => {
        if (l.includes('replaced the meter provider')) rotations++;
        const heap = /Mark-Compact[^>]*-> ([\d.]+) \(/.exec(l)?.[1];
        if (heap !== undefined) retainedMb.push(Number(heap));
      },
    });
  });

  afterAll(async () => {
    clearInterval(sampler);
    const exit = await agent?.stop();
    if (exit) console.log(`[churn] agent exited with ${exit.signal ?? exit.code}`);
    await receiver?.stop();
    await pods?.removeAll();
    pods?.close();
  });

  it(
    'no removed pod in a later export, no overflow, RSS back within 25 % of steady state',
    async () => {
      const t0 = performance.now();
      await cycles(3);
      const idleRss = rss();
      const removedAt = new Map<string, bigint>();
      const timings: string[] = [];
      let steadyGcs = 0;
      // The agent's RSS is a saw-tooth: V8 lets the heap grow between full GCs. Its steady state
      // under churn is the top of that saw-tooth once V8 has sized the heap for the load: the
      // highest RSS sampled during the warm-up batches.
      let phase = 'warmup' as Phase;
      const samples: Record<Phase, number[]> = { warmup: [], churn: [], end: [] };
      sampler = setInterval(() => {
        const s = agent?.sample();
        if (s) samples[phase].push(s.rssBytes);
      }, SAMPLE_MS);
      let created = 0;

      for (let b = 0; b < BATCHES; b++) {
        const names = Array.from({ length: BATCH_SIZE }, (_, i) => `churn-${b}-${i}`);
        const tc = performance.now();
        const batch: TestPod[] = await inParallel(names, PARALLEL, (name) =>
          pods.createPod({ name, namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] }),
        );
        created += batch.length;
        const createdAt = nowNs();
        const tw = performance.now();
        await waitForExports(createdAt, names, 2);
        const tr = performance.now();
        await inParallel(batch, PARALLEL, async (p) => {
          await pods.removePod(p.id);
          removedAt.set(p.name, nowNs());
        });
        const te = performance.now();
        timings.push(
          `batch ${b}: create ${(tw - tc).toFixed(0)} ms, 2 exports ${(tr - tw).toFixed(0)} ms, remove ${(te - tr).toFixed(0)} ms, ` +
            `RSS ${(rss() / 2 ** 20).toFixed(1)} MiB, rotations so far ${rotations}`,
        );
        if (b === WARMUP_BATCHES - 1) {
          phase = 'churn';
          steadyGcs = retainedMb.length;
        }
      }
      // After the churn: the median of the samples taken over END_WINDOW_MS, a few cycles on.
      await cycles(3);
      phase = 'end';
      await sleep(END_WINDOW_MS);
      clearInterval(sampler);
      drain();
      const steadyRss = Math.max(...samples.warmup);
      const sorted = [...samples.end].sort((a, b) => a - b);
      const endRss = sorted[Math.floor(sorted.length / 2)] ?? NaN;
      const churnMax = Math.max(...samples.churn);

      // No data point of a removed pod in any export collected after its removal.
      let checked = 0;
      const late: string[] = [];
      for (const d of digests) {
        for (const [pod, at] of removedAt) {
          if (d.at < at) continue;
          checked++;
          if (d.pods.has(pod)) late.push(`${pod} in an export collected ${Number(d.at - at) / 1e6} ms after its removal`);
        }
      }
      const seen = new Set(digests.flatMap((d) => [...d.pods].filter((p) => removedAt.has(p))));
      const overflowing = digests.filter((d) => d.overflow).length;
      const mib = (n: number) => (n / 2 ** 20).toFixed(1);
      console.log(
        [
          `[churn] pods created ${created}, removed ${removedAt.size}, exported at least once ${seen.size}`,
          `[churn] exports ${digests.length}, points ${digests.reduce((s, d) => s + d.points, 0)}, (removed pod, later export) pairs checked ${checked}, overflow exports ${overflowing}`,
          `[churn] agent RSS idle ${mib(idleRss)} MiB; steady (max of ${samples.warmup.length} samples over ${WARMUP_BATCHES} warm-up batches) ${mib(steadyRss)} MiB; ` +
            `max during the other batches ${mib(churnMax)} MiB; end (median of ${samples.end.length} samples after the churn) ${mib(endRss)} MiB (${((endRss / steadyRss - 1) * 100).toFixed(1)} %)`,
          `[churn] JS heap after full GCs (MB): warm-up ${retainedMb.slice(0, steadyGcs).join(', ')}; after ${retainedMb.slice(steadyGcs).join(', ')}; meter provider rotations ${rotations}`,
          ...timings.map((t) => `[churn] ${t}`),
          `[churn] duration ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        ].join('\n'),
      );

      expect(created).toBe(BATCHES * BATCH_SIZE);
      expect(removedAt.size).toBe(BATCHES * BATCH_SIZE);
      expect(seen.size).toBe(BATCHES * BATCH_SIZE);
      expect(checked).toBeGreaterThan(0);
      expect(late).toEqual([]);
      expect(overflowing).toBe(0);
      // Printed, not asserted: the heap left after a full GC moves by about ±12 % from one GC to the next
      // here (ended series wait in the SDK until the next meter provider rotation).
      const warmHeap = Math.max(...retainedMb.slice(0, steadyGcs));
      const lastGcs = retainedMb.slice(steadyGcs).slice(-5).sort((a, b) => a - b);
      console.log(`[churn] retained heap: warm-up max ${warmHeap} MB, end (median of the last ${lastGcs.length} full GCs) ${lastGcs[Math.floor(lastGcs.length / 2)]} MB`);
      // The agent runs with --no-memory-reducer (npm start), so V8 keeps the heap it grew to during the
      // churn instead of shrinking it in the idle gaps: end RSS against the warm-up's peak measured
      // -15 %, -7.8 % and +10.3 % in three runs (2026-12-04; +11 % once before that flag), while the heap
      // left after full GCs stayed between 24 and 38 MB. A leak of more than ~45-55 MiB over the 350
      // churned pods still fails this bound.
      expect(endRss).toBeLessThanOrEqual(steadyRss * 1.25);
    },
    600_000,
  );
});
