import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { cpuWeightToShares, parseCpuMax, parseCpuStatV2, parseCpuWeight } from '../../../src/cgroup/v2/cpu.js';
import { parseIoStat } from '../../../src/cgroup/v2/io.js';
import {
  parseMemoryCurrent,
  parseMemoryMax,
  parseMemoryPeak,
  parseMemoryStatV2,
  parseMemorySwapCurrent,
  parseMemorySwapMax,
  parseMemoryEvents,
  parseMemoryMin,
} from '../../../src/cgroup/v2/memory.js';
import { parsePidsCurrent, parsePidsMax } from '../../../src/cgroup/v2/pids.js';
import { parsePressure } from '../../../src/cgroup/v2/psi.js';

describe('v2 cpu.stat', () => {
  it('with the cpu controller enabled', () => {
    const text =
      'usage_usec 812345\nuser_usec 612000\nsystem_usec 200345\ncore_sched.force_idle_usec 0\n' +
      'nr_periods 31\nnr_throttled 4\nthrottled_usec 90210\nnr_bursts 0\nburst_usec 0\n';
    expect(parseCpuStatV2(text)).toEqual({
      usageUsec: 812345,
      userUsec: 612000,
      systemUsec: 200345,
      nrPeriods: 31,
      nrThrottled: 4,
      throttledUsec: 90210,
      nrBursts: 0,
      burstUsec: 0,
    });
  });
  it('without it (only the base keys; hybrid unified mount)', () => {
    expect(parseCpuStatV2('usage_usec 10\nuser_usec 6\nsystem_usec 4\n')).toEqual({
      usageUsec: 10,
      userUsec: 6,
      systemUsec: 4,
    });
  });
  it('empty, malformed', () => {
    expect(parseCpuStatV2('')).toEqual({});
    expect(() => parseCpuStatV2('usage_usec 1.5\n')).toThrow(/^cpu\.stat: /);
  });
});

describe('cpu.max', () => {
  it.each([
    ['max 100000\n', { quotaUs: null, periodUs: 100000 }],
    ['50000 100000\n', { quotaUs: 50000, periodUs: 100000 }],
    ['200000 50000', { quotaUs: 200000, periodUs: 50000 }],
  ])('%j', (text, want) => {
    expect(parseCpuMax(text)).toEqual(want);
  });
  it.each(['', 'max\n', '1 2 3\n', 'max abc\n', '-1 100000\n'])('rejects %j', (text) => {
    expect(() => parseCpuMax(text)).toThrow(/^cpu\.max: /);
  });
});

describe('cpu.weight → shares', () => {
  it.each([
    [1, 2],
    [20, 500],
    [39, 998],
    [79, 2046],
    [100, 2597],
    [10000, 262144],
  ])('weight %d → %d shares', (w, shares) => {
    expect(cpuWeightToShares(w)).toBe(shares);
  });
  it('parses and range-checks', () => {
    expect(parseCpuWeight('100\n')).toBe(100);
    expect(() => parseCpuWeight('0\n')).toThrow(ParseError);
    expect(() => parseCpuWeight('10001\n')).toThrow(/^cpu\.weight: /);
    expect(() => parseCpuWeight('idle\n')).toThrow(ParseError);
  });
});

describe('v2 memory single values', () => {
  it('current, peak, swap.current', () => {
    expect(parseMemoryCurrent('74657792\n')).toBe(74657792);
    expect(parseMemoryPeak('80195584\n')).toBe(80195584);
    expect(parseMemorySwapCurrent('0\n')).toBe(0);
  });
  it.each([
    [parseMemoryMax, 'max\n', null],
    [parseMemoryMax, '268435456\n', 268435456],
    [parseMemorySwapMax, 'max\n', null],
    [parseMemorySwapMax, '0\n', 0],
  ])('limits (%#)', (fn, text, want) => {
    expect(fn(text)).toBe(want);
  });
  it('names the file', () => {
    expect(() => parseMemoryMax('\n')).toThrow(/^memory\.max: /);
    expect(() => parseMemorySwapMax('none\n')).toThrow(/^memory\.swap\.max: /);
  });
});

