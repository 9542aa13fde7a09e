import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { gzip as zlibGzip, gzipSync } from 'node:zlib';
import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import { CycleReader } from '../src/collection/cycle-reader.js';
import { loadConfig } from '../src/config/load.js';
import type { Target, TargetProvider } from '../src/discovery/target.js';
import { GoneError } from '../src/errors.js';
import { OtlpDelivery } from '../src/export/otlp/delivery.js';
import type { EncodedRequest, EncodedRequestExporter } from '../src/export/otlp/exporter.js';
import type { ProtoWriter } from '../src/export/otlp/proto-writer.js';
import { RequestEncoder, type RequestPlan } from '../src/export/otlp/request-encoder.js';
import { MetricsPipeline } from '../src/export/sdk/pipeline.js';
import { buildResource } from '../src/export/sdk/resource.js';
import { FileReader } from '../src/fs/file-reader.js';
import { createLogger } from '../src/log.js';
import { readMachineInfo, type MachineInfo } from '../src/machine/machine-info.js';
import { enabledSpecs } from '../src/metrics/enabled.js';
import { readPlanFor } from '../src/metrics/read-plan.js';
import { podpulseVersion } from '../src/version.js';
import {
  layoutFromMessage,
  type BenchTarget,
  type CycleSamples,
  type EventLoopFigures,
  type FullSamples,
  type StageMark,
  type MemoryFigures,
  type WorkerReply,
  type WorkerRequest,
  type WorkerResult,
} from './protocol.js';
import { measureSdkAlone, type SdkShapeRow } from './sdk-alone.js';
import { cpuMicros } from './stats.js';
import type { MetricSpec } from '../src/metrics/spec.js';
import type { Snapshot, SnapshotSource } from '../src/collection/sample.js';
import { SelfStats } from '../src/telemetry/self-stats.js';

/**
 * One container count, measured in a process of its own (forked by collect.bench.ts) so the RSS and
 * heap figures belong to this count alone. Gets the targets over IPC, answers with the samples.
 */

/** Counts every open the collector makes (readOptional goes through read). */
class CountingReader extends FileReader {
  opened = 0;
  absent = 0;
  proc = 0;
  paths: string[] = [];
  constructor(private readonly procRoot: string) {
    super();
  }

  override read(path: string): string {
    this.opened++;
    this.paths.push(path);
    if (path.startsWith(this.procRoot + '/')) this.proc++;
    try {
      return super.read(path);
    } catch (err) {
      if (err instanceof GoneError) this.absent++;
      throw err;
    }
  }
}

/** What the CRI inventory would hand the collector for a running container that owns its pod's netns. */
function toTarget(t: BenchTarget): Target {
  const id = createHash('sha256').update(t.cgroupPath).digest('hex');
  return {
    cgroupPath: t.cgroupPath,
    identity: {
      id: t.cgroupPath,
      name: id,
      image: 'docker.io/library/busybox:1.36',
      container: 'app',
      pod: `bench-pod-${t.index}`,
      namespace: 'podpulse-bench',
    },
    netPid: t.netPid,
    restartCount: 0,
  };
}

