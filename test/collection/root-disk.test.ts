import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskIo, makedev, RootDiskReader } from '../../src/collection/root-disk.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { parseDiskstats } from '../../src/procfs/diskstats.js';
import { globalFilesystems } from '../../src/procfs/filesystems.js';
import { parseMounts } from '../../src/procfs/mounts.js';
import { ProcFs } from '../../src/procfs/proc-fs.js';

const FIXTURE = new URL('../fixtures/proc-process/proc/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('diskIo: /proc/diskstats of the "/" filesystems', () => {
  it('matches the captured root filesystem by major:minor and turns ms into true seconds', () => {
    const fs = globalFilesystems(parseMounts(readFileSync(join(FIXTURE, '1/mountinfo'), 'utf8')));
    const io = diskIo(fs, parseDiskstats(readFileSync(join(FIXTURE, 'diskstats'), 'utf8')));
    // Only /dev/vda (254:0) is a block device; tmpfs and overlay (major 0) have no diskstats line.
    expect(io).toEqual([
      {
        device: '/dev/vda',
        reads: 579660,
        readsMerged: 38547,
        sectorsRead: 57680626,
        readSeconds: 279.53,
        writes: 3734989,
        writesMerged: 2007684,
        sectorsWritten: 74431664,
        writeSeconds: 1292.365,
        ioInProgress: 0,
        ioSeconds: 608.892,
        weightedIoSeconds: 2090.541,
      },
    ]);
  });
});

