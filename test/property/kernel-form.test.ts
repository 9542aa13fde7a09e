/**
 * The parsers read the kernel's own form of a file (one space between fields, a newline per line,
 * numbers of at most 15 digits) on a fast path that builds no token strings, and everything else on
 * the general path that splits the text. These properties render kernel files from random values and
 * check that the fast path gives exactly what the general path gives for the same file written so
 * that only the general path can read it (a tab, a doubled or a trailing blank), numbers of 16 to 20
 * digits included, and that malformed fields still fail the same way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickFlatKeyed } from '../../src/cgroup/parse.js';
import { parseCpuacctStat } from '../../src/cgroup/v1/cpuacct.js';
import { parseMemoryStatV1 } from '../../src/cgroup/v1/memory.js';
import { parsePressure } from '../../src/cgroup/v2/psi.js';
import { ParseError } from '../../src/errors.js';
import { parseNetDev } from '../../src/procfs/net-dev.js';
import { parsePidList } from '../../src/procfs/pid-list.js';
import { parsePidStat } from '../../src/procfs/pid-stat.js';

const RUNS = 500;

/** Counters near the 15/16-digit edge, up to the u64 maximum, and small ones. */
const counter: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 999n }),
  fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
  fc.bigInt({ min: 10n ** 15n - 3n, max: 10n ** 16n + 3n }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const signed: fc.Arbitrary<bigint> = fc.oneof(counter, counter.map((v) => -v));

/** The same file, written so that the fast path refuses it and the general path reads the same fields. */
function spoilSpace(text: string, at: number, by: '\t' | '  '): string {
  const spaces = [...text.matchAll(/ (?=\S)/g)].map((m) => m.index);
  const i = spaces.length === 0 ? -1 : spaces[at % spaces.length]!;
  return i < 0 ? text : text.slice(0, i) + by + text.slice(i + 1);
}

/** What a parse gives: its value, or the class of its error (messages may name the token differently). */
function result(parse: () => unknown): unknown {
  try {
    return { value: parse() };
  } catch (err) {
    return { error: err instanceof ParseError ? 'ParseError' : String(err) };
  }
}

describe('kernel-form fast paths give what the general path gives', () => {
  it('pid lists (cgroup.procs, tasks)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4_194_304 }), { maxLength: 40 }), (pids) => {
        const text = pids.map((p) => `${p}\n`).join('');
        const general = text.replace(/\n/g, ' \n');
        expect(parsePidList(text, 'cgroup.procs')).toEqual(parsePidList(general, 'cgroup.procs'));
        expect(parsePidList(text, 'cgroup.procs')).toEqual([...new Set(pids)]);
      }),
      { numRuns: RUNS },
    );
  });

  it('PSI lines (cpu/memory/io.pressure)', () => {
    const avg = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 99 })).map(([w, f]) => (w === 100 ? '100.00' : `${w}.${String(f).padStart(2, '0')}`));
    const line = (kind: string) =>
      fc.tuple(avg, avg, avg, counter).map(([a, b, c, t]) => `${kind} avg10=${a} avg60=${b} avg300=${c} total=${t}\n`);
    fc.assert(
      fc.property(fc.tuple(line('some'), fc.option(line('full'))), fc.nat(), ([some, full], at) => {
        const text = some + (full ?? '');
        const fast = result(() => parsePressure(text, 'io.pressure'));
        expect(fast).toEqual(result(() => parsePressure(spoilSpace(text, at, '  '), 'io.pressure')));
        expect(fast).toEqual(result(() => parsePressure(spoilSpace(text, at, '\t'), 'io.pressure')));
      }),
      { numRuns: RUNS },
    );
  });

  it('net/dev interface lines', () => {
    const iface = fc.tuple(fc.constantFrom('lo', 'eth0', 'veth1a2b3c', 'averyverylongnm'), fc.array(counter, { minLength: 16, maxLength: 16 }));
    fc.assert(
      fc.property(fc.array(iface, { minLength: 1, maxLength: 4 }), fc.nat(), (ifaces, at) => {
        const text =
          'Inter-|   Receive                                                |  Transmit\n' +
          ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
          ifaces.map(([name, values]) => `${name.padStart(6)}:${values.map((v) => String(v).padStart(8)).join(' ')}\n`).join('');
        const fast = result(() => parseNetDev(text));
        expect(fast).toEqual(result(() => parseNetDev(text.replace(/(\d) (?=\s*\d)/g, '$1\t'))));
        if (at % 2 === 0) expect(fast).toEqual(result(() => parseNetDev(spoilSpace(text, at, '\t'))));
      }),
      { numRuns: RUNS },
    );
  });

  it('/proc/<pid>/stat', () => {
    fc.assert(
      fc.property(
        fc.array(signed, { minLength: 49, maxLength: 49 }),
        fc.constantFrom('R', 'S', 'D', 'I', 'x'),
        fc.integer({ min: 22, max: 50 }),
        fc.nat(),
        (values, state, count, at) => {
          const fields = [state, ...values.slice(0, count - 1).map(String)];
          const text = `4242 (a) (b c)) ${fields.join(' ')}\n`;
          const fast = result(() => parsePidStat(text, '/proc/4242/stat'));
          expect(fast).toEqual(result(() => parsePidStat(spoilSpace(text, at, '\t'), '/proc/4242/stat')));
          expect(fast).toEqual(result(() => parsePidStat(spoilSpace(text, at, '  '), '/proc/4242/stat')));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('flat-keyed files (memory.stat, cpuacct.stat): wanted keys of every length, values of any size', () => {
    const keys = ['cache', 'rss', 'rss_huge', 'mapped_file', 'pgfault', 'pgmajfault', 'total_inactive_file', 'hierarchical_memory_limit', 'x'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), counter), { maxLength: 30 }), (rows) => {
        const text = rows.map(([k, v]) => `${k} ${v}\n`).join('');
        const general = rows.map(([k, v]) => ` ${k}\t${v}\n`).join('');
        expect(result(() => parseMemoryStatV1(text))).toEqual(result(() => parseMemoryStatV1(general)));
        const wanted = new Map(keys.map((k) => [k, k]));
        expect(result(() => pickFlatKeyed(text, wanted, 'f'))).toEqual(result(() => pickFlatKeyed(general, wanted, 'f')));
        expect(result(() => parseCpuacctStat(text.replace(/^cache/gm, 'user')))).toEqual(result(() => parseCpuacctStat(general.replace(/^ cache/gm, ' user'))));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('kernel-form fast paths, examples', () => {
  it('a PSI average above 100 or a total that is not a number is still a ParseError, and a 16-digit total is exact', () => {
    expect(() => parsePressure('some avg10=100.01 avg60=0.00 avg300=0.00 total=5\n', 'cpu.pressure')).toThrow(ParseError);
    expect(() => parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=5x\n', 'cpu.pressure')).toThrow(ParseError);
    // A negative total is the kernel accounting bug every counter reads as 0 (parseCounter), not an error.
    expect(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=-5\n').some?.totalUs).toBe(0);
    expect(parsePressure('some avg10=0.12 avg60=1.50 avg300=99.99 total=1234567890123456\n').some).toEqual({
      avg10: 0.12,
      avg60: 1.5,
      avg300: 99.99,
      totalUs: 1234567890123456,
    });
  });

  it('a negative unsigned /proc/<pid>/stat field is still a ParseError; -0 is 0', () => {
    const base = '1 (init) S 0 1 1 0 -1 4194560 5 0 0 0 1 2 -0 0 20 0 1 0 3 4096 5\n';
    expect(Object.is(parsePidStat(base).cutimeTicks, 0)).toBe(true);
    expect(() => parsePidStat(base.replace(' 1 2 -0', ' -1 2 -0'))).toThrow(ParseError);
  });

  it('net/dev with 15 counters is still a ParseError; a 20-digit counter keeps the general path', () => {
    const head = 'h\nh\n';
    expect(() => parseNetDev(`${head}  eth0: ${'1 '.repeat(15)}\n`)).toThrow(ParseError);
    const [eth0] = parseNetDev(`${head}  eth0:18446744073709551615 ${'0 '.repeat(15)}\n`);
    expect(eth0?.rxBytes).toBe(2 ** 64);
  });
});
