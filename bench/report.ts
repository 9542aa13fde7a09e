import type { MemoryFigures, WorkerResult } from './protocol.js';
import { scale, summarize, type Summary } from './stats.js';

/**
 * Reference figures from the design notes (perf-reliability-reference.md §2f, §2g), measured on this
 * kind of VM: the C floor is open+read+close of 12 files per container (10 cgroup v1 files,
 * /proc/<pid>/stat, /proc/<pid>/net/dev); netdata 1.37.1's cgroups plugin at 1 s over ~1000 cgroups.
 */
export const C_FLOOR_US = 72;
export const NETDATA_US = 90;
/** The C floor per file (72 µs ÷ 12 files), to scale it to the number of files podpulse opens. */
export const C_PER_FILE_US = C_FLOOR_US / 12;

const f1 = (x: number) => x.toFixed(1);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const pad = (s: string, w: number) => s.padStart(w);

function row(label: string, s: Summary, wall?: Summary, ratios = true): string {
  const cells = [label.padEnd(34), pad(f1(s.min), 8), pad(f1(s.median), 8), pad(f1(s.p90), 8)];
  cells.push(ratios ? pad(`${(s.median / C_FLOOR_US).toFixed(2)}x`, 8) + pad(`${(s.median / NETDATA_US).toFixed(2)}x`, 8) : ' '.repeat(16));
  if (wall) cells.push(pad(f1(wall.median), 9), pad(f1(wall.p90), 8));
  return cells.join('').trimEnd();
}

function mem(m: MemoryFigures): string {
  return `RSS ${mib(m.rss)}, heap ${mib(m.heapUsed)} used / ${mib(m.heapTotal)}, external ${mib(m.external)}`;
}

export interface StageFigures {
  read: Summary;
  full: Summary;
}

/** µs of CPU per container per cycle, for the summary lines. */
export function stageFigures(r: WorkerResult): StageFigures {
  return { read: scale(summarize(r.read.cpuUs), 1 / r.n), full: scale(summarize(r.full.cpuUs), 1 / r.n) };
}

export function section(r: WorkerResult, context: string): string {
  const n = r.n;
  const perC = (xs: number[]) => scale(summarize(xs), 1 / n);
  const sdk = r.full.cpuUs.map((c, i) => c - (r.full.readCpuUs[i] ?? 0) - (r.full.encodeCpuUs[i] ?? 0));
  const { read, full } = stageFigures(r);
  const s = r.snapshot;
  const scaledFloor = r.files.opened * C_PER_FILE_US;
  const rawMedian = summarize(r.raw.cpuUs).median / n;
  const lines = [
    `N = ${n} containers  (${context})`,
    `  per container per cycle: ${f1(r.files.opened)} files opened (${f1(r.files.absent)} absent optional ones), ${f1(r.files.proc)} of them under /proc; ` +
      `${f1(r.series.perContainer)} series`,
    `  snapshot: ${s.containers} containers, ${s.withCgroup} with cgroup stats, ${s.withNetwork} with network (${s.interfaces.join(', ') || 'none'})` +
      (Object.values(s.sourceErrors).some((codes) => Object.values(codes).some((v) => v > 0)) ? `, SOURCE ERRORS ${JSON.stringify(s.sourceErrors)}` : ', no source errors'),
    `  one export: ${r.series.total} series (${r.series.nonContainer} machine/agent) in ${r.series.metrics} metrics, OTLP protobuf ${(r.series.otlpBytes / 1024).toFixed(0)} KiB`,
    '',
    `  ${'stage'.padEnd(34)}${'µs CPU per container per cycle'.padStart(26)}${'median vs'.padStart(15)}${'wall ms/cycle'.padStart(17)}`,
    `  ${''.padEnd(34)}${pad('min', 8)}${pad('median', 8)}${pad('p90', 8)}${pad('C 72', 9)}${pad('nd 90', 8)}${pad('median', 9)}${pad('p90', 8)}`,
    '  ' + row('RAW   same files, no parsing', perC(r.raw.cpuUs), summarize(r.raw.wallMs)),
    '  ' + row('READ  CycleReader.collect', read, summarize(r.read.wallMs)),
    '  ' + row('FULL  pipeline cycle + OTLP encode', full, summarize(r.full.wallMs)),
    '  ' + row('  of which read', perC(r.full.readCpuUs), undefined, false),
    '  ' + row('  of which SDK + live filter', perC(sdk), undefined, false),
    '  ' + row('  of which OTLP protobuf encode', perC(r.full.encodeCpuUs), undefined, false),
    '  ' + row('FULL  µs per series', scale(summarize(r.full.cpuUs), 1 / r.series.total), undefined, false),
    `  C floor scaled to ${f1(r.files.opened)} files (× ${f1(C_PER_FILE_US)} µs) = ${f1(scaledFloor)} µs: RAW ${(rawMedian / scaledFloor).toFixed(2)}x, ` +
      `READ ${(read.median / scaledFloor).toFixed(2)}x, FULL ${(full.median / scaledFloor).toFixed(2)}x`,
    `  median per file opened: RAW ${f1(summarize(r.raw.cpuUs).median / n / r.files.opened)} µs, READ ${f1(read.median / r.files.opened)} µs`,
    `  memory at start:  ${mem(r.memory.start)}`,
    `  after READ runs:  ${mem(r.memory.afterRead)}`,
    `  after FULL runs:  ${mem(r.memory.afterFull)}`,
    ...(r.memory.retained ? [`  after forced GC:  ${mem(r.memory.retained)}`] : []),
    `  peak RSS of the worker: ${mib(r.memory.maxRss)}`,
  ];
  return lines.join('\n');
}

/** Share of one core at the given intervals: median CPU per cycle ÷ interval. */
export function coreShare(r: WorkerResult): string {
  const { read, full } = stageFigures(r);
  const raw = summarize(r.raw.cpuUs).median / r.n;
  const pct = (usPerContainer: number, intervalS: number) => `${((usPerContainer * r.n) / (intervalS * 1e6) * 100).toFixed(2)} %`;
  return [
    `share of one core at N=${r.n} (median CPU per cycle ÷ interval):`,
    `  ${''.padEnd(34)}${pad('10 s interval', 16)}${pad('1 s interval', 16)}`,
    `  ${'RAW'.padEnd(34)}${pad(pct(raw, 10), 16)}${pad(pct(raw, 1), 16)}`,
    `  ${'READ'.padEnd(34)}${pad(pct(read.median, 10), 16)}${pad(pct(read.median, 1), 16)}`,
    `  ${'FULL'.padEnd(34)}${pad(pct(full.median, 10), 16)}${pad(pct(full.median, 1), 16)}`,
    `  ${'C floor 72 µs (reference)'.padEnd(34)}${pad(pct(C_FLOOR_US, 10), 16)}${pad(pct(C_FLOOR_US, 1), 16)}`,
    `  ${'netdata 90 µs (reference)'.padEnd(34)}${pad(pct(NETDATA_US, 10), 16)}${pad(pct(NETDATA_US, 1), 16)}`,
  ].join('\n');
}
