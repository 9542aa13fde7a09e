import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
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
  singleToken,
  statOf,
} from '../../src/cgroup/parse.js';

describe('singleToken', () => {
  it.each([
    ['42\n', '42'],
    ['42', '42'],
    ['  max \n', 'max'],
    ['-1\n', '-1'],
  ])('%j → %j', (text, want) => {
    expect(singleToken(text, 'f')).toBe(want);
  });

  it.each(['', '\n', '1 2\n'])('rejects %j naming the file', (text) => {
    expect(() => singleToken(text, 'memory.current')).toThrow(ParseError);
    expect(() => singleToken(text, 'memory.current')).toThrow(/^memory\.current: /);
  });
});

describe('parseCounter / parseCounterBigInt', () => {
  it.each([
    ['0', 0],
    ['74657792', 74657792],
    // Negative values: kernel accounting bugs, read as 0 (opencontainers/cgroups ParseUint).
    ['-4096', 0],
    // u64-wrapped negative: 2^64 - 4096.
    ['18446744073709547520', 0],
    // 2^63 exactly is already a wrapped negative.
    ['9223372036854775808', 0],
    // Just below 2^63 is a (huge) legitimate u64.
    ['9223372036854775807', 9223372036854775807],
  ])('%s → %d', (token, want) => {
    expect(parseCounter(token, 'f')).toBe(want);
  });

  it('keeps bigint precision beyond 2^53', () => {
    expect(parseCounterBigInt('9007199254740993', 'f')).toBe(9007199254740993n);
    expect(parseCounterBigInt('18446744073709547520', 'f')).toBe(0n);
  });

  it.each(['', 'abc', '1.5', '12k', '0x10', '18446744073709551616'])('rejects %j', (token) => {
    expect(() => parseCounter(token, 'cpu.stat')).toThrow(ParseError);
  });

  it('names the file in the error', () => {
    try {
      parseCounter('x', 'memory.stat');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).file).toBe('memory.stat');
      expect((err as ParseError).code).toBe('PARSE');
    }
  });
});

describe('parseLimit', () => {
  it.each([
    ['max', null],
    ['268435456', 268435456],
    ['0', 0],
    // v1 "unlimited" sentinels: 4 KiB pages, 64 KiB pages, kernels < 3.11.
    ['9223372036854771712', null],
    ['9223372036854710272', null],
    ['9223372036854775807', null],
    // Anything at or above 2^62 is unlimited; just below stays a number.
    ['4611686018427387904', null],
    ['4611686018427387903', 4611686018427387903],
    ['18446744073709551615', null],
  ])('%s → %s', (token, want) => {
    expect(parseLimit(token, 'f')).toBe(want);
  });

  it.each(['-1', 'unlimited', '', '1e9', '18446744073709551616'])('rejects %j', (token) => {
    expect(() => parseLimit(token, 'memory.max')).toThrow(ParseError);
  });

  it('parseLimitFile trims the newline', () => {
    expect(parseLimitFile('max\n', 'pids.max')).toBeNull();
    expect(parseLimitFile('9223372036854771712\n', 'memory.limit_in_bytes')).toBeNull();
    expect(parseLimitFile('1024\n', 'pids.max')).toBe(1024);
  });
});

describe('parseSigned / parseUnsignedSetting / parseCounterFile', () => {
  it('parseSigned keeps the sign', () => {
    expect(parseSigned('-1', 'f')).toBe(-1);
    expect(parseSigned('50000', 'f')).toBe(50000);
    expect(() => parseSigned('--1', 'f')).toThrow(ParseError);
  });

  it('parseUnsignedSetting rejects negatives', () => {
    expect(parseUnsignedSetting('1024', 'f')).toBe(1024);
    expect(() => parseUnsignedSetting('-2', 'cpu.shares')).toThrow(ParseError);
  });

  it('parseCounterFile reads one value with a trailing newline', () => {
    expect(parseCounterFile('212992\n', 'memory.usage_in_bytes')).toBe(212992);
    expect(() => parseCounterFile('', 'memory.usage_in_bytes')).toThrow(/memory\.usage_in_bytes/);
  });
});

