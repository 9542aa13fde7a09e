/**
 * Property tests of every cgroup parser (src/cgroup/parse.ts, v1/*, v2/*, mountinfo): on any
 * text, typed data or ParseError, never another exception, NaN, Infinity or a negative counter;
 * and rendered kernel files parse back to the values they were rendered from, bigint
 * nanosecond counters beyond 2^53 exactly.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  nsToSeconds,
  parseDeviceKey,
  parseFlatKeyed,
  parseLimit,
  parseLimitFile,
  parseNestedKeyed,
  parseSigned,
  parseCounter,
  parseCounterBigInt,
  parseCounterFile,
  parseUnsignedSetting,
  pickFlatKeyed,
  statOf,
} from '../../src/cgroup/parse.js';
import { parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { parseBlkioThrottle } from '../../src/cgroup/v1/blkio.js';
import { parseCfsPeriodUs, parseCfsQuotaUs, parseCpuShares, parseCpuStatV1 } from '../../src/cgroup/v1/cpu.js';
import { parseCpuacctStat, parseCpuacctUsage } from '../../src/cgroup/v1/cpuacct.js';
import {
  parseMemoryFailcnt,
  parseMemoryLimitInBytes,
  parseMemoryMaxUsageInBytes,
  parseMemoryStatV1,
  parseMemoryUsageInBytes,
  parseMemoryUseHierarchy,
  parseMemswLimitInBytes,
} from '../../src/cgroup/v1/memory.js';
import { parsePidsCurrent, parsePidsMax } from '../../src/cgroup/v1/pids.js';
import { parseCpuMax, parseCpuStatV2, parseCpuWeight } from '../../src/cgroup/v2/cpu.js';
import { parseIoStat } from '../../src/cgroup/v2/io.js';
import {
  parseMemoryCurrent,
  parseMemoryMax,
  parseMemoryPeak,
  parseMemoryStatV2,
  parseMemorySwapCurrent,
  parseMemorySwapMax,
} from '../../src/cgroup/v2/memory.js';
import { parsePressure } from '../../src/cgroup/v2/psi.js';
import {
  anyText,
  blank,
  checkContract,
  flatKeyedText,
  nestedKeyedText,
  numberToken,
  outcome,
  RunCounter,
  safeCount,
  S64_MAX,
  singleValueText,
  u64,
  U64_MAX,
} from './props.js';

const runs = new RunCounter();
afterAll(() => console.log(runs.summary('cgroup parsers')));

/** Every text → data cgroup parser, with the file name its errors carry and the keys it reads. */
interface TextParser {
  name: string;
  parse: (text: string) => unknown;
  file: string;
  /** Near-valid input for this file. */
  near: fc.Arbitrary<string>;
}

const single = (name: string, parse: (t: string) => unknown, file: string): TextParser => ({ name, parse, file, near: singleValueText });
const flat = (name: string, parse: (t: string) => unknown, file: string, keys: string[]): TextParser => ({
  name,
  parse,
  file,
  near: flatKeyedText(keys),
});

const V1_MEMORY_STAT_KEYS = ['cache', 'rss', 'swap', 'mapped_file', 'active_file', 'inactive_file', 'pgfault', 'pgmajfault'];
const deviceKey = fc.oneof(
  fc.tuple(fc.nat(300), fc.nat(300)).map(([a, b]) => `${a}:${b}`),
  fc.tuple(numberToken, numberToken).map(([a, b]) => `${a}:${b}`),
  fc.constantFrom('Total', '8:', ':0', '8', '8:0:1', ''),
);

