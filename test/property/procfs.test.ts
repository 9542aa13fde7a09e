/**
 * Property tests of the /proc and /sys parsers (src/procfs/*, src/machine/cpu-list.ts): on any
 * text, typed data or ParseError, never another exception, NaN, Infinity or a negative counter;
 * rendered files parse back to the values they were rendered from.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/machine/cpu-list.js';
import { parseCpuinfo } from '../../src/procfs/cpuinfo.js';
import { parseDiskstats } from '../../src/procfs/diskstats.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import { parseNetDev } from '../../src/procfs/net-dev.js';
import { parseSigned, parseUnsigned } from '../../src/procfs/numbers.js';
import { parsePidStat } from '../../src/procfs/pid-stat.js';
import { anyText, blank, checkContract, numberToken, outcome, RunCounter, safeCount, tableRows } from './props.js';

const runs = new RunCounter();
afterAll(() => console.log(runs.summary('procfs parsers')));

/** Fields of /proc/<pid>/stat that are signed in the kernel (long / int). */
const PID_STAT_SIGNED = new Set(['ppid', 'pgrp', 'session', 'cutimeTicks', 'cstimeTicks', 'priority', 'nice', 'numThreads', 'rssPages', 'processor']);

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);

interface TextParser {
  name: string;
  parse: (text: string) => unknown;
  file: string;
  near: fc.Arbitrary<string>;
  signed?: ReadonlySet<string>;
}

const PARSERS: TextParser[] = [
  {
    name: 'parseMeminfo',
    parse: (t) => parseMeminfo(t),
    file: '/proc/meminfo',
    near: fc
      .array(fc.tuple(fc.constantFrom('MemTotal', 'SwapTotal', 'HugePages_Total', 'Active(anon)', '__proto__', ''), fc.constantFrom(':', ': ', ':\t'), blank, numberToken, fc.constantFrom('', ' kB', ' kB', ' MB', ' kB x')), { maxLength: 10 })
      .map((ls) => ls.map((l) => l.join('')).join('\n')),
  },
  {
    name: 'parseDiskstats',
    parse: (t) => parseDiskstats(t),
    file: '/proc/diskstats',
    near: tableRows(fc.tuple(numberToken, numberToken, name).map((p) => [...p]), fc.constantFrom(0, 4, 11, 15, 17, 20)),
  },
  {
    name: 'parseNetDev',
    parse: (t) => parseNetDev(t),
    file: '/proc/<pid>/net/dev',
    near: fc
      .tuple(fc.array(fc.tuple(name, fc.constantFrom(':', ': ', ':  '), fc.integer({ min: 14, max: 18 }).chain((n) => fc.array(numberToken, { minLength: n, maxLength: n }))), { maxLength: 5 }))
      .map(([rows]) => 'Inter-|   Receive |  Transmit\n face |bytes packets\n' + rows.map(([n, c, nums]) => `  ${n}${c}${nums.join(' ')}`).join('\n')),
  },
  {
    name: 'parsePidStat',
    parse: (t) => parsePidStat(t),
    file: '/proc/<pid>/stat',
    signed: PID_STAT_SIGNED,
    near: fc
      .tuple(numberToken, fc.constantFrom('cat', 'a) (b c) d', '', ')('), fc.constantFrom('R', 'S', '(', 'RR', ''), fc.integer({ min: 18, max: 50 }).chain((n) => fc.array(numberToken, { minLength: n, maxLength: n })))
      .map(([pid, comm, state, rest]) => `${pid} (${comm}) ${state} ${rest.join(' ')}\n`),
  },
  {
    name: 'parseCpuinfo',
    parse: (t) => parseCpuinfo(t),
    file: '/proc/cpuinfo',
    near: fc
      .array(fc.tuple(fc.constantFrom('processor', 'physical id', 'core id', 'Processor', 'model name'), fc.constantFrom('\t: ', ': ', ':'), numberToken), { maxLength: 24 })
      .map((ls) => ls.map(([k, c, v]) => `${k}${c}${v}`).join('\n')),
  },
  {
    name: 'parseCpuList',
    parse: (t) => parseCpuList(t, 'online'),
    file: 'online',
    near: fc
      .array(fc.oneof(numberToken, fc.tuple(numberToken, numberToken).map(([a, b]) => `${a}-${b}`), fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => `${a}-${b}`)), { maxLength: 6 })
      .map((ts) => ts.join(',') + '\n'),
  },
];

describe('every procfs parser keeps the contract', () => {
  for (const p of PARSERS) {
    it(`${p.name}: any text → typed data or ParseError naming ${p.file}`, () => {
      runs.assert(`${p.name} any`, anyText, (t) => void checkContract(() => p.parse(t), { file: p.file, signed: p.signed }));
    });
    it(`${p.name}: near-valid text → typed data or ParseError, no made-up numbers`, () => {
      runs.assert(`${p.name} near`, p.near, (t) => void checkContract(() => p.parse(t), { file: p.file, signed: p.signed }));
    });
  }

  it('parseUnsigned / parseSigned: any token → finite number or ParseError', () => {
    runs.assert('numbers any', fc.oneof(numberToken, anyText), (t) => {
      checkContract(() => ({ u: parseUnsigned(t, 'f', 'x') }), { file: 'f' });
      checkContract(() => ({ s: parseSigned(t, 'f', 'x') }), { file: 'f', signed: new Set(['s']) });
    });
  });
});