function memory(): MemoryFigures {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

/**
 * The agent's RequestEncoder, timing its own CPU: OtlpDelivery encodes each snapshot with it, slice
 * by slice, yielding in between, as in the agent.
 */
class TimedEncoder extends RequestEncoder {
  cpuUs = 0;

  override plan(rm: ResourceMetrics): RequestPlan {
    const c0 = cpuMicros();
    try {
      return super.plan(rm);
    } finally {
      this.cpuUs += cpuMicros() - c0;
    }
  }

  override encodeSlice(plan: RequestPlan, index: number, w: ProtoWriter): void {
    const c0 = cpuMicros();
    try {
      super.encodeSlice(plan, index, w);
    } finally {
      this.cpuUs += cpuMicros() - c0;
    }
  }
}

/**
 * The OTLP/gRPC exporter's work without the network: it receives the request OtlpDelivery encoded,
 * gzips it when the agent's `export.otlp.compression` is gzip (its default) the way grpc-js does
 * (zlib.gzip, asynchronously on libuv's thread pool; the whole process's CPU from the call to the
 * callback, when nothing else runs), then answers success.
 */
class EncodingExporter implements EncodedRequestExporter {
  gzipCpuUs = 0;
  /** This cycle's requests (a snapshot goes out as several, request-encoder.ts MAX_REQUEST_BYTES): their count and bytes summed. */
  requests = 0;
  maxRequestBytes = 0;
  bytes = 0;
  gzipBytes = 0;
  lastRequests: Uint8Array[] = [];

  constructor(private readonly gzip: boolean) {}

  /** Between cycles: the figures are one cycle's. */
  newCycle(): void {
    this.requests = this.bytes = this.gzipBytes = this.maxRequestBytes = 0;
    this.lastRequests = [];
  }

  exportEncoded(request: EncodedRequest, done: (result: ExportResult) => void): void {
    this.requests++;
    this.bytes += request.bytes.length;
    this.maxRequestBytes = Math.max(this.maxRequestBytes, request.bytes.length);
    if (!this.gzip) {
      // A copy: the delivery writes its next request into this buffer once this one is done.
      this.lastRequests.push(Buffer.from(request.bytes));
      return done({ code: ExportResultCode.SUCCESS });
    }
    const c0 = cpuMicros();
    zlibGzip(request.bytes, (err, out) => {
      this.gzipCpuUs += cpuMicros() - c0;
      if (err) return done({ code: ExportResultCode.FAILED, error: err });
      this.gzipBytes += out.length;
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  export(_rm: ResourceMetrics, done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.FAILED, error: new Error('the benchmark measures encoded requests only') });
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** One count's measurement (exported for the bench's own tests, which run it on a tiny synthetic tree). */
export async function measure(req: WorkerRequest): Promise<WorkerResult> {
  const start = memory();
  const n = req.targets.length;
  const layout = layoutFromMessage(req.layout);
  const { roots } = req;
  const targetList = req.targets.map((t) => toTarget(t));
  const targets: TargetProvider = { list: async () => ({ targets: targetList, truncated: false }) };
  const log = createLogger('warn');
  const stats = new SelfStats();

  // Files per container: one unmeasured cycle after the first, which also reads the host's facts.
  // The sources the agent reads with its default configuration (no opt-in group).
  const defaults = loadConfig([], {}).config;
  const plan = readPlanFor(enabledSpecs(defaults.metrics), { groups: defaults.metrics.groups, maxPidsPerContainer: defaults.collection.maxPidsPerContainer });
  const counting = new CountingReader(roots.procRoot);
  const probe = new CycleReader({ layout, reader: counting, roots, targets, stats: new SelfStats(), log, plan });
  await probe.collect();
  counting.opened = counting.absent = counting.proc = 0;
  counting.paths = [];
  const snap: Snapshot = await probe.collect();
  const files = { opened: counting.opened / n, absent: counting.absent / n, proc: counting.proc / n };
  // The C floor (run by the parent after this process exits) reads exactly these files.
  if (req.fileListPath) writeFileSync(req.fileListPath, counting.paths.join('\n') + '\n');
  const marks: StageMark[] = [];
  const mark = (stage: StageMark['stage'], startUs: number) => marks.push({ stage, startUs, endUs: monoMicros() });
  const interfaces = new Set<string>();
  for (const c of snap.containers) for (const i of c.network ?? []) interfaces.add(i.name);
  const snapshot = {
    containers: snap.containers.length,
    withCgroup: snap.containers.filter((c) => c.cgroup !== undefined).length,
    withNetwork: snap.containers.filter((c) => c.network !== undefined).length,
    interfaces: [...interfaces].sort(),
    sourceErrors: snap.agent.sourceErrors,
  };

  // RAW: the very files the collector opened in that cycle, read by a FileReader of their own with no
  // parsing: Node's I/O floor for podpulse's file set, under the load this run saw.
  const rawReader = new FileReader();
  const rawPaths = counting.paths;
  let stageStart = monoMicros();
  const raw = timeCycles(req, () => {
    for (const p of rawPaths) rawReader.readOptional(p);
  });
  mark('raw', stageStart);

  // KEPT: the same files through a reader set up as the agent's (cgroup and /proc/<pid> files kept open
  // and re-read with pread from their second cycle on), no parsing: the I/O floor of podpulse's own
  // way of reading, which can be below the C floor's open+read+close.
  const keptReader = agentFileReader(layout);
  keptReader.keepPidFilesUnder(roots.procRoot);
  stageStart = monoMicros();
  const kept = timeCycles(req, () => {
    for (const p of rawPaths) keptReader.readOptional(p);
    // As CycleReader does once per cycle: a file seen in two cycles in a row is kept from then on.
    keptReader.sweep();
  });
  keptReader.close();
  mark('kept', stageStart);

  // READ: what the collector does per cycle, alone, with the agent's reader settings (cgroup files
  // kept open up to collection.maxOpenFiles, as src/agent.ts configures it).
  const agentReader = agentFileReader(layout);
  const collector = new CycleReader({ layout, reader: agentReader, roots, targets, stats, log, plan });
  const read: CycleSamples = { cpuUs: [], wallMs: [] };
  const readLoop = monitorEventLoopDelay({ resolution: 10 });
  const heapProf = req.heapProfDir ? new Session() : undefined;
  stageStart = monoMicros();
  for (let i = 0; i < req.warmup + req.cycles; i++) {
    if (i === req.warmup) readLoop.enable();
    if (i === req.warmup && heapProf) await startHeapSampling(heapProf);
    await yieldToTimers();
    const c0 = cpuMicros();
    const w0 = performance.now();
    await collector.collect();
    const cpu = cpuMicros() - c0;
    const wall = performance.now() - w0;
    if (i >= req.warmup) {
      read.cpuUs.push(cpu);
      read.wallMs.push(wall);
    }
  }
  readLoop.disable();
  mark('read', stageStart);
  const readHeapProfile = heapProf && req.heapProfDir ? await stopHeapSampling(heapProf, join(req.heapProfDir, `bench-n${n}-read.heapprofile`)) : undefined;
  const afterRead = memory();
  const maxRssAfterRead = process.resourceUsage().maxRSS * 1024;

  // FULL: the agent's push path (MetricsPipeline + OtlpDelivery) with the encoding exporter at the end.
  let readCpu = 0;
  const timedSource: SnapshotSource = {
    collect: async () => {
      const c0 = cpuMicros();
      try {
        return await collector.collect();
      } finally {
        readCpu += cpuMicros() - c0;
      }
    },
  };
  const config = loadConfig([], {}).config;
  let machine: MachineInfo | undefined;
  try {
    machine = readMachineInfo(roots, new FileReader());
  } catch {
    machine = undefined;
  }
  const encoder = new EncodingExporter(config.export.otlp.compression === 'gzip');
  const requestEncoder = new TimedEncoder();
  let last: ResourceMetrics | undefined;
  const pipeline = new MetricsPipeline({
    resource: buildResource(config.resource, machine, {}, podpulseVersion()),
    specs: enabledSpecs(config.metrics),
    source: timedSource,
    delivery: new OtlpDelivery({ otlp: encoder, encoder: requestEncoder, replaySnapshots: 0, retryBudgetMs: 0, stats, onSnapshot: (rm) => (last = rm) }),
    // Cycles are driven by collectNow(); the reader's own timer must never fire during the run.
    intervalMs: 3_600_000,
    log,
    // The default (metrics.maxSeriesPerMetric, 20,000) would overflow only far above N=1000.
    maxSeriesPerMetric: Math.max(20_000, n * 16),
  });
  pipeline.start();
  const full: FullSamples = { cpuUs: [], wallMs: [], readCpuUs: [], encodeCpuUs: [], gzipCpuUs: [] };
  const fullLoop = monitorEventLoopDelay({ resolution: 10 });
  stageStart = monoMicros();
  for (let i = 0; i < req.warmup + req.cycles; i++) {
    if (i === req.warmup) fullLoop.enable();
    await yieldToTimers();
    readCpu = 0;
    requestEncoder.cpuUs = 0;
    encoder.gzipCpuUs = 0;
    encoder.newCycle();
    const c0 = cpuMicros();
    const w0 = performance.now();
    await pipeline.collectNow();
    const cpu = cpuMicros() - c0;
    const wall = performance.now() - w0;
    if (i >= req.warmup) {
      full.cpuUs.push(cpu);
      full.wallMs.push(wall);
      full.readCpuUs.push(readCpu);
      full.encodeCpuUs.push(requestEncoder.cpuUs);
      full.gzipCpuUs.push(encoder.gzipCpuUs);
    }
  }
  fullLoop.disable();
  mark('full', stageStart);
  const afterFull = memory();
  const series = countSeries(last, new Set(req.targets.map((t) => t.cgroupPath)), n, encoder.bytes);
  const sdkShape = shapeOf(last, enabledSpecs(config.metrics));
  if (!encoder.gzipBytes && encoder.lastRequests.length > 0) {
    // Compression off in the config: still report what gzip would put on the wire.
    for (const r of encoder.lastRequests) encoder.gzipBytes += gzipSync(r).length;
  }
  series.gzipBytes = encoder.gzipBytes;
  series.requests = encoder.requests;
  series.maxRequestBytes = encoder.maxRequestBytes;
  series.compression = config.export.otlp.compression;
  // The agent keeps no exported snapshot or request once it is delivered.
  last = undefined;
  encoder.lastRequests = [];
  // What stays once garbage is collected (the steady-state footprint), and the peak the OS saw.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retained = gc ? memory() : undefined;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  // After every memory figure: the snapshot itself costs memory. The pipeline still holds its state.
  const heapSnapshot = req.heapSnapshotDir ? writeHeapSnapshot(join(req.heapSnapshotDir, `bench-n${n}.heapsnapshot`)) : undefined;
  await pipeline.shutdown();
  // After every memory figure of the agent's stages: the reference's own SDK state would add to them.
  stageStart = monoMicros();
  const sdkAlone = await measureSdkAlone(sdkShape, req.cycles, req.warmup);
  mark('sdk-alone', stageStart);
  return {
    n,
    files,
    snapshot,
    raw,
    kept,
    sdkAlone,
    read,
    full,
    series,
    eventLoop: { read: loopFigures(readLoop), full: loopFigures(fullLoop) },
    marks,
    ...(heapSnapshot ? { heapSnapshot } : {}),
    ...(readHeapProfile ? { readHeapProfile } : {}),
    memory: { start, afterRead, afterFull, ...(retained ? { retained } : {}), maxRss, maxRssAfterRead },
  };
}

/** V8's sampling heap profiler, keeping the samples of objects already collected: what a stage allocates, not what it retains. */
async function startHeapSampling(session: Session): Promise<void> {
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
}

async function stopHeapSampling(session: Session, file: string): Promise<string> {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

/** A FileReader set up as src/agent.ts sets up the agent's: cgroup files kept open up to collection.maxOpenFiles. */
function agentFileReader(layout: CgroupLayout): FileReader {
  const reader = new FileReader();
  reader.keepOpenUnder({
    dirs: [...layout.v1.values(), ...(layout.unified ? [layout.unified] : [])],
    maxOpen: loadConfig([], {}).config.collection.maxOpenFiles,
  });
  return reader;
}

/** Runs a synchronous stage's warm-up and measured cycles back to back; CPU and wall time of the measured ones. */
function timeCycles(req: Pick<WorkerRequest, 'warmup' | 'cycles'>, cycle: () => void): CycleSamples {
  const out: CycleSamples = { cpuUs: [], wallMs: [] };
  for (let i = 0; i < req.warmup + req.cycles; i++) {
    const c0 = cpuMicros();
    const w0 = performance.now();
    cycle();
    const cpu = cpuMicros() - c0;
    const wall = performance.now() - w0;
    if (i >= req.warmup) {
      out.cpuUs.push(cpu);
      out.wallMs.push(wall);
    }
  }
  return out;
}

/**
 * Between cycles, outside the measured time: lets the event-loop monitor's timer fire, so its delay
 * covers one cycle's synchronous stretch and not several back-to-back cycles (the agent's cycles are
 * an interval apart).
 */
function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/** perf_hooks reports nanoseconds; a histogram that saw no tick (too few cycles) reports zeros. */
function loopFigures(h: IntervalHistogram): EventLoopFigures {
  return { maxMs: h.count > 0 ? h.max / 1e6 : 0, p99Ms: h.count > 0 ? h.percentile(99) / 1e6 : 0, samples: h.count };
}

/** CLOCK_MONOTONIC in µs: the clock V8's --cpu-prof timestamps use, so profiles can be cut per stage. */
function monoMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function countSeries(rm: ResourceMetrics | undefined, ids: ReadonlySet<string>, n: number, otlpBytes: number): WorkerResult['series'] {
  if (!rm) throw new Error('the pipeline exported nothing');
  let total = 0;
  let container = 0;
  let metrics = 0;
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      metrics++;
      for (const p of m.dataPoints) {
        total++;
        const id = (p.attributes as Attributes)['id'];
        if (typeof id === 'string' && ids.has(id)) container++;
      }
    }
  }
  return { total, perContainer: container / n, nonContainer: total - container, metrics, otlpBytes, gzipBytes: 0, requests: 0, maxRequestBytes: 0, compression: 'none' };
}

/** The SDK reference's instruments: the enabled rows, each with as many points as the agent exported. */
function shapeOf(rm: ResourceMetrics | undefined, specs: readonly MetricSpec[]): SdkShapeRow[] {
  const points = new Map<string, number>();
  for (const sm of rm?.scopeMetrics ?? []) for (const m of sm.metrics) points.set(m.descriptor.name, (points.get(m.descriptor.name) ?? 0) + m.dataPoints.length);
  return specs.map((spec) => ({ spec, points: points.get(spec.name) ?? 0 })).filter((r) => r.points > 0);
}

/** Set by collect.bench.ts when it forks this file; importing the module elsewhere starts nothing. */
export const WORKER_ENV = 'PODPULSE_BENCH_WORKER';

if (process.env[WORKER_ENV] === '1') {
  process.once('message', (req: WorkerRequest) => {
    const reply = (r: WorkerReply) => process.send?.(r, () => process.disconnect());
    measure(req).then(
      (result) => reply({ ok: true, result }),
      (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}