const TEXT_PARSERS: TextParser[] = [
  single('parseMemoryUsageInBytes', parseMemoryUsageInBytes, 'memory.usage_in_bytes'),
  single('parseMemoryMaxUsageInBytes', parseMemoryMaxUsageInBytes, 'memory.max_usage_in_bytes'),
  single('parseMemoryFailcnt', parseMemoryFailcnt, 'memory.failcnt'),
  single('parseMemoryLimitInBytes', parseMemoryLimitInBytes, 'memory.limit_in_bytes'),
  single('parseMemswLimitInBytes', parseMemswLimitInBytes, 'memory.memsw.limit_in_bytes'),
  single('parseMemoryUseHierarchy', parseMemoryUseHierarchy, 'memory.use_hierarchy'),
  single('parsePidsCurrent', parsePidsCurrent, 'pids.current'),
  single('parsePidsMax', parsePidsMax, 'pids.max'),
  single('parseCfsQuotaUs', parseCfsQuotaUs, 'cpu.cfs_quota_us'),
  single('parseCfsPeriodUs', parseCfsPeriodUs, 'cpu.cfs_period_us'),
  single('parseCpuShares', parseCpuShares, 'cpu.shares'),
  single('parseCpuacctUsage', parseCpuacctUsage, 'cpuacct.usage'),
  single('parseMemoryCurrent', parseMemoryCurrent, 'memory.current'),
  single('parseMemoryMax', parseMemoryMax, 'memory.max'),
  single('parseMemoryPeak', parseMemoryPeak, 'memory.peak'),
  single('parseMemorySwapCurrent', parseMemorySwapCurrent, 'memory.swap.current'),
  single('parseMemorySwapMax', parseMemorySwapMax, 'memory.swap.max'),
  single('parseCpuWeight', parseCpuWeight, 'cpu.weight'),
  {
    name: 'parseCpuMax',
    parse: parseCpuMax,
    file: 'cpu.max',
    near: fc.tuple(numberToken, blank, numberToken, fc.constantFrom('', '\n', ' 1\n')).map(([a, b, c, d]) => `${a}${b}${c}${d}`),
  },
  flat('parseCpuStatV1', parseCpuStatV1, 'cpu.stat', ['nr_periods', 'nr_throttled', 'throttled_time', 'nr_bursts', 'burst_time']),
  flat('parseCpuacctStat', (t) => parseCpuacctStat(t), 'cpuacct.stat', ['user', 'system']),
  flat('parseMemoryStatV1', parseMemoryStatV1, 'memory.stat', [...V1_MEMORY_STAT_KEYS, ...V1_MEMORY_STAT_KEYS.map((k) => `total_${k}`)]),
  flat('parseCpuStatV2', parseCpuStatV2, 'cpu.stat', ['usage_usec', 'user_usec', 'system_usec', 'nr_periods', 'nr_throttled', 'throttled_usec', 'nr_bursts', 'burst_usec']),
  flat('parseMemoryStatV2', parseMemoryStatV2, 'memory.stat', ['anon', 'file', 'file_mapped', 'active_file', 'inactive_file', 'pgfault', 'pgmajfault']),
  {
    name: 'parseBlkioThrottle',
    parse: (t) => parseBlkioThrottle(t, 'blkio.throttle.io_serviced'),
    file: 'blkio.throttle.io_serviced',
    near: fc
      .array(fc.tuple(deviceKey, blank, fc.constantFrom('Read', 'Write', 'Sync', 'Async', 'Discard', 'Total'), blank, numberToken), { maxLength: 12 })
      .map((ls) => ls.map((l) => l.join('')).join('\n')),
  },
  {
    name: 'parseIoStat',
    parse: parseIoStat,
    file: 'io.stat',
    near: nestedKeyedText(deviceKey, ['rbytes', 'wbytes', 'rios', 'wios', 'dbytes', 'dios']),
  },
  {
    name: 'parsePressure',
    parse: (t) => parsePressure(t, 'io.pressure'),
    file: 'io.pressure',
    near: nestedKeyedText(fc.constantFrom('some', 'full', 'other'), ['avg10', 'avg60', 'avg300', 'total']),
  },
];