describe('rendered procfs files round-trip', () => {
  it('/proc/meminfo: kB lines become bytes, unitless lines stay counts', () => {
    const entry = fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z_()]{0,12}$/), fc.nat(2 ** 40), fc.boolean());
    runs.assert('parseMeminfo round-trip', fc.uniqueArray(entry, { selector: ([k]) => k, maxLength: 20 }), (es) => {
      const text = es.map(([k, v, kb]) => `${`${k}:`.padEnd(16)}${String(v).padStart(8)}${kb ? ' kB' : ''}`).join('\n') + '\n';
      const want: Record<string, number> = {};
      for (const [k, v, kb] of es) want[k] = kb ? v * 1024 : v;
      expect(parseMeminfo(text)).toEqual(want);
    });
  });

  it('/proc/<pid>/net/dev: 16 counters per interface, wide counters glued to the colon', () => {
    const iface = fc.tuple(name, fc.array(safeCount, { minLength: 16, maxLength: 16 }));
    runs.assert('parseNetDev round-trip', fc.array(iface, { maxLength: 5 }), (ifs) => {
      const text =
        'Inter-|   Receive |  Transmit\n face |bytes packets\n' +
        ifs.map(([n, c]) => `${n.padStart(6)}:${c.map((v) => String(v).padStart(8)).join(' ')}\n`).join('');
      const got = parseNetDev(text);
      expect(got.map((i) => i.name)).toEqual(ifs.map(([n]) => n));
      got.forEach((i, k) => {
        expect([i.rxBytes, i.rxPackets, i.txBytes, i.txCompressed]).toEqual([ifs[k]![1][0], ifs[k]![1][1], ifs[k]![1][8], ifs[k]![1][15]]);
      });
    });
  });

  it('/proc/diskstats: 11, 15 or 17 counters', () => {
    const disk = fc.tuple(fc.nat(300), fc.nat(300), name, fc.constantFrom(11, 15, 17).chain((n) => fc.array(safeCount, { minLength: n, maxLength: n })));
    runs.assert('parseDiskstats round-trip', fc.array(disk, { maxLength: 5 }), (ds) => {
      const text = ds.map(([ma, mi, n, c]) => `${String(ma).padStart(4)} ${String(mi).padStart(7)} ${n} ${c.join(' ')}`).join('\n');
      const got = parseDiskstats(text);
      expect(got.map((d) => [d.major, d.minor, d.name, d.readsCompleted, d.weightedIoTimeMs])).toEqual(ds.map(([ma, mi, n, c]) => [ma, mi, n, c[0], c[10]]));
    });
  });

  it('/proc/<pid>/stat: any comm, even with parentheses and spaces', () => {
    const comm = fc.string({ unit: fc.constantFrom('a', ' ', '(', ')', 'x'), maxLength: 15 });
    runs.assert('parsePidStat round-trip', fc.tuple(fc.nat(4_194_304), comm, safeCount, safeCount, fc.integer({ min: -100, max: 39 })), ([pid, c, utime, start, prio]) => {
      const f = Array.from({ length: 50 }, (_, i) => String(i));
      f[0] = 'S'; // field 3
      f[14 - 3] = String(utime);
      f[18 - 3] = String(prio);
      f[22 - 3] = String(start);
      const got = parsePidStat(`${pid} (${c}) ${f.join(' ')}\n`);
      expect([got.pid, got.comm, got.state, got.utimeTicks, got.priority, got.starttimeTicks]).toEqual([pid, c, 'S', utime, prio, start]);
    });
  });

  it('cpu lists: ranges expand to sorted unique CPUs', () => {
    const range = fc.tuple(fc.nat(300), fc.nat(20)).map(([a, n]) => [a, a + n] as const);
    runs.assert('parseCpuList round-trip', fc.array(range, { maxLength: 6 }), (rs) => {
      const text = rs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',') + '\n';
      const want = [...new Set(rs.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)))].sort((x, y) => x - y);
      expect(parseCpuList(text)).toEqual(want);
    });
  });

  it('/proc/cpuinfo: processors, sockets and cores', () => {
    const cpu = fc.tuple(fc.nat(3), fc.nat(15));
    runs.assert('parseCpuinfo round-trip', fc.array(cpu, { minLength: 1, maxLength: 32 }), (cpus) => {
      const text = cpus.map(([s, c], i) => `processor\t: ${i}\nmodel name\t: x\nphysical id\t: ${s}\ncore id\t\t: ${c}\n`).join('\n');
      const got = outcome(() => parseCpuinfo(text));
      expect(got).toEqual({
        ok: true,
        value: { processors: cpus.length, sockets: new Set(cpus.map(([s]) => s)).size, physicalCores: new Set(cpus.map(([s, c]) => `${s}/${c}`)).size },
      });
    });
  });
});
