import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GoneError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

/** The cgroup v1 memory hierarchy, or the cgroup2 root, from this host's mountinfo. */
function memoryHierarchy(): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , opts] = post.split(' ');
    const mountPoint = pre.split(' ')[4];
    if (fstype === 'cgroup' && opts?.split(',').includes('memory')) return mountPoint;
  }
  return undefined;
}

describe('FileReader', () => {
  const tree = writeTree({ a: 'one\n', big: 'x'.repeat(100_000) });
  afterAll(() => removeTree(tree));

  it('reads whole files, growing its buffer, and maps a missing file to GoneError', () => {
    const r = new FileReader(16);
    expect(r.read(join(tree, 'a'))).toBe('one\n');
    expect(r.read(join(tree, 'big'))).toHaveLength(100_000);
    expect(() => r.read(join(tree, 'nope'))).toThrow(GoneError);
    expect(r.readOptional(join(tree, 'nope'))).toBeUndefined();
  });

  it('never keeps descriptors of files outside cgroup filesystems (they would show stale content)', () => {
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [tree], maxOpen: 100 });
    expect(r.read(join(tree, 'a'))).toBe('one\n');
    expect(r.keptOpen).toBe(0);
    writeFileSync(join(tree, 'a'), 'two\n');
    expect(r.read(join(tree, 'a'))).toBe('two\n');
  });
});

const hierarchy = process.getuid?.() === 0 ? memoryHierarchy() : undefined;
const why = process.getuid?.() !== 0 ? 'not root' : hierarchy === undefined ? 'no cgroup v1 memory hierarchy' : '';

describe.skipIf(why !== '')(`FileReader keeping real cgroup files open${why ? ` (skipped: ${why})` : ''}`, () => {
  const dir = join(hierarchy ?? '/nonexistent', `podpulse-test-reader-${process.pid}`);
  afterAll(() => {
    if (existsSync(dir)) rmdirSync(dir);
  });

  it('re-reads fresh content, fails with GoneError once the cgroup is removed, and opens a re-created one afresh', () => {
    mkdirSync(dir);
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [hierarchy as string], maxOpen: 10 });
    const limit = join(dir, 'memory.limit_in_bytes');
    writeFileSync(limit, String(64 * 1024 * 1024));
    expect(Number(r.read(limit))).toBe(64 * 1024 * 1024);
    expect(r.keptOpen).toBe(1);
    writeFileSync(limit, String(32 * 1024 * 1024));
    expect(Number(r.read(limit))).toBe(32 * 1024 * 1024); // the kept descriptor shows the new value
    rmdirSync(dir);
    expect(() => r.read(limit)).toThrow(GoneError);
    expect(r.keptOpen).toBe(0);
    mkdirSync(dir);
    writeFileSync(limit, String(16 * 1024 * 1024));
    expect(Number(r.read(limit))).toBe(16 * 1024 * 1024);
    rmdirSync(dir);
    r.close();
  });

  it('keeps at most maxOpen descriptors and closes the ones a cycle did not read', () => {
    mkdirSync(dir);
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [hierarchy as string], maxOpen: 2 });
    for (const f of ['memory.usage_in_bytes', 'memory.stat', 'memory.failcnt']) r.read(join(dir, f));
    expect(r.keptOpen).toBe(2);
    r.sweep(); // all read this cycle: all kept
    expect(r.keptOpen).toBe(2);
    r.read(join(dir, 'memory.usage_in_bytes'));
    r.sweep();
    expect(r.keptOpen).toBe(1);
    r.close();
    expect(r.keptOpen).toBe(0);
    rmdirSync(dir);
  });
});
