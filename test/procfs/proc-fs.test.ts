import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GoneError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import {
  ProcFs,
  readCpuinfo,
  readDiskstats,
  readMeminfo,
  readNetDev,
  readPidStat,
} from '../../src/procfs/proc-fs.js';

const FIXTURE_PROC = fileURLToPath(new URL('../fixtures/proc-samples/proc', import.meta.url));
/** The pid whose stat and net/dev were captured (see test/fixtures/README.md). */
const FIXTURE_PID = 10265;

describe('ProcFs', () => {
  it('joins parts under the root', () => {
    const proc = new ProcFs('/host/proc');
    expect(proc.root).toBe('/host/proc');
    expect(proc.path('meminfo')).toBe('/host/proc/meminfo');
    expect(proc.path(42, 'net', 'dev')).toBe('/host/proc/42/net/dev');
  });

  it('gives what path.join gives, for any root and parts', () => {
    for (const root of ['/proc', '/proc/', '/', 'rel/proc', './proc', '/host//proc/.']) {
      const proc = new ProcFs(root);
      for (const parts of [['meminfo'], [42, 'stat'], ['self', 'net', 'dev'], ['..', 'x'], ['a/b', 'c'], ['']]) {
        expect(proc.path(...parts), `${root} ${parts.join(',')}`).toBe(join(root, ...parts.map(String)));
      }
    }
  });
});

describe('readers on the captured fixtures', () => {
  const proc = new ProcFs(FIXTURE_PROC);
  const reader = new FileReader();

  it('readMeminfo', () => {
    const m = readMeminfo(proc, reader);
    expect(m.MemTotal).toBe(24684084 * 1024);
    expect(m.SwapTotal).toBe(0);
    expect(m.HugePages_Total).toBe(0);
    expect(Object.keys(m)).toHaveLength(54);
  });

  it('readCpuinfo', () => {
    expect(readCpuinfo(proc, reader)).toEqual({ processors: 2, physicalCores: 2, sockets: 1 });
  });

  it('readDiskstats', () => {
    const disks = readDiskstats(proc, reader);
    expect(disks.map((d) => d.device)).toEqual([
      '/dev/loop0',
      '/dev/loop1',
      '/dev/loop2',
      '/dev/loop3',
      '/dev/loop4',
      '/dev/loop5',
      '/dev/loop6',
      '/dev/loop7',
      '/dev/vda',
      '/dev/zram0',
    ]);
    expect(disks[8]).toMatchObject({ major: 254, minor: 0, readsCompleted: 75359, writesCompleted: 10953, flushTimeMs: 41 });
  });

  it('readPidStat', () => {
    expect(readPidStat(proc, FIXTURE_PID, reader)).toMatchObject({
      pid: FIXTURE_PID,
      comm: 'sh',
      state: 'S',
      ppid: 10258,
      numThreads: 1,
      starttimeTicks: 44124,
      vsizeBytes: 2654208,
      rssPages: 386,
      processor: 1,
    });
  });

  it('readNetDev', () => {
    const ifaces = readNetDev(proc, FIXTURE_PID, reader);
    expect(ifaces.map((i) => i.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(ifaces[3]).toMatchObject({ rxBytes: 207104216, rxPackets: 5978, txBytes: 430183, txPackets: 3709 });
  });

  it('throws GoneError for a pid that does not exist', () => {
    expect(() => readPidStat(proc, 999999, reader)).toThrow(GoneError);
    expect(() => readNetDev(proc, 999999, reader)).toThrow(GoneError);
  });

  it('names the real path in a ParseError', () => {
    const root = mkdtempSync(join(tmpdir(), 'podpulse-procfs-'));
    try {
      writeFileSync(join(root, 'meminfo'), 'MemTotal:   many kB\n');
      expect(() => readMeminfo(new ProcFs(root), reader)).toThrow(`${join(root, 'meminfo')}: MemTotal`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('readers on this host (live /proc)', () => {
  const proc = new ProcFs('/proc');
  const reader = new FileReader();

  it('reads our own stat and network namespace', () => {
    const self = readPidStat(proc, process.pid, reader);
    expect(self.pid).toBe(process.pid);
    expect(self.ppid).toBe(process.ppid);
    expect(self.state).toBe('R');
    expect(self.numThreads).toBeGreaterThan(1);
    const ifaces = readNetDev(proc, process.pid, reader);
    expect(ifaces.some((i) => i.name === 'lo')).toBe(true);
  });

  it('parses the host files and every pid currently listed in /proc (vanished pids are GoneError)', () => {
    expect(readMeminfo(proc, reader).MemTotal).toBeGreaterThan(0);
    expect(readDiskstats(proc, reader).length).toBeGreaterThan(0);
    const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
    let parsed = 0;
    for (const pid of pids) {
      try {
        const s = readPidStat(proc, pid, reader);
        expect(s.pid).toBe(pid);
        parsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(GoneError);
      }
    }
    expect(parsed).toBeGreaterThan(1);
  });
});
