import type { FloorResult } from './c-floor.js';
import type { NetdataFigures } from './netdata-peer.js';
import type { EventLoopFigures, MemoryFigures, WorkerResult } from './protocol.js';
import { scale, summarize, type Summary } from './stats.js';

/**
 * Every figure of one `npm run bench` run, in one shape: the text report prints it and `--json FILE`
 * writes it. Per-container CPU figures are µs per container per cycle; ratios compare medians of the
 * same run (the C floor ran on the same files, right after the Node stages, under the same load).
 */

export const JSON_VERSION = 1;

export interface CountFigures {
  n: number;
  context: { setupSec: number; loadBefore: number; loadAfter: number };
  filesPerContainer: number;
  absentPerContainer: number;
  procFilesPerContainer: number;
  snapshot: WorkerResult['snapshot'];
  series: { total: number; perContainer: number; nonContainer: number; metrics: number };
  /** µs of CPU per container per cycle. */
  cpu: {
    raw: Summary;
    /** The same files through the agent's kept descriptors, no parsing. */
    kept: Summary;
    /** sdk-metrics alone, the agent's instruments and point counts (bench/sdk-alone.ts). */
    sdkAlone: Summary;
    read: Summary;
    full: Summary;
    fullRead: Summary;
    fullSdk: Summary;
    fullEncode: Summary;
    fullGzip: Summary;
    fullPerSeries: Summary;
  };
  /** ms per whole cycle. */
  wallMs: { raw: Summary; kept: Summary; sdkAlone: Summary; read: Summary; full: Summary };
  /** The C floor on the same file list, µs per container per cycle; or why it did not run. */
  floor: { cpu: Summary; files: number; opened: number; missing: number; bytes: number } | { error: string };
  netdata?: NetdataFigures | { error: string };
  /** Medians divided by the C floor's (and netdata's) median. */
  ratios: {
    rawVsFloor?: number;
    keptVsFloor?: number;
    sdkAloneVsFloor?: number;
    /** (KEPT + SDK alone) ÷ floor: what FULL cannot go below with the catalog on sdk-metrics' observable instruments. */
    leastFullVsFloor?: number;
    readVsFloor?: number;
    fullVsFloor?: number;
    readVsNetdata?: number;
    fullVsNetdata?: number;
  };
  wire: { compression: string; protobufBytes: number; gzipBytes: number; protobufPerSeries: number; gzipPerSeries: number; requests: number; maxRequestBytes: number };
  eventLoop: { read: EventLoopFigures; full: EventLoopFigures };
  memory: { start: MemoryFigures; afterRead: MemoryFigures; afterFull: MemoryFigures; retained?: MemoryFigures; maxRss: number; maxRssAfterRead?: number };
  heapSnapshot?: string;
}

export interface ContainerdFigures {
  pods: number;
  containersReported: number | undefined;
  intervalSec: number;
  windowSec: number;
  loadBefore: number;
  loadAfter: number;
  /** % of one core, agent process (all threads), over the window. */
  cpuPercent: number;
  /**
   * CPU per reported container per cycle, µs (window CPU ÷ cycles in the window ÷ the agent's
   * podpulse_containers, which counts pod, sandbox and app cgroups, as cAdvisor's series do).
   */
  usPerContainerPerCycle: number;
  rssMiB: number;
  /** The agent's highest RSS since it started (VmHWM), at the end of the window. */
  peakRssMiB?: number;
  exportsInWindow: number;
  pointsPerExport: number;
  teardown: string;
}

export interface BenchJson {
  version: number;
  startedAt: string;
  machine: { nproc: number; cpu: string; kernel: string; node: string; memGiB: number; loadAtStart: number[] };
  mode: string;
  cycles: number;
  warmup: number;
  counts: CountFigures[];
  containerd?: ContainerdFigures;
  teardown?: { outcome: string; leftBehind: string };
  summary: string;
}

function perContainer(xs: number[], n: number): Summary {
  return scale(summarize(xs), 1 / n);
}

