import { describe, expect, it } from 'vitest';
import { AgentError, ParseError } from '../../src/errors.js';
import { cgroupDirOf, compact, countProcs } from '../../src/cgroup/cgroup-dir.js';

describe('cgroupDirOf', () => {
  it.each([
    ['/sys/fs/cgroup/cpu', '/', '/sys/fs/cgroup/cpu'],
    ['/sys/fs/cgroup/cpu', '', '/sys/fs/cgroup/cpu'],
    ['/sys/fs/cgroup/cpu', '/kubepods/burstable/pod1/abc', '/sys/fs/cgroup/cpu/kubepods/burstable/pod1/abc'],
    ['fixtures/sys/fs/cgroup', '/a.slice/b.scope', 'fixtures/sys/fs/cgroup/a.slice/b.scope'],
  ])('%s + %s', (mount, path, want) => {
    expect(cgroupDirOf(mount, path)).toBe(want);
  });
  it('refuses ..', () => {
    expect(() => cgroupDirOf('/sys/fs/cgroup', '/../../etc')).toThrow(AgentError);
  });
});

describe('countProcs', () => {
  it.each([
    ['', 0],
    ['\n', 0],
    ['1\n', 1],
    ['1\n2\n3\n', 3],
    // v1 may list a tgid twice.
    ['5\n5\n6\n', 2],
  ])('%j → %d', (text, n) => {
    expect(countProcs(text)).toBe(n);
  });
  it('rejects a non-pid line', () => {
    expect(() => countProcs('12\nabc\n')).toThrow(ParseError);
  });
});

describe('compact', () => {
  it('drops undefined fields; all-undefined → undefined; null is kept', () => {
    expect(compact({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
    expect(Object.keys(compact({ a: 1, b: undefined })!)).toEqual(['a']);
    expect(compact({ a: undefined })).toBeUndefined();
  });
});
