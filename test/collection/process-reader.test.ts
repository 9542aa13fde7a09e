import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { ProcessReader, type ProcessWants } from '../../src/collection/process-reader.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { ProcFs } from '../../src/procfs/proc-fs.js';
import { RecordingReader } from '../cgroup/recording-reader.js';

/** Captured on this kernel (test/fixtures/README.md, proc-process): sh busy loop (R), sleep (S), a stopped bash (T), python with 2 sockets (S). */
const FIXTURE = new URL('../fixtures/proc-process/', import.meta.url).pathname;
const ALL: ProcessWants = { fds: true, ulimits: true, taskCount: true, taskStates: true };
const copies: string[] = [];
afterAll(() => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));

function reader(root = FIXTURE, limits = { maxPids: 100, maxFds: 1000 }, mode: 'v1' | 'v2' = 'v1'): ProcessReader {
  const layout: CgroupLayout = mode === 'v1' ? { mode, v1: new Map([['cpu', root]]) } : { mode, v1: new Map(), unified: root };
  return new ProcessReader(new ProcFs(join(root, 'proc')), new FileReader(), layout, limits);
}

function copy(): string {
  const d = mkdtempSync(join(tmpdir(), 'podpulse-proc-'));
  copies.push(d);
  cpSync(FIXTURE, d, { recursive: true, verbatimSymlinks: true });
  return d;
}

