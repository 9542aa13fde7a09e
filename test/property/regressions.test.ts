/**
 * Regression tests for the parser bugs the property tests found, one per counterexample (the
 * shrunk input fast-check reported). Each failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { parseDeviceKey, parseFlatKeyed, parseSigned, parseUnsignedSetting, pickFlatKeyed } from '../../src/cgroup/parse.js';
import { parseBlkioThrottle } from '../../src/cgroup/v1/blkio.js';
import { parseCfsPeriodUs, parseCfsQuotaUs, parseCpuShares } from '../../src/cgroup/v1/cpu.js';
import { parseCpuMax } from '../../src/cgroup/v2/cpu.js';
import { parsePressure } from '../../src/cgroup/v2/psi.js';
import { ParseError } from '../../src/errors.js';
import { parseDiskstats } from '../../src/procfs/diskstats.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import * as procNumbers from '../../src/procfs/numbers.js';

const NINES = '9'.repeat(400);

describe('cgroup values beyond 64 bits are ParseErrors, not Infinity', () => {
  // Counterexample: ["999…9" (400 digits)] for parseCfsQuotaUs, parseCfsPeriodUs, parseCpuShares:
  // Number() of it is Infinity, which came out as the quota, period or shares.
  it.each([
    ['cpu.cfs_quota_us', () => parseCfsQuotaUs(`${NINES}\n`)],
    ['cpu.cfs_quota_us', () => parseCfsQuotaUs(`-${NINES}\n`)],
    ['cpu.cfs_period_us', () => parseCfsPeriodUs(`${NINES}\n`)],
    ['cpu.shares', () => parseCpuShares(`${NINES}\n`)],
    // Counterexample: ["0 999…9"]: cpu.max period Infinity.
    ['cpu.max', () => parseCpuMax(`0 ${NINES}`)],
  ])('%s', (file, parse) => {
    expect(parse).toThrow(ParseError);
    expect(parse).toThrow(new RegExp(`^${file.replace('.', '\\.')}: out of [su]64 range`));
  });

  it('parseSigned / parseUnsignedSetting keep the s64 / u64 range and never return -0', () => {
    expect(parseSigned('-9223372036854775808', 'f')).toBe(-(2 ** 63));
    expect(() => parseSigned('9223372036854775808', 'f')).toThrow(ParseError);
    expect(Object.is(parseSigned('-0', 'f'), 0)).toBe(true);
    expect(parseUnsignedSetting('18446744073709551615', 'f')).toBe(2 ** 64);
    expect(() => parseUnsignedSetting('18446744073709551616', 'f')).toThrow(ParseError);
  });

  // Counterexample: ["0:999…9 Read 0"]: a device numbered Infinity.
  it('device keys beyond u32 are malformed', () => {
    expect(() => parseBlkioThrottle(`0:${NINES} Read 0`)).toThrow(/not a major:minor device/);
    expect(() => parseDeviceKey('4294967296:0', 'io.stat')).toThrow(ParseError);
    expect(parseDeviceKey('4294967295:1048575', 'io.stat')).toEqual([4294967295, 1048575]);
  });
});

describe('pickFlatKeyed reads what parseFlatKeyed reads', () => {
  const wanted = new Map([['rss', 'rss']]);
  // Counterexamples: ["\u00a0rss  0 "] and ["rss\u00a00 "]: the fast path took `\u00a0rss` and
  // `rss\u00a00` as keys and skipped them, while parseFlatKeyed (split on \s) reads rss = 0.
  it.each(['\u00a0rss  0 ', 'rss\u00a00 ', '\ufeffrss 5', 'rss\r 5', 'rss\u000b 5'])('%j', (text) => {
    const viaMap = Number(parseFlatKeyed(text).get('rss'));
    expect(pickFlatKeyed(text, wanted, 'memory.stat')).toEqual({ rss: viaMap });
  });
});

describe('procfs values beyond 64 bits are ParseErrors, not Infinity', () => {
  // Counterexample: ["MemTotal: 999…9"]: MemTotal came out as Infinity.
  it('/proc/meminfo', () => {
    expect(() => parseMeminfo(`MemTotal: ${NINES}`)).toThrow(/^\/proc\/meminfo: MemTotal: out of u64 range/);
  });
  // Counterexample: ["0 0 a 0 0 0 999…9"].
  it('/proc/diskstats', () => {
    expect(() => parseDiskstats(`0 0 a 0 0 0 ${NINES}`)).toThrow(/out of u64 range/);
  });
  // Counterexample: ["-999…9"] for parseSigned: -Infinity; and "-0" gave -0.
  it('signed fields', () => {
    expect(() => procNumbers.parseSigned(`-${NINES}`, 'f', 'x')).toThrow(/out of s64 range/);
    expect(Object.is(procNumbers.parseSigned('-0', 'f', 'x'), 0)).toBe(true);
    expect(procNumbers.parseUnsigned('18446744073709551615', 'f', 'x')).toBe(2 ** 64);
  });
});

describe('PSI averages are percentages', () => {
  // Counterexample (seed 1868615452): ["some avg10=999…9 (400 digits) avg60=0 avg300=0 total=0"]:
  // Number() of it is Infinity, which came out as the 10 s average.
  it.each([`some avg10=${NINES} avg60=0 avg300=0 total=0`, 'some avg10=100.01 avg60=0 avg300=0 total=0'])('%s', (text) => {
    expect(() => parsePressure(text, 'memory.pressure')).toThrow(ParseError);
    expect(() => parsePressure(text, 'memory.pressure')).toThrow(/^memory\.pressure: avg10: not a percentage/);
  });

  it('keeps 100.00, the most a stall share can be', () => {
    expect(parsePressure('full avg10=100.00 avg60=99.50 avg300=0.00 total=7\n').full).toEqual({ avg10: 100, avg60: 99.5, avg300: 0, totalUs: 7 });
  });
});
