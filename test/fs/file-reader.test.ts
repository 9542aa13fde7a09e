import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentError, FileTooLargeError, GoneError, NotRegularFileError } from '../../src/errors.js';
import { FileReader, KEEP_OPEN_RESERVE, keepOpenRoom, ownOpenFilesLimit } from '../../src/fs/file-reader.js';
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
    r.keepOpenUnder({ dirs: [hierarchy as string], maxOpen: 10, openFilesLimit: 20_000 });
    const limit = join(dir, 'memory.limit_in_bytes');
    writeFileSync(limit, String(64 * 1024 * 1024));
    expect(Number(r.read(limit))).toBe(64 * 1024 * 1024);
    // Kept from its second cycle in a row on: a file read once (limits, each minute) takes no slot.
    expect(r.keptOpen).toBe(0);
    r.sweep();
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

  it('keeps at most maxOpen descriptors, says how many it could not keep, and closes the ones a cycle did not read', () => {
    mkdirSync(dir);
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [hierarchy as string], maxOpen: 2, openFilesLimit: 20_000 });
    const files = ['memory.usage_in_bytes', 'memory.stat', 'memory.failcnt'];
    for (const f of files) r.read(join(dir, f));
    r.sweep();
    expect(r.unkeptLastCycle).toBe(0);
    for (const f of files) expect(r.read(join(dir, f))).toBe(readFileSync(join(dir, f), 'utf8'));
    expect(r.keptOpen).toBe(2);
    r.sweep(); // all read this cycle: all kept
    expect(r.unkeptLastCycle).toBe(1);
    expect(r.keptOpen).toBe(2);
    r.read(join(dir, 'memory.usage_in_bytes'));
    r.sweep();
    expect(r.keptOpen).toBe(1);
    expect(r.unkeptLastCycle).toBe(0);
    r.close();
    expect(r.keptOpen).toBe(0);
    rmdirSync(dir);
  });

  it('reads a kept pid list longer than a page in full (a short first read is not taken for EOF there)', () => {
    mkdirSync(dir);
    // A shell in the new cgroup starts 1000 sleeps: cgroup.procs holds 1001 pids, over 4 KiB.
    const sh = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && for i in $(seq 1000); do sleep 60 & done; echo started; wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const r = new FileReader();
      r.keepOpenUnder({ dirs: [hierarchy as string], maxOpen: 10, openFilesLimit: 20_000 });
      const procs = join(dir, 'cgroup.procs');
      const deadline = Date.now() + 20_000;
      while (readFileSync(procs, 'utf8').split('\n').filter(Boolean).length < 1001 && Date.now() < deadline) execFileSync('sleep', ['0.1']);
      r.read(procs);
      r.sweep();
      const kept = r.read(procs);
      expect(r.keptOpen).toBe(1);
      expect(kept.length).toBeGreaterThan(4096);
      expect(kept).toBe(readFileSync(procs, 'utf8'));
      r.close();
    } finally {
      if (sh.pid !== undefined) process.kill(-sh.pid, 'SIGKILL');
    }
    const deadline = Date.now() + 20_000;
    while (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '' && Date.now() < deadline) execFileSync('sleep', ['0.1']);
    rmdirSync(dir);
  }, 30_000);
});

/** The lines of a net/dev text without their counters. */
const interfaces = (netDev: string): string[] => netDev.split('\n').map((l) => l.split(':')[0]!);