describe('every cgroup parser keeps the contract', () => {
  for (const p of TEXT_PARSERS) {
    it(`${p.name}: any text → typed data or ParseError naming ${p.file}`, () => {
      runs.assert(`${p.name} any`, anyText, (text) => void checkContract(() => p.parse(text), { file: p.file }));
    });
    it(`${p.name}: near-valid kernel text → typed data or ParseError, no made-up numbers`, () => {
      runs.assert(`${p.name} near`, p.near, (text) => void checkContract(() => p.parse(text), { file: p.file }));
    });
  }

  it('parseMountinfo never throws and yields only cgroup mounts', () => {
    const line = fc
      .tuple(fc.array(fc.constantFrom('36', '35', '0:29', '/', '/sys/fs/cgroup/cpu\\040x', 'rw', 'shared:9', '-', 'cgroup', 'cgroup2', 'rw,cpu,name=systemd', ''), { maxLength: 12 }))
      .map(([fs]) => fs.join(' '));
    const text = fc.oneof(anyText, fc.array(line, { maxLength: 8 }).map((ls) => ls.join('\n')));
    runs.assert('parseMountinfo any', text, (t) => {
      const mounts = parseMountinfo(t);
      for (const m of mounts) expect([1, 2]).toContain(m.version);
    });
  });
});

describe('token helpers', () => {
  it('parseCounterBigInt: a u64 in [0, 2^63) is exact, a wrapped or negative one is 0, beyond u64 is a ParseError', () => {
    runs.assert('parseCounterBigInt u64', fc.oneof(u64, fc.bigInt({ min: -(1n << 70n), max: 1n << 70n })), (v) => {
      const out = outcome(() => parseCounterBigInt(String(v), 'f'));
      if (v > U64_MAX) expect(out.ok).toBe(false);
      else if (v < 0n || v > S64_MAX) expect(out).toEqual({ ok: true, value: 0n });
      else expect(out).toEqual({ ok: true, value: v });
    });
  });

  it('parseCounter: safe integers round-trip exactly', () => {
    runs.assert('parseCounter safe', safeCount, (n) => expect(parseCounter(String(n), 'f')).toBe(n));
  });

  it('parseCounter / parseLimit / parseSigned / parseUnsignedSetting: any token → finite number, null or ParseError', () => {
    const signed = new Set(['value']);
    runs.assert('token helpers any', fc.oneof(numberToken, anyText), (t) => {
      checkContract(() => ({ stat: parseCounter(t, 'f'), }), { file: 'f' });
      checkContract(() => ({ limit: parseLimit(t, 'f') }), { file: 'f' });
      checkContract(() => ({ unsigned: parseUnsignedSetting(t, 'f') }), { file: 'f' });
      checkContract(() => ({ value: parseSigned(t, 'f') }), { file: 'f', signed });
      checkContract(() => ({ stat: parseCounterFile(t, 'f'), limit: parseLimitFile(t, 'f') }), { file: 'f' });
    });
  });

  it('parseLimit: max and values >= 2^62 are unlimited (null), smaller safe values exact', () => {
    runs.assert('parseLimit values', fc.oneof(safeCount.map(BigInt), fc.bigInt({ min: 1n << 62n, max: U64_MAX })), (v) => {
      expect(parseLimit(String(v), 'f')).toBe(v >= 1n << 62n ? null : Number(v));
    });
    expect(parseLimit('max', 'f')).toBeNull();
  });

  it('parseDeviceKey: `major:minor` round-trips; anything else is a ParseError', () => {
    runs.assert('parseDeviceKey values', fc.tuple(fc.nat(4095), fc.nat(1_048_575)), ([a, b]) => {
      expect(parseDeviceKey(`${a}:${b}`, 'io.stat')).toEqual([a, b]);
    });
    runs.assert('parseDeviceKey any', fc.oneof(deviceKey, anyText), (k) => void checkContract(() => parseDeviceKey(k, 'io.stat'), { file: 'io.stat' }));
  });

  it('nsToSeconds: within one rounding of the exact quotient, for every u64', () => {
    runs.assert('nsToSeconds', u64, (ns) => {
      const got = nsToSeconds(ns);
      expect(Number.isFinite(got) && got >= 0).toBe(true);
      // Exact value is ns / 1e9; compare at microsecond resolution in bigint, where nothing rounds.
      const wantUs = ns / 1000n;
      const gotUs = BigInt(Math.round(got * 1e6));
      const tolerance = (wantUs >> 50n) + 1n; // a double holds 53 bits; allow a few ulps of the result
      expect(gotUs >= wantUs - tolerance && gotUs <= wantUs + tolerance, `${ns} ns → ${got} s`).toBe(true);
    });
  });
});

