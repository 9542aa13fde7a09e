import { stat, statfs, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadError } from '../errors.js';
import type { FsUsageSample } from '../discovery/target.js';
import type { FileReader } from '../fs/file-reader.js';
import type { DiskStat } from '../procfs/diskstats.js';
import { globalFilesystems, type GlobalFilesystem } from '../procfs/filesystems.js';
import { parseMounts } from '../procfs/mounts.js';
import { readDiskstats, type ProcFs } from '../procfs/proc-fs.js';
import type { RootDiskIoSample } from './sample.js';

/** cAdvisor gives each statfs 2 s (fs/vfs/stats.go); a hung NFS server must not hold the cycle. */
export const STATFS_DEADLINE_MS = 2000;

export interface RootDiskOptions {
  proc: ProcFs;
  /** Where the host's / is mounted (paths.rootfs): mount points are statfs-ed under it. */
  rootfsRoot: string;
  reader: FileReader;
  /** Filesystems reported at most; the rest are cut (counted). */
  maxFilesystems: number;
  statfsDeadlineMs?: number;
}

export interface RootDiskRead {
  /** container_fs_{usage,limit}_bytes and inodes of "/" (when usage was asked for). */
  usage?: FsUsageSample[];
  /** /proc/diskstats per filesystem (when I/O was asked for). */
  io?: RootDiskIoSample[];
  failures: { what: string; error: unknown }[];
  /** Filesystems left out by maxFilesystems. */
  cut: number;
}

interface StatfsResult {
  capacityBytes: number;
  freeBytes: number;
  inodes: number;
  inodesFree: number;
}

/**
 * The filesystems cAdvisor reports on the root container "/" (fs.GetGlobalFsInfo): the mounts of
 * the host's mount namespace (<proc>/1/mountinfo, so it works from a DaemonSet with the host's
 * /proc mounted), chosen and labelled as procfs/filesystems.ts says; statfs of each for usage and
 * inodes, and its /proc/diskstats line (matched by major:minor) for I/O.
 *
 * statfs runs on libuv's thread pool with a deadline: a mount whose statfs has not returned (a hung
 * NFS server) is left out of this cycle and not asked again until that call returns, so at most one
 * thread per hung mount is ever tied up.
 */
export class RootDiskReader {
  #opts: RootDiskOptions;
  /** Mount point and device of each statfs still in flight (one path may hold several mounts, stacked). */
  #pending = new Set<string>();
  /**
   * The filesystems chosen from the last mountinfo text, reused while the next read returns the very
   * same text: with a tmpfs and overlays per pod the file is hundreds of lines, and it changes only
   * when something is mounted or unmounted. (btrfs device numbers looked up for it are reused too.)
   */
  #chosen: { mountinfo: string; filesystems: GlobalFilesystem[] } | undefined;

  constructor(opts: RootDiskOptions) {
    this.#opts = opts;
  }

