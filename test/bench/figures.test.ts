/**
 * The figures `npm run bench` prints and writes with --json: their shape, the ratios against the C
 * floor and netdata of the same run, and the summary line. Figures come from a real (tiny) worker
 * measurement on the synthetic tree; nothing here asserts how fast anything is.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { countFigures, JSON_VERSION, summaryLine, type BenchJson, type CountFigures } from '../../bench/figures.js';
import { layoutToMessage, type WorkerResult } from '../../bench/protocol.js';
import { section } from '../../bench/report.js';
import { SyntheticTree } from '../../bench/synthetic-tree.js';
import { measure } from '../../bench/worker.js';

const REPO = join(import.meta.dirname, '..', '..');

async function tinyRun(n: number): Promise<WorkerResult> {
  const tree = new SyntheticTree(REPO);
  try {
    tree.grow(n);
    return await measure({ layout: layoutToMessage(tree.layout), roots: tree.roots, targets: tree.targets(n), cycles: 2, warmup: 0 });
  } finally {
    tree.teardown();
  }
}

const summary = (median: number) => ({ min: median, median, p90: median, max: median });

describe('bench figures', () => {
  it('the JSON has every figure of the text report, with ratios of medians from the same run', async () => {
    const r = await tinyRun(2);
    const floor = { files: r.files.opened * 2, opened: r.files.opened * 2, missing: 0, bytes: 1000, cpuUs: [60, 60], wallMs: [0.1, 0.1] };
    const nd = { version: 'netdata v1.37.1', updateEverySec: 1, windowSec: 20, cgroupsCollected: 2, threadCpuUs: [800, 200], usPerCgroupPerCycle: 25, allThreadsUsPerCgroupPerCycle: 50 };
    const c = countFigures(r, { setupSec: 0.1, loadBefore: 1, loadAfter: 2 }, floor, nd);
    const json: BenchJson = { version: JSON_VERSION, startedAt: 'now', machine: { nproc: 2, cpu: 'x', kernel: 'k', node: 'v20', memGiB: 1, loadAtStart: [1, 1, 1] }, mode: 'synthetic', cycles: 2, warmup: 0, counts: [c], summary: summaryLine([c]) };
    const back = JSON.parse(JSON.stringify(json)) as BenchJson;
    const k = back.counts[0] as CountFigures;
    expect(Object.keys(k).sort()).toEqual(
      ['absentPerContainer', 'context', 'cpu', 'eventLoop', 'filesPerContainer', 'floor', 'memory', 'n', 'netdata', 'procFilesPerContainer', 'ratios', 'series', 'snapshot', 'wallMs', 'wire'].sort(),
    );
    expect(Object.keys(k.cpu).sort()).toEqual(['full', 'fullEncode', 'fullGzip', 'fullPerSeries', 'fullRead', 'fullSdk', 'kept', 'raw', 'read', 'sdkAlone'].sort());
    // The C floor's per-cycle CPU is for all containers: per container it is 60 / 2.
    expect(k.floor).toMatchObject({ cpu: { median: 30 }, files: floor.files, opened: floor.opened });
    expect(k.ratios.fullVsFloor).toBeCloseTo(k.cpu.full.median / 30, 9);
    expect(k.ratios.readVsFloor).toBeCloseTo(k.cpu.read.median / 30, 9);
    expect(k.ratios.fullVsNetdata).toBeCloseTo(k.cpu.full.median / 25, 9);
    expect(k.ratios.leastFullVsFloor).toBeCloseTo((k.cpu.kept.median + k.cpu.sdkAlone.median) / 30, 9);
    // The SDK reference built as many points as the agent's container and machine rows exported.
    expect(r.sdkAlone.points).toBe(r.series.total);
    expect(r.kept.cpuUs).toHaveLength(2);
    // The SDK share is what is left of FULL after read, encode and gzip.
    expect(k.cpu.fullSdk.median).toBeGreaterThanOrEqual(0);
    expect(k.wire.compression).toBe('gzip');
    expect(k.wire.gzipBytes).toBeGreaterThan(0);
    expect(k.wire.gzipBytes).toBeLessThan(k.wire.protobufBytes);
    expect(k.wire.protobufPerSeries).toBeCloseTo(k.wire.protobufBytes / k.series.total, 9);
    expect(k.eventLoop.full.maxMs).toBeGreaterThanOrEqual(0);
    expect(k.series.perContainer).toBeGreaterThan(0);
    expect(back.summary).toMatch(/^summary: N=2: FULL [\d.]+x C floor \(\d+ vs C floor 30 µs\/container\), READ [\d.]+x, netdata 25 µs \(FULL [\d.]+x\)/);
    expect(back.summary).toMatch(/kept reads \+ SDK alone [\d.]+x, /);
    // The text report prints the same figures.
    const text = section(c);
    expect(text).toContain('C floor  same files, open+read+close');
    expect(text).toContain('netdata  cgroups plugin collection thread');
    expect(text).toContain('KEPT  same files, kept fds, no parsing');
    expect(text).toContain('SDK   sdk-metrics alone, same points');
    expect(text).toMatch(/KEPT \+ SDK alone: [\d.]+ µs, [\d.]+x the C floor/);
    expect(text).toContain(`${k.wire.gzipPerSeries.toFixed(1)} B/series`);
  }, 60_000);

  it('a floor or peer that could not run is reported with its reason, and the summary says n/a', async () => {
    const r = await tinyRun(1);
    const c = countFigures(r, { setupSec: 0, loadBefore: 0, loadAfter: 0 }, { error: 'cc -O2 failed' }, { error: 'netdata is not installed' });
    expect(c.ratios).toEqual({});
    expect(section(c)).toContain('C floor: not run (cc -O2 failed)');
    expect(section(c)).toContain('netdata: not measured (netdata is not installed)');
    expect(summaryLine([c])).toMatch(/FULL n\/a C floor/);
  }, 60_000);

  it('the summary line covers every count and the containerd run in one line', () => {
    const base = { cpu: { full: summary(300), read: summary(100) }, ratios: { fullVsFloor: 4, readVsFloor: 1.3 }, floor: { cpu: summary(75) }, memory: { maxRss: 100 * 2 ** 20 }, eventLoop: { full: { maxMs: 40 } }, wire: { gzipPerSeries: 9.25 } };
    const counts = [{ ...base, n: 100 }, { ...base, n: 1000 }] as unknown as CountFigures[];
    const line = summaryLine(counts, { pods: 100, containersReported: 100, intervalSec: 10, windowSec: 60, loadBefore: 1, loadAfter: 1, cpuPercent: 0.42, usPerContainerPerCycle: 420, rssMiB: 80, exportsInWindow: 6, pointsPerExport: 4000, teardown: 'none' });
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe(
      'summary: N=100: FULL 4.00x C floor (300 vs C floor 75 µs/container), READ 1.30x, peak RSS 100 MiB, loop max 40 ms, 9.3 B/series gzip | ' +
        'N=1000: FULL 4.00x C floor (300 vs C floor 75 µs/container), READ 1.30x, peak RSS 100 MiB, loop max 40 ms, 9.3 B/series gzip | ' +
        'containerd 100 pods @ 10 s: agent 0.42 % of one core, 420 µs/container/cycle, RSS 80 MiB',
    );
  });
});
