import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { parseBlkioThrottle } from '../../../src/cgroup/v1/blkio.js';
import { parseCfsPeriodUs, parseCfsQuotaUs, parseCpuShares, parseCpuStatV1 } from '../../../src/cgroup/v1/cpu.js';
import { parseCpuacctStat, parseCpuacctUsage } from '../../../src/cgroup/v1/cpuacct.js';
import {
  parseMemoryFailcnt,
  parseMemoryKmemUsageInBytes,
  parseMemoryLimitInBytes,
  parseMemoryOomControl,
  parseMemorySoftLimitInBytes,
  parseMemoryMaxUsageInBytes,
  parseMemoryStatV1,
  parseMemoryUsageInBytes,
  parseMemoryUseHierarchy,
  parseMemswLimitInBytes,
  selectMemoryStatV1,
} from '../../../src/cgroup/v1/memory.js';
import { parsePidsCurrent, parsePidsMax } from '../../../src/cgroup/v1/pids.js';

describe('cpuacct.usage', () => {
  it.each([
    ['42394797831\n', 42394797831n],
    ['0\n', 0n],
    ['9007199254740993\n', 9007199254740993n],
  ])('%j', (text, want) => {
    expect(parseCpuacctUsage(text)).toBe(want);
  });
  it.each(['', 'abc\n', '1 2\n'])('rejects %j', (text) => {
    expect(() => parseCpuacctUsage(text)).toThrow(/^cpuacct\.usage: /);
  });
});

describe('cpuacct.stat', () => {
  it('converts USER_HZ ticks with the default 100', () => {
    expect(parseCpuacctStat('user 2937\nsystem 1302\n')).toEqual({
      userTicks: 2937,
      systemTicks: 1302,
      userSeconds: 29.37,
      systemSeconds: 13.02,
    });
  });
  it('takes another USER_HZ', () => {
    const s = parseCpuacctStat('user 500\nsystem 250\n', 250);
    expect(s.userSeconds).toBe(2);
    expect(s.systemSeconds).toBe(1);
  });
  it('empty file → no fields', () => {
    expect(parseCpuacctStat('')).toEqual({});
  });
  it('rejects a malformed known value, ignores unknown keys', () => {
    expect(parseCpuacctStat('user 1\nsystem 2\nguest x\n').userTicks).toBe(1);
    expect(() => parseCpuacctStat('user -x\n')).toThrow(/^cpuacct\.stat: /);
  });
  it('rejects a non-positive USER_HZ', () => {
    expect(() => parseCpuacctStat('user 1\n', 0)).toThrow(ParseError);
  });
});

describe('v1 cpu.stat', () => {
  it('reads periods, throttling and CFS burst (kernel >= 5.14)', () => {
    expect(
      parseCpuStatV1('nr_periods 128\nnr_throttled 126\nthrottled_time 6188467083\nnr_bursts 7\nburst_time 35000000\n'),
    ).toEqual({ nrPeriods: 128, nrThrottled: 126, throttledTimeNs: 6188467083n, nrBursts: 7, burstTimeNs: 35000000n });
  });
  it('keeps throttled_time exact past 2^53', () => {
    expect(parseCpuStatV1('throttled_time 9007199254740993\n').throttledTimeNs).toBe(9007199254740993n);
  });
  it('older kernels without some keys', () => {
    expect(parseCpuStatV1('nr_periods 0\n')).toEqual({ nrPeriods: 0 });
    expect(parseCpuStatV1('')).toEqual({});
  });
  it('rejects a malformed value', () => {
    expect(() => parseCpuStatV1('nr_periods abc\n')).toThrow(/^cpu\.stat: /);
  });
});

describe('cpu.cfs_quota_us / cfs_period_us / shares', () => {
  it.each([
    ['-1\n', null],
    ['50000\n', 50000],
    ['0\n', 0],
  ])('quota %j → %s', (text, want) => {
    expect(parseCfsQuotaUs(text)).toBe(want);
  });
  it('period and shares', () => {
    expect(parseCfsPeriodUs('100000\n')).toBe(100000);
    expect(parseCpuShares('1024\n')).toBe(1024);
    expect(parseCpuShares('2\n')).toBe(2);
  });
  it.each([
    [() => parseCfsQuotaUs('abc\n'), /cpu\.cfs_quota_us/],
    [() => parseCfsPeriodUs('-5\n'), /cpu\.cfs_period_us/],
    [() => parseCpuShares('\n'), /cpu\.shares/],
  ])('rejects malformed values (%#)', (fn, re) => {
    expect(fn).toThrow(re);
  });
});

