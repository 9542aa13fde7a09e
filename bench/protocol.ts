import type { CgroupLayout, CgroupMode } from '../src/cgroup/layout.js';
import type { MachineRoots } from '../src/machine/machine-info.js';

/**
 * What the bench's parent process (which owns the fake containers) and the measuring worker (a fresh
 * process per container count, so its RSS and heap belong to that count alone) say to each other.
 */

/** One fake container: its cgroup path (relative to every hierarchy root) and a pid in its own netns. */
export interface BenchTarget {
  index: number;
  cgroupPath: string;
  netPid: number;
}

/** CgroupLayout without the Map, which IPC's JSON serialization would drop. */
export interface LayoutMessage {
  mode: CgroupMode;
  v1: [string, string][];
  unified?: string;
}

export function layoutToMessage(layout: CgroupLayout): LayoutMessage {
  return { mode: layout.mode, v1: [...layout.v1.entries()], ...(layout.unified !== undefined ? { unified: layout.unified } : {}) };
}

export function layoutFromMessage(m: LayoutMessage): CgroupLayout {
  return { mode: m.mode, v1: new Map(m.v1), ...(m.unified !== undefined ? { unified: m.unified } : {}) };
}

export interface WorkerRequest {
  layout: LayoutMessage;
  roots: MachineRoots;
  targets: BenchTarget[];
  cycles: number;
  warmup: number;
  /** Where to write the files the collector opens per steady-state cycle, one per line (for the C floor). */
  fileListPath?: string;
  /** Write a V8 heap snapshot here after the FULL cycles (--heap-snapshot). */
  heapSnapshotDir?: string;
  /** Write a sampling heap profile of READ's measured cycles here (--heap-prof). */
  heapProfDir?: string;
}

/** Per measured cycle, for the whole cycle (not yet divided by the container count). */
export interface CycleSamples {
  cpuUs: number[];
  wallMs: number[];
}

export interface FullSamples extends CycleSamples {
  /** Part of cpuUs spent inside CycleReader.collect (the read). */
  readCpuUs: number[];
  /** Part of cpuUs spent in the agent's OTLP request encoder (RequestEncoder.plan and encodeSlice). */
  encodeCpuUs: number[];
  /** Part of cpuUs spent gzipping the request, asynchronously as grpc-js does (0 when export.otlp.compression is none). */
  gzipCpuUs: number[];
}

/** perf_hooks.monitorEventLoopDelay over a stage's measured cycles (10 ms resolution). */
export interface EventLoopFigures {
  maxMs: number;
  p99Ms: number;
  samples: number;
}

/** When a stage ran, in CLOCK_MONOTONIC µs (the clock of V8's --cpu-prof), to cut a profile per stage. */
export interface StageMark {
  /** `agent`: the measured window of the real agent in `--runtime containerd`. */
  stage: 'raw' | 'kept' | 'read' | 'full' | 'sdk-alone' | 'agent';
  startUs: number;
  endUs: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface WorkerResult {
  n: number;
  /** Per container per cycle, counted in an unmeasured cycle by a counting FileReader. */
  files: { opened: number; absent: number; proc: number };
  /** What one snapshot held: proves every container was read. */
  snapshot: { containers: number; withCgroup: number; withNetwork: number; interfaces: string[]; sourceErrors: Record<string, Record<string, number>> };
  /** The same files the collector opens, read with no parsing (Node's I/O floor for this file set). */
  raw: CycleSamples;
  /** The same files through the agent's reader settings (kept descriptors, pread), no parsing. */
  kept: CycleSamples;
  /** sdk-metrics alone with the agent's instruments and point counts (bench/sdk-alone.ts). */
  sdkAlone: CycleSamples & { points: number };
  read: CycleSamples;
  full: FullSamples;
  series: {
    total: number;
    perContainer: number;
    nonContainer: number;
    metrics: number;
    /** One export's OTLP protobuf requests, uncompressed, summed. */
    otlpBytes: number;
    /** The same requests gzipped one by one (what grpc-js sends with export.otlp.compression gzip), summed. */
    gzipBytes: number;
    /** Requests one export was cut into, and the largest of them (uncompressed bytes). */
    requests: number;
    maxRequestBytes: number;
    /** The agent's default export.otlp.compression, which the FULL stage applied. */
    compression: string;
  };
  eventLoop: { read: EventLoopFigures; full: EventLoopFigures };
  marks: StageMark[];
  /** Path of the heap snapshot written after the FULL cycles, with --heap-snapshot. */
  heapSnapshot?: string;
  /** Path of READ's sampling heap profile, with --heap-prof. */
  readHeapProfile?: string;
  memory: {
    start: MemoryFigures;
    afterRead: MemoryFigures;
    afterFull: MemoryFigures;
    /** After a forced full GC at the end (worker runs with --expose-gc). */
    retained?: MemoryFigures;
    /** Peak RSS of the worker (getrusage ru_maxrss), bytes. */
    maxRss: number;
    /** The same peak as it stood after the READ stage (what the collector alone reached). */
    maxRssAfterRead?: number;
  };
}

export type WorkerReply = { ok: true; result: WorkerResult } | { ok: false; error: string };