describe('ProcessReader on a captured process group', () => {
  it('counts fds, sockets, tasks by state and the root process\'s open-files limit', () => {
    const r = reader().read('/cgroup', undefined, ALL);
    expect(r.failures).toEqual([]);
    expect(r.cuts).toEqual({ pids: 0, tasks: 0, fdLists: 0, fdForbidden: 0 });
    expect(r.sample).toEqual({
      fileDescriptors: 5 + 5 + 5 + 7,
      sockets: 2,
      // The root process is the lowest pid whose parent (29681, the shell) is outside the cgroup.
      maxOpenFilesSoft: 20000,
      tasks: 4,
      taskStates: { running: 1, sleeping: 2, stopped: 1, uninterruptible: 0 },
    });
  });

  it('reads nothing it is not asked for', () => {
    expect(reader().read('/cgroup', undefined, { fds: false, ulimits: false, taskCount: false, taskStates: true }).sample).toEqual({
      taskStates: { running: 1, sleeping: 2, stopped: 1, uninterruptible: 0 },
    });
    expect(reader().read('/cgroup', 29689, { fds: false, ulimits: true, taskCount: false, taskStates: false }).sample).toEqual({ maxOpenFilesSoft: 20000 });
  });

  it('caps processes, tasks and fd entries, and counts what was cut', () => {
    const r = reader(FIXTURE, { maxPids: 2, maxFds: 8 }).read('/cgroup', undefined, ALL);
    // Two processes (5 fds each) fit the pid cap; the fd cap stops the second listing at 3.
    expect(r.sample.fileDescriptors).toBe(8);
    expect(r.sample.taskStates).toEqual({ running: 1, sleeping: 1, stopped: 0, uninterruptible: 0 });
    expect(r.cuts).toEqual({ pids: 2, tasks: 2, fdLists: 1, fdForbidden: 0 });
  });

  it('a process that exited mid-read loses only its own values', () => {
    const d = copy();
    rmSync(join(d, 'proc/29689'), { recursive: true });
    const r = reader(d).read('/cgroup', undefined, ALL);
    expect(r.failures).toEqual([]);
    expect(r.sample).toMatchObject({ fileDescriptors: 15, sockets: 0, tasks: 4, taskStates: { running: 1, sleeping: 1, stopped: 1, uninterruptible: 0 } });
  });

  it('a malformed stat drops the task states (not a partial count) and is reported; the rest stays', () => {
    const d = copy();
    writeFileSync(join(d, 'proc/29687/stat'), 'garbage\n');
    const r = reader(d).read('/cgroup', undefined, ALL);
    expect(r.failures.map((f) => f.what)).toEqual([join(d, 'proc/29687/stat')]);
    expect(r.sample.taskStates).toBeUndefined();
    expect(r.sample.fileDescriptors).toBe(22);
  });

  it('a cgroup gone since its cgroup files were read gives nothing and no failure', () => {
    const r = reader().read('/no-such-cgroup', undefined, ALL);
    expect(r).toEqual({ sample: {}, failures: [], cuts: { pids: 0, tasks: 0, fdLists: 0, fdForbidden: 0 } });
  });

  it('reads cgroup.threads on v2', () => {
    const d = copy();
    writeFileSync(join(d, 'cgroup/cgroup.threads'), '29686\n29689\n');
    expect(reader(d, undefined, 'v2').read('/cgroup', undefined, { fds: false, ulimits: false, taskCount: true, taskStates: true }).sample).toEqual({
      tasks: 2,
      taskStates: { running: 1, sleeping: 1, stopped: 0, uninterruptible: 0 },
    });
  });

  it('takes cgroup.procs from the cgroup read when it is the same file, instead of reading it again', () => {
    const d = copy();
    const fileReader = new RecordingReader();
    const r = new ProcessReader(new ProcFs(join(d, 'proc')), fileReader, { mode: 'v1', v1: new Map([['cpu', d]]) }, { maxPids: 100, maxFds: 1000 });
    const procs = join(d, 'cgroup/cgroup.procs');
    const pids = readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number);
    const given = r.read('/cgroup', undefined, ALL, { procs: { file: procs, pids } });
    expect(fileReader.take(d).filter((p) => p.endsWith('cgroup.procs'))).toEqual([]);
    expect(given).toEqual(reader(d).read('/cgroup', undefined, ALL));
    // Another file (another hierarchy's list) is not taken for this one.
    r.read('/cgroup', undefined, ALL, { procs: { file: join(d, 'other/cgroup.procs'), pids: [] } });
    expect(fileReader.take(d).filter((p) => p.endsWith('cgroup.procs'))).toEqual(['cgroup/cgroup.procs']);
  });

  it('re-reads the root process\'s limits only when they are limitsRefreshMs old or the root process changed', () => {
    const d = copy();
    const fileReader = new RecordingReader();
    const r = new ProcessReader(new ProcFs(join(d, 'proc')), fileReader, { mode: 'v1', v1: new Map([['cpu', d]]) }, { maxPids: 100, maxFds: 1000 });
    const want: ProcessWants = { fds: false, ulimits: true, taskCount: false, taskStates: false };
    const limitsReads = () => fileReader.take(d).filter((p) => p.endsWith('/limits'));
    const at = (nowMs: number, pid = 29689) => r.read('/cgroup', pid, want, { nowMs, limitsRefreshMs: 60_000 }).sample.maxOpenFilesSoft;
    expect(at(1_000)).toBe(20000);
    expect(limitsReads()).toEqual(['proc/29689/limits']);
    writeFileSync(join(d, 'proc/29689/limits'), 'Limit  Soft Limit  Hard Limit  Units\nMax open files            4096                 4096                 files\n');
    expect(at(30_000)).toBe(20000); // the kept value, no read
    expect(limitsReads()).toEqual([]);
    expect(at(61_000)).toBe(4096);
    expect(limitsReads()).toEqual(['proc/29689/limits']);
    expect(at(500)).toBe(4096); // a clock that went back re-reads
    expect(limitsReads()).toEqual(['proc/29689/limits']);
    // Another root process: read at once.
    expect(at(600, 29686)).toBe(readLimit(d, 29686));
    expect(limitsReads()).toEqual(['proc/29686/limits']);
    // A cgroup no longer read is forgotten.
    r.retain(() => false);
    at(700, 29686);
    expect(limitsReads()).toEqual(['proc/29686/limits']);
  });
});

function readLimit(root: string, pid: number): number {
  const line = readFileSync(join(root, `proc/${pid}/limits`), 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]);
}