describe('flat-keyed files', () => {
  const keyName = fc.stringMatching(/^[a-z_]{1,12}$/);

  it('parseFlatKeyed: rendered `key value` lines round-trip (last duplicate wins)', () => {
    const pairs = fc.array(fc.tuple(keyName, fc.oneof(numberToken.filter((t) => t !== '' && !/\s/.test(t)), keyName)), { maxLength: 30 });
    runs.assert('parseFlatKeyed round-trip', fc.tuple(pairs, blank.filter((b) => b !== '\u00a0'), fc.boolean()), ([ps, sep, nl]) => {
      const text = ps.map(([k, v]) => `${k}${sep}${v}`).join('\n') + (nl ? '\n' : '');
      expect(parseFlatKeyed(text)).toEqual(new Map(ps));
    });
  });

  it('pickFlatKeyed agrees with parseFlatKeyed + statOf on any flat-keyed text', () => {
    const keys = ['rss', 'cache', 'pgfault'];
    const wanted = new Map(keys.map((k) => [k, k]));
    // Odd blanks inside and around keys are where the fast path and the split path could part ways.
    const oddBlank = fc.constantFrom(' ', '\t', '\r', '\u000b', '\u000c', '\u00a0', '\ufeff', '\u2028', '');
    const line = fc
      .tuple(oddBlank, fc.constantFrom(...keys, 'x'), oddBlank, fc.constantFrom(' ', '  ', '\t'), numberToken, oddBlank)
      .map((parts) => parts.join(''));
    const text = fc.oneof(flatKeyedText(keys), fc.array(line, { maxLength: 6 }).map((ls) => ls.join('\n')));
    runs.assert('pickFlatKeyed differential', text, (t) => {
      const picked = outcome(() => pickFlatKeyed(t, wanted, 'memory.stat'));
      const viaMap = outcome(() => {
        const map = parseFlatKeyed(t);
        const out: Record<string, number> = {};
        for (const k of keys) {
          const v = statOf(map, k, 'memory.stat');
          if (v !== undefined) out[k] = v;
        }
        return out;
      });
      // pickFlatKeyed checks every occurrence of a repeated wanted key, the map only the last one,
      // so pick may reject more; when both succeed they must agree exactly.
      if (picked.ok && viaMap.ok) expect(picked.value).toEqual(viaMap.value);
      if (!viaMap.ok) expect(picked.ok).toBe(false);
    });
  });

  it('v2 memory.stat and v1 memory.stat: rendered values round-trip', () => {
    const v2 = fc.record({ anon: safeCount, file: safeCount, file_mapped: safeCount, inactive_file: safeCount, pgmajfault: safeCount });
    runs.assert('parseMemoryStatV2 round-trip', fc.tuple(v2, fc.boolean()), ([v, nl]) => {
      const text = `${Object.entries(v).map(([k, n]) => `${k} ${n}`).join('\n')}\nshmem 0\nslab 7${nl ? '\n' : ''}`;
      expect(parseMemoryStatV2(text)).toEqual({ anon: v.anon, file: v.file, fileMapped: v.file_mapped, inactiveFile: v.inactive_file, pgmajfault: v.pgmajfault });
    });
    const v1 = fc.record({ rss: safeCount, total_rss: safeCount, total_inactive_file: safeCount });
    runs.assert('parseMemoryStatV1 round-trip', v1, (v) => {
      const text = `cache 1\n${Object.entries(v).map(([k, n]) => `${k} ${n}`).join('\n')}\n`;
      expect(parseMemoryStatV1(text)).toEqual({ cache: 1, rss: v.rss, totalRss: v.total_rss, totalInactiveFile: v.total_inactive_file });
    });
  });

  it('v1 cpu.stat: throttled_time and burst_time nanoseconds beyond 2^53 round-trip exactly as bigint', () => {
    runs.assert(
      'parseCpuStatV1 round-trip',
      fc.tuple(safeCount, safeCount, fc.bigInt({ min: 0n, max: S64_MAX }), safeCount, fc.bigInt({ min: 0n, max: S64_MAX })),
      ([p, t, ns, b, bns]) => {
        expect(parseCpuStatV1(`nr_periods ${p}\nnr_throttled ${t}\nthrottled_time ${ns}\nnr_bursts ${b}\nburst_time ${bns}\n`)).toEqual({
          nrPeriods: p,
          nrThrottled: t,
          throttledTimeNs: ns,
          nrBursts: b,
          burstTimeNs: bns,
        });
      },
    );
  });

  it('v2 cpu.stat round-trip', () => {
    runs.assert('parseCpuStatV2 round-trip', fc.tuple(safeCount, safeCount, safeCount, safeCount), ([u, us, sy, th]) => {
      expect(parseCpuStatV2(`usage_usec ${u}\nuser_usec ${us}\nsystem_usec ${sy}\ncore_sched.force_idle_usec 0\nthrottled_usec ${th}`)).toEqual({
        usageUsec: u,
        userUsec: us,
        systemUsec: sy,
        throttledUsec: th,
      });
    });
  });

  it('cpuacct.stat: ticks and seconds for any USER_HZ', () => {
    runs.assert('parseCpuacctStat round-trip', fc.tuple(safeCount, safeCount, fc.integer({ min: 1, max: 1000 })), ([u, s, hz]) => {
      expect(parseCpuacctStat(`user ${u}\nsystem ${s}\n`, hz)).toEqual({ userTicks: u, systemTicks: s, userSeconds: u / hz, systemSeconds: s / hz });
    });
  });
});

