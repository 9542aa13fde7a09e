import type { CountFigures } from './figures.js';
import type { MemoryFigures } from './protocol.js';
import type { Summary } from './stats.js';

/** The text report of `npm run bench`, printed from the same figures `--json` writes. */

const f1 = (x: number) => x.toFixed(1);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const pad = (s: string, w: number) => s.padStart(w);
const ratio = (a: number, b: number | undefined) => (b === undefined || b <= 0 ? '' : `${(a / b).toFixed(2)}x`);

function mem(m: MemoryFigures): string {
  return `RSS ${mib(m.rss)}, heap ${mib(m.heapUsed)} used / ${mib(m.heapTotal)}, external ${mib(m.external)}`;
}

function row(label: string, s: Summary, floor: number | undefined, netdata: number | undefined, wall?: Summary): string {
  const cells = [label.padEnd(38), pad(f1(s.min), 8), pad(f1(s.median), 8), pad(f1(s.p90), 8), pad(ratio(s.median, floor), 9), pad(ratio(s.median, netdata), 9)];
  if (wall) cells.push(pad(f1(wall.median), 9), pad(f1(wall.p90), 8));
  return cells.join('').trimEnd();
}

export function section(c: CountFigures): string {
  const floor = 'error' in c.floor ? undefined : c.floor;
  const nd = c.netdata && !('error' in c.netdata) ? c.netdata : undefined;
  const fm = floor?.cpu.median;
  const nm = nd?.usPerCgroupPerCycle;
  const s = c.snapshot;
  const ctx = c.context;
  const lines = [
    `N = ${c.n} containers  (setup ${ctx.setupSec.toFixed(1)} s; 1-min load average ${ctx.loadBefore.toFixed(2)} before, ${ctx.loadAfter.toFixed(2)} after)`,
    `  per container per cycle: ${f1(c.filesPerContainer)} files opened (${f1(c.absentPerContainer)} absent optional ones), ${f1(c.procFilesPerContainer)} of them under /proc; ` +
      `${f1(c.series.perContainer)} series`,
    `  snapshot: ${s.containers} containers, ${s.withCgroup} with cgroup stats, ${s.withNetwork} with network (${s.interfaces.join(', ') || 'none'})` +
      (Object.values(s.sourceErrors).some((codes) => Object.values(codes).some((v) => v > 0)) ? `, SOURCE ERRORS ${JSON.stringify(s.sourceErrors)}` : ', no source errors'),
    `  one export: ${c.series.total} series (${c.series.nonContainer} machine/agent) in ${c.series.metrics} metrics; ` +
      `on the wire ${(c.wire.protobufBytes / 1024).toFixed(0)} KiB uncompressed (${f1(c.wire.protobufPerSeries)} B/series), ` +
      `${(c.wire.gzipBytes / 1024).toFixed(0)} KiB gzip (${f1(c.wire.gzipPerSeries)} B/series); agent default compression: ${c.wire.compression}; ` +
      `${c.wire.requests} request(s), the largest ${(c.wire.maxRequestBytes / 1024).toFixed(0)} KiB`,
    '',
    `  ${'stage'.padEnd(38)}${'µs CPU per container per cycle'.padStart(26)}${'median vs'.padStart(18)}${'wall ms/cycle'.padStart(17)}`,
    `  ${''.padEnd(38)}${pad('min', 8)}${pad('median', 8)}${pad('p90', 8)}${pad('C floor', 9)}${pad('netdata', 9)}${pad('median', 9)}${pad('p90', 8)}`,
    ...(floor ? ['  ' + row('C floor  same files, open+read+close', floor.cpu, fm, nm)] : [`  C floor: not run (${(c.floor as { error: string }).error})`]),
    ...(nd
      ? [
          `  netdata  cgroups plugin collection thread     ${pad(f1(nd.usPerCgroupPerCycle), 16)}${pad(ratio(nd.usPerCgroupPerCycle, fm), 17)}` +
            `   (with its discovery thread ${f1(nd.allThreadsUsPerCgroupPerCycle)}; ${nd.cgroupsCollected} cgroups, ${nd.windowSec.toFixed(0)} s at ${nd.updateEverySec} s)`,
        ]
      : c.netdata
        ? [`  netdata: not measured (${(c.netdata as { error: string }).error})`]
        : []),
    '  ' + row('RAW   same files in Node, no parsing', c.cpu.raw, fm, nm, c.wallMs.raw),
    '  ' + row('KEPT  same files, kept fds, no parsing', c.cpu.kept, fm, nm, c.wallMs.kept),
    '  ' + row('SDK   sdk-metrics alone, same points', c.cpu.sdkAlone, fm, nm, c.wallMs.sdkAlone),
    ...(c.ratios.leastFullVsFloor !== undefined
      ? [`  KEPT + SDK alone: ${f1(c.cpu.kept.median + c.cpu.sdkAlone.median)} µs, ${c.ratios.leastFullVsFloor.toFixed(2)}x the C floor (FULL cannot cost less with the catalog on sdk-metrics)`]
      : []),
    '  ' + row('READ  CycleReader.collect', c.cpu.read, fm, nm, c.wallMs.read),
    '  ' + row('FULL  pipeline cycle + OTLP encode', c.cpu.full, fm, nm, c.wallMs.full),
    '  ' + row('  of which read', c.cpu.fullRead, fm, undefined),
    '  ' + row('  of which SDK + live filter', c.cpu.fullSdk, fm, undefined),
    '  ' + row('  of which OTLP protobuf encode', c.cpu.fullEncode, fm, undefined),
    '  ' + row(`  of which gzip (${c.wire.compression})`, c.cpu.fullGzip, fm, undefined),
    '  ' + row('FULL  µs per series', c.cpu.fullPerSeries, undefined, undefined),
    ...(floor ? [`  C floor: ${floor.files} paths listed, ${floor.opened} opened (${floor.missing} missing), ${(floor.bytes / 1024).toFixed(0)} KiB read per cycle`] : []),
    `  event loop (monitorEventLoopDelay, measured cycles): READ max ${f1(c.eventLoop.read.maxMs)} ms p99 ${f1(c.eventLoop.read.p99Ms)} ms; ` +
      `FULL max ${f1(c.eventLoop.full.maxMs)} ms p99 ${f1(c.eventLoop.full.p99Ms)} ms`,
    `  memory at start:  ${mem(c.memory.start)}`,
    `  after READ runs:  ${mem(c.memory.afterRead)}`,
    `  after FULL runs:  ${mem(c.memory.afterFull)}`,
    ...(c.memory.retained ? [`  after forced GC:  ${mem(c.memory.retained)}`] : []),
    `  peak RSS of the worker: ${mib(c.memory.maxRss)}` + (c.memory.maxRssAfterRead ? ` (${mib(c.memory.maxRssAfterRead)} by the end of READ)` : ''),
    ...(c.heapSnapshot ? [`  heap snapshot: ${c.heapSnapshot}`] : []),
  ];
  return lines.join('\n');
}

/** Share of one core at the given intervals: median CPU per cycle ÷ interval. */
export function coreShare(c: CountFigures): string {
  const pct = (usPerContainer: number, intervalS: number) => `${(((usPerContainer * c.n) / (intervalS * 1e6)) * 100).toFixed(2)} %`;
  const line = (label: string, us: number) => `  ${label.padEnd(34)}${pad(pct(us, 10), 16)}${pad(pct(us, 1), 16)}`;
  const floor = 'error' in c.floor ? undefined : c.floor.cpu.median;
  const nd = c.netdata && !('error' in c.netdata) ? c.netdata.usPerCgroupPerCycle : undefined;
  return [
    `share of one core at N=${c.n} (median CPU per cycle ÷ interval):`,
    `  ${''.padEnd(34)}${pad('10 s interval', 16)}${pad('1 s interval', 16)}`,
    line('RAW', c.cpu.raw.median),
    line('READ', c.cpu.read.median),
    line('FULL', c.cpu.full.median),
    ...(floor !== undefined ? [line('C floor (same run)', floor)] : []),
    ...(nd !== undefined ? [line('netdata cgroups plugin (same run)', nd)] : []),
  ].join('\n');
}