describe('RootDiskReader', () => {
  /** A host root of one real directory, "mounted" at / and /data with this machine's device numbers. */
  function host(): { proc: string; rootfs: string } {
    const base = mkdtempSync(join(tmpdir(), 'podpulse-rootdisk-'));
    dirs.push(base);
    const rootfs = join(base, 'rootfs');
    mkdirSync(join(rootfs, 'data'), { recursive: true });
    const proc = join(base, 'proc');
    mkdirSync(join(proc, '1'), { recursive: true });
    const dev = statSync(rootfs, { bigint: true }).dev;
    const major = Number((dev >> 8n) & 0xfffn);
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xfff00n));
    writeFileSync(
      join(proc, '1/mountinfo'),
      [
        `1 0 ${major}:${minor} / / rw - ext4 /dev/test-root rw`,
        `2 1 ${major}:${minor} / /data rw - tmpfs tmpfs rw`,
        // A mount the rootfs does not show (another device): left out, not reported with the wrong numbers.
        `3 1 ${major + 1}:${minor} / /data rw - xfs /dev/other rw`,
        // A mount point that is not there: churn, not an error.
        `4 1 0:99 / /gone rw - tmpfs tmpfs rw`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(proc, 'diskstats'), `${String(major).padStart(4)} ${String(minor).padStart(7)} test 1 2 3 4000 5 6 7 8000 9 10000 11000\n`);
    return { proc, rootfs };
  }

  it('reports statfs of each filesystem under paths.rootfs, and their diskstats', async () => {
    const { proc, rootfs } = host();
    const r = await new RootDiskReader({ proc: new ProcFs(proc), rootfsRoot: rootfs, reader: new FileReader(), maxFilesystems: 10 }).read({ usage: true, io: true });
    expect(r.failures).toEqual([]);
    expect(r.cut).toBe(0);
    const s = statfsSync(rootfs);
    const expected = { usageBytes: (s.blocks - s.bfree) * s.bsize, limitBytes: s.blocks * s.bsize, inodesTotal: s.files };
    expect(r.usage?.map((u) => u.device).sort()).toEqual(['/data', '/dev/test-root']);
    for (const u of r.usage ?? []) {
      expect(u).toMatchObject({ limitBytes: expected.limitBytes, inodesTotal: expected.inodesTotal });
      // Another test may write to the same filesystem between the two statfs calls.
      expect(Math.abs((u.usageBytes ?? 0) - expected.usageBytes)).toBeLessThan(64 * 1024 * 1024);
    }
    expect(r.io?.map((d) => [d.device, d.reads, d.readSeconds, d.weightedIoSeconds])).toEqual([
      ['/dev/test-root', 1, 4, 11],
      ['/data', 1, 4, 11],
    ]);
  });

  it('reads nothing for what is off, and cuts at maxFilesystems', async () => {
    const { proc, rootfs } = host();
    const r0 = await new RootDiskReader({ proc: new ProcFs('/nonexistent'), rootfsRoot: rootfs, reader: new FileReader(), maxFilesystems: 10 }).read({ usage: false, io: false });
    expect(r0).toEqual({ failures: [], cut: 0 });
    const r = await new RootDiskReader({ proc: new ProcFs(proc), rootfsRoot: rootfs, reader: new FileReader(), maxFilesystems: 1 }).read({ usage: true, io: false });
    expect(r.cut).toBe(3);
    expect(r.usage?.map((u) => u.device)).toEqual(['/dev/test-root']);
    expect(r.io).toBeUndefined();
  });

  it('follows mountinfo from cycle to cycle: the same text gives the same filesystems and values, a new mount is reported at once', async () => {
    const { proc, rootfs } = host();
    const reader = new RootDiskReader({ proc: new ProcFs(proc), rootfsRoot: rootfs, reader: new FileReader(), maxFilesystems: 10 });
    const a = await reader.read({ usage: true, io: false });
    const b = await reader.read({ usage: true, io: false });
    const shape = (r: typeof a) => r.usage?.map((u) => [u.device, u.limitBytes, u.inodesTotal]);
    expect(b.failures).toEqual([]);
    expect(shape(b)).toEqual(shape(a));
    const s = statfsSync(rootfs);
    for (const u of b.usage ?? []) expect(u).toMatchObject({ limitBytes: s.blocks * s.bsize, inodesTotal: s.files });
    // A pod's tmpfs mounted between two cycles: the next cycle reports it; unmounted: gone again.
    const dev = statSync(rootfs).dev;
    const majmin = `${(dev >> 8) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;
    const before = readFileSync(join(proc, '1/mountinfo'), 'utf8');
    writeFileSync(join(proc, '1/mountinfo'), `${before}9 1 ${majmin} / /data/pod-shm rw - tmpfs shm rw\n`);
    mkdirSync(join(rootfs, 'data/pod-shm'));
    const c = await reader.read({ usage: true, io: false });
    expect(c.usage?.map((u) => u.device).sort()).toEqual(['/data', '/data/pod-shm', '/dev/test-root']);
    writeFileSync(join(proc, '1/mountinfo'), before);
    const d = await reader.read({ usage: true, io: false });
    expect(d.usage?.map((u) => u.device).sort()).toEqual(['/data', '/dev/test-root']);
  });

  it('makedev gives the st_dev stat reports, also for minors above 255 (anonymous tmpfs and overlay devices)', () => {
    const ref = (major: number, minor: number): number => Number((BigInt(minor) & 0xffn) | (BigInt(major) << 8n) | ((BigInt(minor) & ~0xffn) << 12n));
    for (const [ma, mi] of [[0, 0], [8, 1], [254, 0], [0, 45], [0, 1234], [259, 65_536], [4095, 0xfffff]] as const) expect(makedev(ma, mi)).toBe(ref(ma, mi));
    const st = statSync(tmpdir());
    expect(makedev((st.dev >> 8) & 0xfff, (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00))).toBe(st.dev);
  });

  it('a missing mountinfo is one failure, no exception', async () => {
    const r = await new RootDiskReader({ proc: new ProcFs('/nonexistent'), rootfsRoot: '/', reader: new FileReader(), maxFilesystems: 10 }).read({ usage: true, io: true });
    expect(r.failures).toHaveLength(1);
    expect(r.usage).toBeUndefined();
  });
});