describe('single-value and list files round-trip', () => {
  it('cpuacct.usage: nanoseconds beyond 2^53 are exact', () => {
    const ns = fc.bigInt({ min: 0n, max: S64_MAX });
    runs.assert('parseCpuacctUsage round-trip', ns, (v) => expect(parseCpuacctUsage(`${v}\n`)).toBe(v));
  });

  it('limits: memory.max / pids.max / memory.limit_in_bytes', () => {
    const limit = fc.oneof(safeCount.map((n) => ({ text: String(n), want: n as number | null })), fc.constant({ text: 'max', want: null }));
    runs.assert('limit files round-trip', limit, ({ text, want }) => {
      expect(parseMemoryMax(`${text}\n`)).toBe(want);
      expect(parsePidsMax(`${text}\n`)).toBe(want);
      expect(parseMemorySwapMax(text)).toBe(want);
    });
    runs.assert('v1 unlimited sentinel', fc.bigInt({ min: 1n << 62n, max: S64_MAX }), (v) => {
      expect(parseMemoryLimitInBytes(`${v}\n`)).toBeNull();
      expect(parseMemswLimitInBytes(`${v}\n`)).toBeNull();
    });
  });

  it('cpu.max, cpu.cfs_quota_us, cpu.weight', () => {
    runs.assert('parseCpuMax round-trip', fc.tuple(fc.option(fc.nat(), { nil: null }), fc.integer({ min: 1000, max: 1_000_000 })), ([q, p]) => {
      expect(parseCpuMax(`${q ?? 'max'} ${p}\n`)).toEqual({ quotaUs: q, periodUs: p });
    });
    runs.assert('parseCfsQuotaUs round-trip', fc.integer({ min: -1, max: 2 ** 40 }), (q) => {
      expect(parseCfsQuotaUs(`${q}\n`)).toBe(q < 0 ? null : q);
    });
    runs.assert('parseCpuWeight range', fc.integer({ min: -5, max: 20_000 }), (w) => {
      const out = outcome(() => parseCpuWeight(`${w}\n`), { file: 'cpu.weight' });
      expect(out.ok).toBe(w >= 1 && w <= 10000);
      if (out.ok) expect(out.value).toBe(w);
    });
  });
});