describe('parseFlatKeyed', () => {
  it('reads key value lines, skipping blank and odd-shaped lines', () => {
    const map = parseFlatKeyed('user 2937\nsystem 1302\n\nweird line here\nlonely\n');
    expect([...map]).toEqual([
      ['user', '2937'],
      ['system', '1302'],
    ]);
  });

  it('tolerates trailing spaces and CR-less last lines', () => {
    expect([...parseFlatKeyed('a 1 \nb 2')]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('empty file → empty map', () => {
    expect(parseFlatKeyed('').size).toBe(0);
    expect(parseFlatKeyed('\n').size).toBe(0);
  });
});

describe('pickFlatKeyed', () => {
  const wanted = new Map([
    ['rss', 'rss'],
    ['total_rss', 'totalRss'],
    ['pgfault', 'pgfault'],
  ] as const);
  /** What parseFlatKeyed + statOf give for the same keys: pickFlatKeyed must agree with it. */
  const viaMap = (text: string) => {
    const map = parseFlatKeyed(text);
    const out: Record<string, number> = {};
    for (const [key, field] of wanted) {
      const v = statOf(map, key, 'memory.stat');
      if (v !== undefined) out[field] = v;
    }
    return out;
  };

  it.each([
    ['rss 5\ncache 6\ntotal_rss 7\n', { rss: 5, totalRss: 7 }],
    ['rss 5\ntotal_rss 7', { rss: 5, totalRss: 7 }],
    ['', {}],
    ['\n\n', {}],
    // Leading blanks, tabs, doubled or trailing blanks, CR: split the general way.
    ['  rss 5\n\trss_huge 1\ntotal_rss\t7\npgfault  9 \r\n', { rss: 5, totalRss: 7, pgfault: 9 }],
    // Lines without exactly two fields are skipped, even for a wanted key; a repeated key keeps its last value.
    ['rss 5 6\nrss\ntotal_rss 1\ntotal_rss 2\n', { totalRss: 2 }],
    // A key that only starts like a wanted one is another key.
    ['rss_huge 3\ntotal_rss_huge 4\n', {}],
    // A tab before the first space: the key is what precedes the tab.
    ['total_rss\t5 \nrss\t6 x\n', { totalRss: 5 }],
    // Negative and u64-wrapped values (kernel bugs) read as 0, as everywhere.
    ['rss -4096\ntotal_rss 18446744073709547520\n', { rss: 0, totalRss: 0 }],
  ])('%j', (text, want) => {
    expect(pickFlatKeyed(text, wanted, 'memory.stat')).toEqual(want);
    expect(viaMap(text)).toEqual(want);
  });

  it('a malformed wanted value throws ParseError naming the file; an unwanted one is not looked at', () => {
    expect(() => pickFlatKeyed('cache 1\ntotal_rss 12kB\n', wanted, 'memory.stat')).toThrow(/^memory\.stat: /);
    expect(() => pickFlatKeyed('\ttotal_rss x\n', wanted, 'memory.stat')).toThrow(ParseError);
    expect(pickFlatKeyed('cache ???\nrss 1\n', wanted, 'memory.stat')).toEqual({ rss: 1 });
  });
});

describe('parseNestedKeyed', () => {
  it('reads io.stat-style lines', () => {
    const lines = parseNestedKeyed('8:0 rbytes=1 wbytes=2 rios=3\n8:16 rbytes=4 cost.usage=5\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.key).toBe('8:0');
    expect([...lines[0]!.fields]).toEqual([
      ['rbytes', '1'],
      ['wbytes', '2'],
      ['rios', '3'],
    ]);
    expect(lines[1]!.fields.get('cost.usage')).toBe('5');
  });

  it('reads PSI lines and ignores fields without =', () => {
    const [some] = parseNestedKeyed('some avg10=0.12 junk total=42\n');
    expect(some!.key).toBe('some');
    expect(some!.fields.get('avg10')).toBe('0.12');
    expect(some!.fields.get('total')).toBe('42');
    expect(some!.fields.has('junk')).toBe(false);
  });

  it('empty file and blank lines → []', () => {
    expect(parseNestedKeyed('')).toEqual([]);
    expect(parseNestedKeyed('\n\n')).toEqual([]);
  });

  it('a device line with no fields still yields its key', () => {
    expect(parseNestedKeyed('8:0\n')).toEqual([{ key: '8:0', fields: new Map() }]);
  });
});

describe('parseDeviceKey', () => {
  it('splits major:minor', () => {
    expect(parseDeviceKey('259:0', 'io.stat')).toEqual([259, 0]);
  });
  it.each(['8', ':0', '8:', 'a:b', '8:0:1'])('rejects %j', (key) => {
    expect(() => parseDeviceKey(key, 'io.stat')).toThrow(ParseError);
  });
});

describe('nsToSeconds', () => {
  it('converts small values', () => {
    expect(nsToSeconds(0n)).toBe(0);
    expect(nsToSeconds(1_500_000_000n)).toBe(1.5);
    expect(nsToSeconds(42394797831n)).toBe(42.394797831);
  });

  it('gives the correctly rounded seconds below 2^53 ns, the same as reading the file and dividing', () => {
    // Found by the real-containerd test: whole seconds plus the remainder rounded twice and gave
    // 1.2851535680000001 where the kernel file divided by 1e9 reads 1.285153568.
    expect(nsToSeconds(1285153568n)).toBe(1285153568 / 1e9);
    for (let ns = 1_000_000_001n; ns < 1_000_100_000n; ns += 7n) expect(nsToSeconds(ns)).toBe(Number(ns) / 1e9);
  });

  // Correctly rounded reference: JS parses a decimal literal to the nearest double.
  const reference = (ns: bigint): number => {
    const s = ns.toString().padStart(10, '0');
    return Number(`${s.slice(0, -9)}.${s.slice(-9)}`);
  };

  it.each([
    9007199254740993n, // 2^53 + 1 ns: Number() of it would already be off by one
    9007199254740995n,
    18446744073709551615n, // u64 max
    123456789012345678n,
    9223372036854775807n,
  ])('is correctly rounded beyond 2^53 (%s ns)', (ns) => {
    expect(nsToSeconds(ns)).toBe(reference(ns));
  });

  it('differences of large counters keep nanosecond-scale resolution', () => {
    // Via Number(ns), (2^53+5) - (2^53+3) would read as 4 ns; the split keeps the seconds value
    // within one ulp (≈1.9e-9 s at 9e6 s) of the true difference.
    const a = nsToSeconds(9007199254740995n);
    const b = nsToSeconds(9007199254740993n);
    expect(Math.abs(a - b - 2e-9)).toBeLessThan(2e-9);
    expect(a).toBeGreaterThan(b);
  });
});
