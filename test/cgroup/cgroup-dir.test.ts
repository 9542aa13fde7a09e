import { join } from 'node:path';
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
    expect(() => cgroupDirOf('/sys/fs/cgroup', '/a/..')).toThrow(AgentError);
  });
  it('gives what path.join gives, by concatenation for normal paths and by join for the others', () => {
    const mounts = ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/', 'fixtures/sys', '/', '/sys//fs/./cgroup'];
    const paths = ['/', '/a', '/a/b.scope', '/.a/..b/...', '//a', '/a/', '/a/./b', '/./a', 'a/b', '/a b/c\td'];
    for (const m of mounts) {
      for (const p of paths) {
        const joined = join(m, p);
        expect(cgroupDirOf(m, p), `${m} + ${p}`).toBe(joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined);
      }
    }
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
    // Nothing to drop: the same object; else a copy (no delete, which would make a slow dictionary of it).
    const full = { a: 1, b: 2 };
    expect(compact(full)).toBe(full);
    const holey = { a: 1, b: undefined, c: 3 };
    expect(compact(holey)).not.toBe(holey);
    expect(Object.keys(compact(holey)!)).toEqual(['a', 'c']);
  });
});