  async read(want: { usage: boolean; io: boolean }): Promise<RootDiskRead> {
    const out: RootDiskRead = { failures: [], cut: 0 };
    if (!want.usage && !want.io) return out;
    const { proc, reader } = this.#opts;
    let filesystems: GlobalFilesystem[];
    const mountinfo = proc.path(1, 'mountinfo');
    try {
      filesystems = this.#filesystems(reader.read(mountinfo), mountinfo);
    } catch (err) {
      out.failures.push({ what: mountinfo, error: err });
      return out;
    }
    if (filesystems.length > this.#opts.maxFilesystems) {
      out.cut = filesystems.length - this.#opts.maxFilesystems;
      filesystems = filesystems.slice(0, this.#opts.maxFilesystems);
    }
    if (want.io) {
      try {
        out.io = diskIo(filesystems, readDiskstats(proc, reader));
      } catch (err) {
        out.failures.push({ what: proc.path('diskstats'), error: err });
      }
    }
    if (want.usage) out.usage = await this.#usage(filesystems, out.failures);
    return out;
  }

  #filesystems(text: string, file: string): GlobalFilesystem[] {
    if (this.#chosen?.mountinfo === text) return this.#chosen.filesystems;
    this.#chosen = undefined;
    const filesystems = globalFilesystems(parseMounts(text, file), (source) => this.#blockDevice(source));
    this.#chosen = { mountinfo: text, filesystems };
    return filesystems;
  }

  async #usage(filesystems: readonly GlobalFilesystem[], failures: RootDiskRead['failures']): Promise<FsUsageSample[]> {
    const deadline = this.#opts.statfsDeadlineMs ?? STATFS_DEADLINE_MS;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadline);
    });
    try {
      const results = await Promise.all(
        filesystems.map(async (fs) => {
          const path = join(this.#opts.rootfsRoot, fs.mountPoint);
          if (this.#pending.has(pendingKey(path, fs))) {
            failures.push({ what: path, error: new ReadError(path, `statfs still has not returned from an earlier cycle`) });
            return undefined;
          }
          const r = await Promise.race([this.#statfs(path, fs), expired]);
          if (r === 'expired') {
            failures.push({ what: path, error: new ReadError(path, `statfs did not return within ${deadline} ms`) });
            return undefined;
          }
          if (r === 'elsewhere') return undefined;
          if (r instanceof Error) {
            // A mount that went away since mountinfo was read is churn, not an error.
            if ((r as NodeJS.ErrnoException).code !== 'ENOENT') failures.push({ what: path, error: new ReadError(path, r) });
            return undefined;
          }
          return { device: fs.device, usageBytes: r.capacityBytes - r.freeBytes, limitBytes: r.capacityBytes, inodesTotal: r.inodes, inodesFree: r.inodesFree };
        }),
      );
      return results.filter((x): x is NonNullable<typeof x> => x !== undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves to the numbers, to the error, or to 'elsewhere' when the path under paths.rootfs is not
   * on that filesystem (its st_dev is not the mount's major:minor: the host root is mounted without
   * its submounts, or this is not the host); never rejects. The path stays pending until the calls return.
   */
  #statfs(path: string, fs: GlobalFilesystem): Promise<StatfsResult | Error | 'elsewhere'> {
    const key = pendingKey(path, fs);
    this.#pending.add(key);
    return new Promise((resolve) => {
      const done = (r: StatfsResult | Error | 'elsewhere'): void => {
        this.#pending.delete(key);
        resolve(r);
      };
      // Plain numbers, not BigInt: st_dev is at most 32 bits (new_encode_dev), and the statfs
      // counts are exact up to 2^53, as the byte products were once converted to Number anyway.
      stat(path, (err, st) => {
        if (err) return done(err);
        if (st.dev !== makedev(fs.major, fs.minor)) return done('elsewhere');
        statfs(path, (err2, s) => {
          if (err2) return done(err2);
          done({ capacityBytes: s.blocks * s.bsize, freeBytes: s.bfree * s.bsize, inodes: s.files, inodesFree: s.ffree });
        });
      });
    });
  }

  /** btrfs mounts show major 0 in mountinfo; the block device node under the host root has the real numbers. */
  #blockDevice(source: string): { major: number; minor: number } | undefined {
    try {
      const st = statSync(join(this.#opts.rootfsRoot, source), { bigint: true });
      if (!st.isBlockDevice()) return undefined;
      const rdev = st.rdev;
      return { major: Number((rdev >> 8n) & 0xfffn), minor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n)) };
    } catch {
      return undefined;
    }
  }
}

function pendingKey(path: string, fs: GlobalFilesystem): string {
  return `${path}\u0000${fs.device}`;
}

/** Linux's new_encode_dev (what stat's st_dev holds) for major:minor; unsigned 32 bits. */
export function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/**
 * Each filesystem's /proc/diskstats line, by major:minor, in seconds. cAdvisor divides these
 * millisecond counters by 1e9 (prometheus.go: `float64(fs.ReadTime) / float64(time.Second)`), which
 * makes them a million times too small; here they are converted correctly (ms / 1000).
 */
export function diskIo(filesystems: readonly GlobalFilesystem[], disks: readonly DiskStat[]): RootDiskIoSample[] {
  const byDev = new Map<string, DiskStat>();
  for (const d of disks) byDev.set(`${d.major}:${d.minor}`, d);
  const ms = (v: number | undefined): number | undefined => (v === undefined ? undefined : v / 1000);
  const out: RootDiskIoSample[] = [];
  for (const fs of filesystems) {
    const d = byDev.get(`${fs.major}:${fs.minor}`);
    if (d === undefined) continue;
    out.push({
      device: fs.device,
      reads: d.readsCompleted,
      readsMerged: d.readsMerged,
      sectorsRead: d.sectorsRead,
      readSeconds: ms(d.readTimeMs),
      writes: d.writesCompleted,
      writesMerged: d.writesMerged,
      sectorsWritten: d.sectorsWritten,
      writeSeconds: ms(d.writeTimeMs),
      ioInProgress: d.ioInProgress,
      ioSeconds: ms(d.ioTimeMs),
      weightedIoSeconds: ms(d.weightedIoTimeMs),
    });
  }
  return out;
}