describe.skipIf(process.platform !== 'linux')('FileReader keeping /proc/<pid> files open', () => {
  it('keeps stat, status and schedstat; a reaped process fails with ESRCH, and the path is opened afresh (GoneError when no process has the pid)', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [], maxOpen: 10, openFilesLimit: 20_000 });
    r.keepPidFilesUnder('/proc');
    const stat = `/proc/${pid}/stat`;
    expect(r.read(stat)).toMatch(new RegExp(`^${pid} \\(sleep\\)`));
    r.read(`/proc/${pid}/status`);
    r.read(`/proc/${pid}/limits`);
    r.read(`/proc/${pid}/net/dev`);
    r.sweep();
    expect(r.read(stat)).toMatch(new RegExp(`^${pid} \\(sleep\\)`));
    r.read(`/proc/${pid}/status`);
    r.read(`/proc/${pid}/limits`);
    r.read(`/proc/${pid}/net/dev`);
    // Only stat and status: net/dev is bound to the namespace at open and would outlive the process.
    expect(r.keptOpen).toBe(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The kept descriptor fails (ESRCH), is closed, and the path is tried again: gone.
    expect(() => r.read(stat)).toThrow(GoneError);
    expect(r.keptOpen).toBe(1);
    r.close();
  });

  const rootWhy = process.getuid?.() !== 0 ? 'not root' : !existsSync('/proc/sys/kernel/ns_last_pid') ? 'no ns_last_pid' : '';
  it.skipIf(rootWhy !== '')(`a pid reused by another process never shows the first one's data through a kept descriptor${rootWhy ? ` (skipped: ${rootWhy})` : ''}`, async () => {
    const first = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = first.pid as number;
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [], maxOpen: 10, openFilesLimit: 20_000 });
    r.keepPidFilesUnder('/proc');
    const path = `/proc/${pid}/stat`;
    r.read(path);
    r.sweep();
    const before = r.read(path);
    expect(r.keptOpen).toBe(1);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Hand the same pid to a new process: the next pid after ns_last_pid (other forks on the host may race; retry).
    let second: ReturnType<typeof spawn> | undefined;
    for (let i = 0; i < 200 && second === undefined; i++) {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      // Another program (comm "cat", not "sleep"), so its stat cannot be taken for the first one's.
      const c = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
      if (c.pid === pid) second = c;
      else c.kill('SIGKILL');
    }
    if (second === undefined) throw new Error(`could not get pid ${pid} again in 200 tries`);
    try {
      // Until the child has exec'ed, it is still a copy of this node process.
      for (let i = 0; i < 200 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'cat'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const after = r.read(path);
      // The kept descriptor of the first process failed (ESRCH); the path now names the second one.
      expect(before).toMatch(new RegExp(`^${pid} \\(sleep\\) `));
      expect(after).toMatch(new RegExp(`^${pid} \\(cat\\) `));
      // The same process as a fresh open shows (its start time, field 22; its counters move meanwhile).
      const startTime = (stat: string): string | undefined => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      expect(startTime(after)).toBe(startTime(readFileSync(path, 'utf8')));
    } finally {
      second.kill('SIGKILL');
      r.close();
    }
  });

  it('reads /proc/<pid>/net/dev whole without keeping it, and GoneError once the process is gone', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [], maxOpen: 10, openFilesLimit: 20_000 });
    r.keepPidFilesUnder('/proc');
    const path = `/proc/${pid}/net/dev`;
    for (let i = 0; i < 3; i++) {
      // Whole: every line, as a fresh read has them (the host's counters move in between, the names do not).
      const text = r.read(path);
      expect(text.endsWith('\n')).toBe(true);
      expect(interfaces(text)).toEqual(interfaces(readFileSync(path, 'utf8')));
      r.sweep();
    }
    expect(r.keptOpen).toBe(0);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(() => r.read(path)).toThrow(GoneError);
    r.close();
  });

  it('a FIFO in the place of <pid>/net/dev outside procfs is refused (the fstat check is left out only on procfs)', () => {
    const tree = writeTree({ '42': { net: {} } });
    const fifo = join(tree, '42/net/dev');
    const stop = placeFifo(fifo);
    try {
      const r = new FileReader();
      r.keepOpenUnder({ dirs: [], maxOpen: 10, openFilesLimit: 20_000 });
      r.keepPidFilesUnder(tree);
      expect(() => r.read(fifo)).toThrow(NotRegularFileError);
    } finally {
      stop();
      removeTree(tree);
    }
  });

  it('keeps nothing under a directory that is not procfs', () => {
    const tree = writeTree({ '42': { stat: '42 (x) S 1\n' } });
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [], maxOpen: 10, openFilesLimit: 20_000 });
    r.keepPidFilesUnder(tree);
    r.read(join(tree, '42/stat'));
    r.sweep();
    r.read(join(tree, '42/stat'));
    expect(r.keptOpen).toBe(0);
    removeTree(tree);
  });
});

describe('the keep-open bound', () => {
  it('is collection.maxOpenFiles, lowered to RLIMIT_NOFILE minus a reserve (a quarter of a small limit)', () => {
    expect(keepOpenRoom(20_000)).toBe(20_000 - KEEP_OPEN_RESERVE);
    expect(keepOpenRoom(1024)).toBe(768);
    expect(keepOpenRoom(0)).toBe(0);
    expect(keepOpenRoom(undefined)).toBeUndefined();
    expect(keepOpenRoom(-1)).toBeUndefined(); // unlimited
    const r = new FileReader();
    r.keepOpenUnder({ dirs: [], maxOpen: 32_768, openFilesLimit: 20_000 });
    expect(r.maxOpen).toBe(18_976);
    r.keepOpenUnder({ dirs: [], maxOpen: 100, openFilesLimit: 20_000 });
    expect(r.maxOpen).toBe(100);
    r.keepOpenUnder({ dirs: [], maxOpen: 100, openFilesLimit: undefined });
    expect(r.maxOpen).toBe(100);
  });

  it('reads this process\'s own soft limit from /proc/self/limits', () => {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s+/)[3];
    expect(ownOpenFilesLimit()).toBe(soft === 'unlimited' ? -1 : Number(soft));
    expect(ownOpenFilesLimit('/nonexistent/limits')).toBeUndefined();
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