describe('memory.oom_control, soft limit, kmem usage', () => {
  it('reads oom_kill (kernel >= 4.13); undefined on older kernels', () => {
    expect(parseMemoryOomControl('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(parseMemoryOomControl('oom_kill_disable 0\nunder_oom 1\n')).toBeUndefined();
    expect(() => parseMemoryOomControl('oom_kill x\n')).toThrow(/^memory\.oom_control: /);
  });
  it('soft limit: the unlimited sentinel is null (exported as 0), a real one is bytes', () => {
    expect(parseMemorySoftLimitInBytes('9223372036854771712\n')).toBeNull();
    expect(parseMemorySoftLimitInBytes('134217728\n')).toBe(134217728);
    expect(() => parseMemorySoftLimitInBytes('-1\n')).toThrow(/^memory\.soft_limit_in_bytes: /);
  });
  it('kmem usage in bytes', () => {
    expect(parseMemoryKmemUsageInBytes('385024\n')).toBe(385024);
    expect(() => parseMemoryKmemUsageInBytes('')).toThrow(/^memory\.kmem\.usage_in_bytes: /);
  });
});

describe('memory single-value files', () => {
  it('usage, max usage, failcnt', () => {
    expect(parseMemoryUsageInBytes('74657792\n')).toBe(74657792);
    expect(parseMemoryMaxUsageInBytes('80195584\n')).toBe(80195584);
    expect(parseMemoryFailcnt('0\n')).toBe(0);
    // A negative usage is a kernel bug → 0.
    expect(parseMemoryUsageInBytes('18446744073709547520\n')).toBe(0);
  });
  it.each([
    ['9223372036854771712\n', null],
    ['9223372036854710272\n', null],
    ['9223372036854775807\n', null],
    ['268435456\n', 268435456],
  ])('limit_in_bytes %j → %s', (text, want) => {
    expect(parseMemoryLimitInBytes(text)).toBe(want);
  });
  it('memsw files', () => {
    expect(parseMemswLimitInBytes('9223372036854771712\n')).toBeNull();
    expect(parseMemswLimitInBytes('536870912\n')).toBe(536870912);
  });
  it('use_hierarchy', () => {
    expect(parseMemoryUseHierarchy('1\n')).toBe(true);
    expect(parseMemoryUseHierarchy('0\n')).toBe(false);
  });
  it('names the file on a malformed value', () => {
    expect(() => parseMemoryLimitInBytes('lots\n')).toThrow(/^memory\.limit_in_bytes: /);
    expect(() => parseMemoryFailcnt('')).toThrow(/^memory\.failcnt: /);
  });
});

// Based on this machine's root memory cgroup (kernel 6.18), trimmed; swap and pgmajfault were set
// non-zero by hand so that the plain/total_ choice is visible in every field.
const MEMORY_STAT_V1 = `cache 10579968
rss 9445376
rss_huge 0
shmem 9084928
mapped_file 7524352
dirty 135168
writeback 0
swap 4096
pgpgin 38818
pgpgout 33929
pgfault 46038
pgmajfault 3
inactive_anon 0
active_anon 1531904
inactive_file 135168
active_file 1359872
unevictable 16998400
hierarchical_memory_limit 9223372036854771712
hierarchical_memsw_limit 9223372036854771712
total_cache 1496330240
total_rss 87724032
total_rss_huge 0
total_shmem 30056448
total_mapped_file 55152640
total_dirty 13369344
total_swap 8192
total_pgfault 2660295
total_pgmajfault 845
total_inactive_file 980107264
total_active_file 486166528
total_unevictable 16998400
`;

describe('v1 memory.stat', () => {
  it('parses the keys it knows', () => {
    expect(parseMemoryStatV1(MEMORY_STAT_V1)).toEqual({
      cache: 10579968,
      rss: 9445376,
      swap: 4096,
      mappedFile: 7524352,
      activeFile: 1359872,
      inactiveFile: 135168,
      pgfault: 46038,
      pgmajfault: 3,
      totalCache: 1496330240,
      totalRss: 87724032,
      totalSwap: 8192,
      totalMappedFile: 55152640,
      totalActiveFile: 486166528,
      totalInactiveFile: 980107264,
    });
  });

  it('hierarchical selection uses total_ keys (as cAdvisor with use_hierarchy=1)', () => {
    expect(selectMemoryStatV1(parseMemoryStatV1(MEMORY_STAT_V1), true)).toEqual({
      rssBytes: 87724032,
      cacheBytes: 1496330240,
      swapBytes: 8192,
      mappedFileBytes: 55152640,
      activeFileBytes: 486166528,
      inactiveFileBytes: 980107264,
      pgfault: 46038,
      pgmajfault: 3,
    });
  });

  it('non-hierarchical selection uses plain keys, but still total_ (in)active_file', () => {
    expect(selectMemoryStatV1(parseMemoryStatV1(MEMORY_STAT_V1), false)).toEqual({
      rssBytes: 9445376,
      cacheBytes: 10579968,
      swapBytes: 4096,
      mappedFileBytes: 7524352,
      activeFileBytes: 486166528,
      inactiveFileBytes: 980107264,
      pgfault: 46038,
      pgmajfault: 3,
    });
  });

  it('without swap accounting there is no swap key: the field stays absent, not 0', () => {
    const sel = selectMemoryStatV1(parseMemoryStatV1('total_rss 5\ntotal_cache 6\n'), true);
    expect(sel).toEqual({ rssBytes: 5, cacheBytes: 6 });
    expect('swapBytes' in sel).toBe(false);
  });

  it('negative and wrapped values (kernel bugs) read as 0', () => {
    const s = parseMemoryStatV1('total_rss -8192\ntotal_cache 18446744073709547520\n');
    expect(s.totalRss).toBe(0);
    expect(s.totalCache).toBe(0);
  });

  it('empty file → {}', () => {
    expect(parseMemoryStatV1('')).toEqual({});
  });

  it('malformed known key throws naming memory.stat; unknown key with junk is ignored', () => {
    expect(() => parseMemoryStatV1('total_rss 12kB\n')).toThrow(/^memory\.stat: /);
    expect(parseMemoryStatV1('some_future_key ???\ncache 1\n')).toEqual({ cache: 1 });
  });
});

describe('pids.current / pids.max', () => {
  it('values and max', () => {
    expect(parsePidsCurrent('3\n')).toBe(3);
    expect(parsePidsMax('max\n')).toBeNull();
    expect(parsePidsMax('4096\n')).toBe(4096);
  });
  it('malformed', () => {
    expect(() => parsePidsMax('unlimited\n')).toThrow(/^pids\.max: /);
    expect(() => parsePidsCurrent('\n')).toThrow(/^pids\.current: /);
  });
});

describe('blkio.throttle.*', () => {
  it('idle or unarmed: only the grand total → no devices', () => {
    expect(parseBlkioThrottle('Total 0\n')).toEqual([]);
    expect(parseBlkioThrottle('')).toEqual([]);
  });

  it('groups op lines per device, drops the grand total', () => {
    const text = [
      '254:0 Read 109051904',
      '254:0 Write 8392704',
      '254:0 Sync 117444608',
      '254:0 Async 0',
      '254:0 Discard 0',
      '254:0 Total 117444608',
      '8:0 Read 4096',
      '8:0 Write 0',
      '8:0 Total 4096',
      'Total 117448704',
      '',
    ].join('\n');
    const devices = parseBlkioThrottle(text);
    expect(devices.map((d) => [d.major, d.minor])).toEqual([
      [254, 0],
      [8, 0],
    ]);
    expect(Object.fromEntries(devices[0]!.ops)).toEqual({
      Read: 109051904,
      Write: 8392704,
      Sync: 117444608,
      Async: 0,
      Discard: 0,
      Total: 117444608,
    });
    expect(devices[1]!.ops.get('Read')).toBe(4096);
  });

  it('names the file it was given on malformed values', () => {
    expect(() => parseBlkioThrottle('8:0 Read many\n', 'blkio.throttle.io_serviced')).toThrow(
      /^blkio\.throttle\.io_serviced: /,
    );
    expect(() => parseBlkioThrottle('8:x Read 1\n')).toThrow(ParseError);
  });
});