describe('v2 memory.stat', () => {
  const text = `anon 52219904
file 20971520
kernel 1703936
kernel_stack 98304
pagetables 237568
sock 0
shmem 20971520
file_mapped 1216512
file_dirty 0
file_writeback 0
anon_thp 0
inactive_anon 20987904
active_anon 52199424
inactive_file 8806400
active_file 12165120
unevictable 0
slab_reclaimable 501368
slab_unreclaimable 714520
slab 1215888
workingset_refault_anon 0
workingset_refault_file 0
pgfault 19537
pgmajfault 2
`;
  it('reads the known keys', () => {
    expect(parseMemoryStatV2(text)).toEqual({
      anon: 52219904,
      file: 20971520,
      fileMapped: 1216512,
      activeFile: 12165120,
      inactiveFile: 8806400,
      pgfault: 19537,
      pgmajfault: 2,
      kernel: 1703936,
    });
  });
  it('negative anon (kernel bug) → 0; empty → {}', () => {
    expect(parseMemoryStatV2('anon -4096\n').anon).toBe(0);
    expect(parseMemoryStatV2('')).toEqual({});
  });
  it('malformed known value', () => {
    expect(() => parseMemoryStatV2('file lots\n')).toThrow(/^memory\.stat: /);
  });
});

describe('io.stat', () => {
  it('reads rbytes/wbytes/rios/wios and ignores dbytes/dios/cost.*', () => {
    const text =
      '8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n' +
      '253:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021 cost.vrate=135.53\n';
    expect(parseIoStat(text)).toEqual([
      { major: 8, minor: 16, rbytes: 1459200, wbytes: 314773504, rios: 192, wios: 353 },
      { major: 253, minor: 0, rbytes: 90430464, wbytes: 299008000, rios: 8950, wios: 1252 },
    ]);
  });
  it('older kernel with fewer keys', () => {
    expect(parseIoStat('8:0 rbytes=1 wbytes=2\n')).toEqual([{ major: 8, minor: 0, rbytes: 1, wbytes: 2 }]);
  });
  it('empty file (no I/O yet) → []', () => {
    expect(parseIoStat('')).toEqual([]);
  });
  it('malformed device or value', () => {
    expect(() => parseIoStat('sda rbytes=1\n')).toThrow(/^io\.stat: /);
    expect(() => parseIoStat('8:0 rbytes=x\n')).toThrow(/^io\.stat: /);
  });
});

describe('v2 pids', () => {
  it('same format as v1', () => {
    expect(parsePidsCurrent('7\n')).toBe(7);
    expect(parsePidsMax('max\n')).toBeNull();
    expect(parsePidsMax('1024\n')).toBe(1024);
  });
});

describe('*.pressure', () => {
  it('some and full', () => {
    const text =
      'some avg10=1.25 avg60=0.12 avg300=0.05 total=2874566\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1035312\n';
    expect(parsePressure(text, 'memory.pressure')).toEqual({
      some: { avg10: 1.25, avg60: 0.12, avg300: 0.05, totalUs: 2874566 },
      full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 1035312 },
    });
  });
  it('cpu.pressure before 5.13: only some', () => {
    expect(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=123\n', 'cpu.pressure')).toEqual({
      some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 123 },
    });
  });
  it('cpu.pressure with an all-zero full line', () => {
    const p = parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=99\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
    expect(p.full).toEqual({ avg10: 0, avg60: 0, avg300: 0, totalUs: 0 });
  });
  it('empty file → {}', () => {
    expect(parsePressure('', 'io.pressure')).toEqual({});
  });
  it('malformed', () => {
    expect(() => parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00\n', 'io.pressure')).toThrow(/^io\.pressure: /);
    expect(() => parsePressure('some avg10=x avg60=0.00 avg300=0.00 total=1\n', 'io.pressure')).toThrow(ParseError);
    expect(() => parsePressure('full avg10=0.00 avg60=0.00 avg300=0.00 total=-\n', 'cpu.pressure')).toThrow(
      /^cpu\.pressure: /,
    );
  });
});

describe('v2 memory.events(.local) and memory.min', () => {
  it('reads max and oom_kill; other keys are ignored; an old kernel without oom_kill leaves it undefined', () => {
    expect(parseMemoryEvents('low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n')).toEqual({ max: 12, oomKill: 1 });
    expect(parseMemoryEvents('low 0\nhigh 0\nmax 0\noom 0\n')).toEqual({ max: 0 });
    expect(() => parseMemoryEvents('oom_kill many\n')).toThrow(/^memory\.events\.local: /);
  });
  it('memory.min: bytes, or max → null', () => {
    expect(parseMemoryMin('0\n')).toBe(0);
    expect(parseMemoryMin('134217728\n')).toBe(134217728);
    expect(parseMemoryMin('max\n')).toBeNull();
    expect(() => parseMemoryMin('\n')).toThrow(ParseError);
  });
});
