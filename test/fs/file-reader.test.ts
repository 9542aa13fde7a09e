import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentError, FileTooLargeError, GoneError, NotRegularFileError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';
import { placeDeviceLink, placeFifo, placeSparseFile, placeSymlinkLoop } from './hostile-files.js';

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
    const r = new FileReader({ initialSize: 16 });
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

describe('FileReader refuses what is not a kernel file, and bounds every read', () => {
  const tree = writeTree({ ok: 'fine\n', dir: { x: '' } });
  afterAll(() => removeTree(tree));
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      return err instanceof AgentError ? err.code : `untyped ${String(err)}`;
    }
    return undefined;
  };

  it('a FIFO is refused at once (READ_NOT_REGULAR), not waited on; the reader still works after', () => {
    const fifo = join(tree, 'cpu.stat');
    const stop = placeFifo(fifo);
    try {
      const r = new FileReader();
      expect(() => r.read(fifo)).toThrow(NotRegularFileError);
      expect(codeOf(() => r.read(fifo))).toBe('READ_NOT_REGULAR');
      expect(codeOf(() => r.readOptional(fifo))).toBe('READ_NOT_REGULAR');
      expect(r.read(join(tree, 'ok'))).toBe('fine\n');
    } finally {
      stop();
    }
  });

  it('character devices symlinked in place (/dev/zero, /dev/null) and directories are refused', () => {
    const r = new FileReader();
    for (const device of ['/dev/zero', '/dev/null']) {
      const link = join(tree, `memory.stat${device.replaceAll('/', '-')}`);
      placeDeviceLink(link, device);
      expect(codeOf(() => r.read(link))).toBe('READ_NOT_REGULAR');
    }
    expect(codeOf(() => r.read(join(tree, 'dir')))).toBe('READ_NOT_REGULAR');
    expect(r.bufferBytes).toBe(16 * 1024);
  });

  it('a 100 MB (sparse) file is refused (READ_TOO_LARGE) and the buffer does not grow', () => {
    const big = join(tree, 'memory.numa_stat');
    placeSparseFile(big, 100 * 1024 * 1024);
    const r = new FileReader();
    expect(() => r.read(big)).toThrow(FileTooLargeError);
    expect(codeOf(() => r.read(big))).toBe('READ_TOO_LARGE');
    expect(r.bufferBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('the bound holds for pseudo-files that report size 0, and an exact fit is read', () => {
    const r = new FileReader({ maxFileBytes: 100 });
    // /proc/self/mountinfo reports st_size 0 and is longer than 100 bytes on any host.
    expect(codeOf(() => r.read('/proc/self/mountinfo'))).toBe('READ_TOO_LARGE');
    writeFileSync(join(tree, 'exact'), 'x'.repeat(100));
    expect(r.read(join(tree, 'exact'))).toHaveLength(100);
    writeFileSync(join(tree, 'over'), 'x'.repeat(101));
    expect(codeOf(() => r.read(join(tree, 'over')))).toBe('READ_TOO_LARGE');
  });

  it('a file that needed a bigger buffer does not keep it (at most 64 KiB stay)', () => {
    const r = new FileReader();
    writeFileSync(join(tree, 'usage_percpu'), '1234567 '.repeat(100_000));
    expect(r.read(join(tree, 'usage_percpu'))).toHaveLength(800_000);
    expect(r.bufferBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('a symlink loop is a READ error, not "gone"', () => {
    const loop = join(tree, 'pids.current');
    placeSymlinkLoop(loop);
    const r = new FileReader();
    expect(codeOf(() => r.read(loop))).toBe('READ');
    expect(codeOf(() => r.readOptional(loop))).toBe('READ');
  });

  it('proc and sysfs files (st_size 0 or 4096) are regular files and read whole', () => {
    const r = new FileReader();
    for (const path of ['/proc/self/stat', '/proc/self/net/dev', '/proc/meminfo', '/sys/devices/system/cpu/online']) {
      expect(r.read(path).length, path).toBeGreaterThan(0);
    }
  });
});