export function countFigures(
  r: WorkerResult,
  context: CountFigures['context'],
  floor: FloorResult | { error: string },
  netdata?: NetdataFigures | { error: string },
): CountFigures {
  const n = r.n;
  const sdk = r.full.cpuUs.map((c, i) => c - (r.full.readCpuUs[i] ?? 0) - (r.full.encodeCpuUs[i] ?? 0) - (r.full.gzipCpuUs[i] ?? 0));
  const cpu = {
    raw: perContainer(r.raw.cpuUs, n),
    kept: perContainer(r.kept.cpuUs, n),
    sdkAlone: perContainer(r.sdkAlone.cpuUs, n),
    read: perContainer(r.read.cpuUs, n),
    full: perContainer(r.full.cpuUs, n),
    fullRead: perContainer(r.full.readCpuUs, n),
    fullSdk: perContainer(sdk, n),
    fullEncode: perContainer(r.full.encodeCpuUs, n),
    fullGzip: perContainer(r.full.gzipCpuUs, n),
    fullPerSeries: scale(summarize(r.full.cpuUs), 1 / r.series.total),
  };
  const floorFig: CountFigures['floor'] =
    'error' in floor ? floor : { cpu: perContainer(floor.cpuUs, n), files: floor.files, opened: floor.opened, missing: floor.missing, bytes: floor.bytes };
  const ratios: CountFigures['ratios'] = {};
  if (!('error' in floorFig) && floorFig.cpu.median > 0) {
    ratios.rawVsFloor = cpu.raw.median / floorFig.cpu.median;
    ratios.keptVsFloor = cpu.kept.median / floorFig.cpu.median;
    ratios.sdkAloneVsFloor = cpu.sdkAlone.median / floorFig.cpu.median;
    ratios.leastFullVsFloor = (cpu.kept.median + cpu.sdkAlone.median) / floorFig.cpu.median;
    ratios.readVsFloor = cpu.read.median / floorFig.cpu.median;
    ratios.fullVsFloor = cpu.full.median / floorFig.cpu.median;
  }
  if (netdata && !('error' in netdata) && netdata.usPerCgroupPerCycle > 0) {
    ratios.readVsNetdata = cpu.read.median / netdata.usPerCgroupPerCycle;
    ratios.fullVsNetdata = cpu.full.median / netdata.usPerCgroupPerCycle;
  }
  return {
    n,
    context,
    filesPerContainer: r.files.opened,
    absentPerContainer: r.files.absent,
    procFilesPerContainer: r.files.proc,
    snapshot: r.snapshot,
    series: { total: r.series.total, perContainer: r.series.perContainer, nonContainer: r.series.nonContainer, metrics: r.series.metrics },
    cpu,
    wallMs: { raw: summarize(r.raw.wallMs), kept: summarize(r.kept.wallMs), sdkAlone: summarize(r.sdkAlone.wallMs), read: summarize(r.read.wallMs), full: summarize(r.full.wallMs) },
    floor: floorFig,
    ...(netdata ? { netdata } : {}),
    ratios,
    wire: {
      compression: r.series.compression,
      protobufBytes: r.series.otlpBytes,
      gzipBytes: r.series.gzipBytes,
      protobufPerSeries: r.series.otlpBytes / r.series.total,
      gzipPerSeries: r.series.gzipBytes / r.series.total,
      requests: r.series.requests,
      maxRequestBytes: r.series.maxRequestBytes,
    },
    eventLoop: r.eventLoop,
    memory: r.memory,
    ...(r.heapSnapshot ? { heapSnapshot: r.heapSnapshot } : {}),
  };
}

const x = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}x`);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The run's last line: the main ratio (whole cycle ÷ C floor) per count, and the figures with targets. */
export function summaryLine(counts: readonly CountFigures[], containerd?: ContainerdFigures): string {
  const parts = counts.map((c) => {
    const floor = 'error' in c.floor ? 'C floor n/a' : `C floor ${c.floor.cpu.median.toFixed(0)}`;
    const nd = c.netdata && !('error' in c.netdata) ? `, netdata ${c.netdata.usPerCgroupPerCycle.toFixed(0)} µs (FULL ${x(c.ratios.fullVsNetdata)})` : '';
    return (
      `N=${c.n}: FULL ${x(c.ratios.fullVsFloor)} C floor (${c.cpu.full.median.toFixed(0)} vs ${floor} µs/container), READ ${x(c.ratios.readVsFloor)}${nd}, ` +
      (c.ratios.leastFullVsFloor !== undefined ? `kept reads + SDK alone ${x(c.ratios.leastFullVsFloor)}, ` : '') +
      `peak RSS ${mib(c.memory.maxRss)}, loop max ${c.eventLoop.full.maxMs.toFixed(0)} ms, ${c.wire.gzipPerSeries.toFixed(1)} B/series gzip`
    );
  });
  if (containerd) {
    parts.push(
      `containerd ${containerd.pods} pods @ ${containerd.intervalSec} s: agent ${containerd.cpuPercent.toFixed(2)} % of one core, ` +
        `${containerd.usPerContainerPerCycle.toFixed(0)} µs/container/cycle, RSS ${containerd.rssMiB.toFixed(0)} MiB`,
    );
  }
  return `summary: ${parts.join(' | ')}`;
}