describe('nested-keyed files round-trip', () => {
  it('io.stat: per-device rbytes/wbytes/rios/wios', () => {
    const dev = fc.record({ major: fc.nat(4095), minor: fc.nat(1_048_575), rbytes: safeCount, wbytes: safeCount, rios: safeCount, wios: safeCount });
    runs.assert('parseIoStat round-trip', fc.array(dev, { maxLength: 6 }), (devs) => {
      const text = devs.map((d) => `${d.major}:${d.minor} rbytes=${d.rbytes} wbytes=${d.wbytes} rios=${d.rios} wios=${d.wios} dbytes=0 dios=0\n`).join('');
      expect(parseIoStat(text)).toEqual(devs);
    });
  });

  it('blkio.throttle.*: per-device ops, grand total dropped', () => {
    const dev = fc.record({ major: fc.nat(4095), minor: fc.nat(1_048_575), read: safeCount, write: safeCount });
    runs.assert('parseBlkioThrottle round-trip', fc.uniqueArray(dev, { selector: (d) => `${d.major}:${d.minor}`, maxLength: 6 }), (devs) => {
      const text = devs.map((d) => `${d.major}:${d.minor} Read ${d.read}\n${d.major}:${d.minor} Write ${d.write}\n`).join('') + 'Total 5\n';
      expect(parseBlkioThrottle(text)).toEqual(
        devs.map((d) => ({ major: d.major, minor: d.minor, ops: new Map([['Read', d.read], ['Write', d.write]]) })),
      );
    });
  });

  it('*.pressure: averages and total', () => {
    const avg = fc.integer({ min: 0, max: 10000 }).map((n) => (n / 100).toFixed(2));
    const line = fc.record({ avg10: avg, avg60: avg, avg300: avg, total: safeCount });
    runs.assert('parsePressure round-trip', fc.tuple(line, line), ([some, full]) => {
      const render = (k: string, l: typeof some) => `${k} avg10=${l.avg10} avg60=${l.avg60} avg300=${l.avg300} total=${l.total}`;
      const toLine = (l: typeof some) => ({ avg10: Number(l.avg10), avg60: Number(l.avg60), avg300: Number(l.avg300), totalUs: l.total });
      expect(parsePressure(`${render('some', some)}\n${render('full', full)}\n`)).toEqual({ some: toLine(some), full: toLine(full) });
    });
  });

  it('parseNestedKeyed: rendered lines round-trip', () => {
    const name = fc.stringMatching(/^[a-z0-9:]{1,8}$/);
    const value = fc.stringMatching(/^[a-z0-9.=]{0,8}$/);
    const lineArb = fc.tuple(name, fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), value), { selector: ([k]) => k, maxLength: 5 }));
    runs.assert('parseNestedKeyed round-trip', fc.array(lineArb, { maxLength: 5 }), (lines) => {
      const text = lines.map(([k, fs]) => [k, ...fs.map(([f, v]) => `${f}=${v}`)].join(' ')).join('\n');
      expect(parseNestedKeyed(text)).toEqual(lines.map(([key, fs]) => ({ key, fields: new Map(fs) })));
    });
  });
});

describe('mountinfo round-trips', () => {
  it('cgroup and cgroup2 lines, octal-escaped mount points', () => {
    const path = fc.stringMatching(/^\/[a-z0-9 \\]{0,12}$/);
    const mount = fc.record({ point: path, root: path, v2: fc.boolean(), controllers: fc.uniqueArray(fc.constantFrom('cpu', 'cpuacct', 'memory', 'pids', 'name=systemd'), { maxLength: 3 }), shared: fc.boolean() });
    const escape = (s: string) => s.replace(/[\\ ]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
    runs.assert('parseMountinfo round-trip', fc.array(mount, { maxLength: 6 }), (ms) => {
      const text = ms
        .map((m, i) => {
          const opts = m.v2 ? 'rw,nsdelegate' : ['rw', ...m.controllers].join(',');
          return `${30 + i} 1 0:${i} ${escape(m.root)} ${escape(m.point)} rw,relatime${m.shared ? ' shared:9' : ''} - ${m.v2 ? 'cgroup2' : 'cgroup'} cgroup ${opts}`;
        })
        .join('\n');
      expect(parseMountinfo(`${text}\n1 0 8:1 / / rw - ext4 /dev/sda1 rw\n`)).toEqual(
        ms.map((m) => ({ mountPoint: m.point, root: m.root, version: m.v2 ? 2 : 1, controllers: m.v2 ? [] : m.controllers })),
      );
    });
  });
});
