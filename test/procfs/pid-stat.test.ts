import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parsePidStat } from '../../src/procfs/pid-stat.js';

/** The tail after comm as this kernel printed it for `cat /proc/self/stat` (52 fields in all). */
const TAIL =
  'R 6139 6139 3132 0 -1 4194304 101 0 0 0 7 3 -1 -2 20 0 1 0 30156 3133440 378 18446744073709551615 ' +
  '94104238616576 94104238636457 140721400594704 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94104238652464 ' +
  '94104238654080 94104240984064 140721400601312 140721400601332 140721400601332 140721400602603 0';

describe('parsePidStat', () => {
  it('parses the fields we use', () => {
    expect(parsePidStat(`6147 (cat) ${TAIL}\n`)).toEqual({
      pid: 6147,
      comm: 'cat',
      state: 'R',
      ppid: 6139,
      pgrp: 6139,
      session: 3132,
      minflt: 101,
      majflt: 0,
      utimeTicks: 7,
      stimeTicks: 3,
      cutimeTicks: -1,
      cstimeTicks: -2,
      priority: 20,
      nice: 0,
      numThreads: 1,
      starttimeTicks: 30156,
      vsizeBytes: 3133440,
      rssPages: 378,
      processor: 1,
    });
  });

  it.each([
    ['spaces', 'tmux: server', 'tmux: server'],
    ['a ") (" sequence', 'a) (b c) d', 'a) (b c) d'],
    ['a trailing ")"', 'x)', 'x)'],
    ['only parentheses', ') (', ') ('],
    ['an empty name', '', ''],
  ])('takes comm up to the last ")" when it contains %s', (_name, comm, expected) => {
    const line = `42 (${comm}) S 1 42 42 0 -1 4194560 5 0 0 0 12 34 0 0 20 0 3 0 999 4096 7`;
    const s = parsePidStat(line);
    expect(s.comm).toBe(expected);
    expect(s.state).toBe('S');
    expect(s.ppid).toBe(1);
    expect(s.utimeTicks).toBe(12);
    expect(s.stimeTicks).toBe(34);
    expect(s.numThreads).toBe(3);
    expect(s.starttimeTicks).toBe(999);
    expect(s.rssPages).toBe(7);
  });

  it('keeps negative priority and nice of real-time and reniced tasks', () => {
    const s = parsePidStat('9 (rcu_preempt) I 2 0 0 0 -1 2129984 0 0 0 0 0 5 0 0 -100 -20 1 0 11 0 0');
    expect(s.state).toBe('I');
    expect(s.priority).toBe(-100);
    expect(s.nice).toBe(-20);
  });

  it('leaves processor undefined on a line that stops after rss', () => {
    const s = parsePidStat('1 (init) S 0 1 1 0 -1 4194560 5 0 0 0 1 2 0 0 20 0 1 0 3 4096 5');
    expect(s.processor).toBeUndefined();
    expect(s.rssPages).toBe(5);
  });

  it.each([
    ['an empty file', ''],
    ['no parentheses', '1 init S 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4096 5'],
    ['a non-numeric pid', 'x (init) S 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4096 5'],
    ['too few fields', '1 (init) S 0 1 1 0 -1 0 0 0 0 0 1 2'],
    ['a non-numeric utime', '1 (init) S 0 1 1 0 -1 0 0 0 0 0 x 2 0 0 20 0 1 0 3 4096 5'],
    ['a multi-letter state', '1 (init) SS 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4096 5'],
  ])('throws ParseError for %s', (_name, text) => {
    expect(() => parsePidStat(text, '/proc/1/stat')).toThrow(ParseError);
  });
});