describe('ProcessReader on its own process (real /proc)', () => {
  it('counts its own kept files as descriptors without readlink, and its sockets exactly', async () => {
    const fileReader = new FileReader();
    fileReader.keepOpenUnder({ dirs: [], maxOpen: 200, openFilesLimit: 20_000 });
    fileReader.keepPidFilesUnder('/proc');
    const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).slice(0, 20);
    // Kept from their second cycle in a row on.
    for (let cycle = 0; cycle < 2; cycle++) {
      for (const pid of pids) {
        try {
          fileReader.read(`/proc/${pid}/stat`);
          fileReader.read(`/proc/${pid}/status`);
        } catch {
          // a process that exited meanwhile
        }
      }
      fileReader.sweep();
    }
    expect(fileReader.keptOpen).toBeGreaterThan(10);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const d = mkdtempSync(join(tmpdir(), 'podpulse-self-'));
      copies.push(d);
      mkdirSync(join(d, 'x'));
      const procs = join(d, 'x/cgroup.procs');
      writeFileSync(procs, `${process.pid}\n`);
      const r = new ProcessReader(new ProcFs('/proc'), fileReader, { mode: 'v1', v1: new Map([['cpu', d]]) }, { maxPids: 100, maxFds: 100_000 });
      const wants: ProcessWants = { fds: true, ulimits: false, taskCount: false, taskStates: false };
      const got = r.read('/x', undefined, wants, { procs: { file: procs, pids: [process.pid] } });
      const names = readdirSync('/proc/self/fd');
      let sockets = 0;
      let kept = 0;
      for (const n of names) {
        if (fileReader.holdsKept(Number(n))) kept++;
        try {
          if (readlinkSync(`/proc/self/fd/${n}`).startsWith('socket')) sockets++;
        } catch {
          // the descriptor readdir itself used
        }
      }
      expect(kept).toBe(fileReader.keptOpen);
      expect(sockets).toBeGreaterThanOrEqual(1); // the listening server
      expect(got.sample.sockets).toBe(sockets);
      expect(got.sample.fileDescriptors).toBeGreaterThanOrEqual(names.length - 1);
      expect(got.sample.fileDescriptors).toBeLessThanOrEqual(names.length + 1);
    } finally {
      server.close();
      fileReader.close();
    }
  });

  it('counts a socket opened between two reads under a descriptor number a regular file had before (nothing is carried over from the last read)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'podpulse-self-'));
    copies.push(d);
    mkdirSync(join(d, 'x'));
    const procs = join(d, 'x/cgroup.procs');
    writeFileSync(procs, `${process.pid}\n`);
    const r = new ProcessReader(new ProcFs('/proc'), new FileReader(), { mode: 'v1', v1: new Map([['cpu', d]]) }, { maxPids: 100, maxFds: 100_000 });
    const wants: ProcessWants = { fds: true, ulimits: false, taskCount: false, taskStates: false };
    const socketsNow = (): number =>
      readdirSync('/proc/self/fd').filter((n) => {
        try {
          return readlinkSync(`/proc/self/fd/${n}`).startsWith('socket');
        } catch {
          return false; // the descriptor readdir itself used
        }
      }).length;
    const file = openSync(procs, 'r');
    const first = r.read('/x', undefined, wants, { procs: { file: procs, pids: [process.pid] } }).sample;
    const before = socketsNow();
    expect(first.sockets).toBe(before);
    // The lowest free number is handed out: the socket takes the number the file just gave up.
    closeSync(file);
    const server = createServer().listen(0, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => server.once('listening', resolve));
      expect(readlinkSync(`/proc/self/fd/${file}`)).toMatch(/^socket:/);
      const second = r.read('/x', undefined, wants, { procs: { file: procs, pids: [process.pid] } }).sample;
      expect(second.sockets).toBe(socketsNow());
      expect(second.sockets).toBe((first.sockets ?? 0) + 1);
    } finally {
      server.close();
    }
  });
});
