import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseStat } from '../../src/procfs/stat.js';

const SAMPLE = `cpu  3710 0 2145 53098 934 0 35 8 0 0
cpu0 1552 0 845 27499 96 0 8 2 0 0
cpu1 2157 0 1299 25598 837 0 27 5 0 0
intr 217529 0 0 0 0 0 0 0 0 0
ctxt 486520
btime 1795800803
processes 6145
procs_running 2
procs_blocked 1
softirq 126538 0 10130 5 6210 61696 0 2 24946 0 23549
`;

describe('parseStat', () => {
  it('parses the aggregate and per-CPU lines and the scalar counters', () => {
    const s = parseStat(SAMPLE);
    expect(s.total).toEqual({
      userTicks: 3710,
      niceTicks: 0,
      systemTicks: 2145,
      idleTicks: 53098,
      iowaitTicks: 934,
      irqTicks: 0,
      softirqTicks: 35,
      stealTicks: 8,
      guestTicks: 0,
      guestNiceTicks: 0,
    });
    expect([...s.perCpu.keys()]).toEqual([0, 1]);
    expect(s.perCpu.get(1)?.userTicks).toBe(2157);
    expect(s.perCpu.get(1)?.iowaitTicks).toBe(837);
    expect(s.btime).toBe(1795800803);
    expect(s.ctxt).toBe(486520);
    expect(s.processes).toBe(6145);
    expect(s.procsRunning).toBe(2);
    expect(s.procsBlocked).toBe(1);
  });

  it('keeps gaps in CPU numbering (offline CPUs have no line)', () => {
    const s = parseStat('cpu  1 2 3 4\ncpu0 1 1 1 1\ncpu3 0 1 2 3\n');
    expect([...s.perCpu.keys()]).toEqual([0, 3]);
  });

  it('leaves later columns undefined on old kernels with only 4 or 7 columns', () => {
    const s = parseStat('cpu  10 20 30 40\ncpu0 1 2 3 4 5 6 7\n');
    expect(s.total).toEqual({ userTicks: 10, niceTicks: 20, systemTicks: 30, idleTicks: 40 });
    expect(s.perCpu.get(0)?.softirqTicks).toBe(7);
    expect(s.perCpu.get(0)?.stealTicks).toBeUndefined();
  });

  it('ignores unknown lines and returns nothing for an empty file', () => {
    expect(parseStat('')).toEqual({ perCpu: new Map() });
    expect(parseStat('cpufreq 3\nfoo 1 2\n')).toEqual({ perCpu: new Map() });
  });

  it.each([
    ['too few cpu columns', 'cpu  1 2 3\n'],
    ['non-numeric tick', 'cpu0 1 x 3 4\n'],
    ['malformed btime', 'btime soon\n'],
    ['missing btime value', 'btime\n'],
  ])('throws ParseError for %s', (_name, text) => {
    expect(() => parseStat(text)).toThrow(ParseError);
  });
});
