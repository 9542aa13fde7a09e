import { describe, expect, it } from 'vitest';
import { parseProcs, procsFileOf } from '../../src/cgroup/procs.js';
import { ParseError } from '../../src/errors.js';

describe('parseProcs', () => {
  it('returns distinct pids in ascending order (v1 may repeat and does not sort)', () => {
    expect(parseProcs('30\n4\n30\n\n12\n')).toEqual([4, 12, 30]);
    expect(parseProcs('')).toEqual([]);
  });
  it('throws ParseError for a line that is no pid', () => {
    expect(() => parseProcs('12\nabc\n')).toThrow(ParseError);
  });
});

describe('procsFileOf', () => {
  it('uses the unified mount on v2 and the cpu hierarchy on v1', () => {
    expect(procsFileOf({ mode: 'v2', v1: new Map(), unified: '/sys/fs/cgroup' }, '/kubepods/pod1/c1')).toBe('/sys/fs/cgroup/kubepods/pod1/c1/cgroup.procs');
    const v1 = new Map([['memory', '/sys/fs/cgroup/memory'], ['cpu', '/sys/fs/cgroup/cpu,cpuacct']]);
    expect(procsFileOf({ mode: 'v1', v1 }, '/a')).toBe('/sys/fs/cgroup/cpu,cpuacct/a/cgroup.procs');
    expect(procsFileOf({ mode: 'v1', v1: new Map([['devices', '/d']]) }, '/a')).toBe('/d/a/cgroup.procs');
  });
});
