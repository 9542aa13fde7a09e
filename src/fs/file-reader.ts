import { closeSync, openSync, readSync, statfsSync } from 'node:fs';
import { GoneError, ReadError, isGoneErrno } from '../errors.js';

/** statfs f_type of cgroupfs (v1) and cgroup2: kernfs files whose fds may be kept and re-read. */
const CGROUP_FS_TYPES = new Set([0x27e0eb, 0x63677270]);

export interface KeepOpenOptions {
  /** Directories under which files may stay open between reads; only cgroup filesystems qualify. */
  dirs: readonly string[];
  /** Upper bound on kept descriptors; further files are opened and closed per read. */
  maxOpen: number;
}

/**
 * Synchronous whole-file reads of kernel pseudo-files into one reused buffer.
 *
 * Why sync and why one buffer: cgroup and proc files report st_size 0, so readFileSync allocates
 * 64 KiB per call, and per-file promises cost 20-60x more CPU (design notes, perf floor). We read
 * until EOF, growing the buffer when a file (memory.stat on many CPUs, usage_percpu) outgrows it.
 *
 * Optionally (keepOpenUnder) cgroup files stay open and are re-read from offset 0 each cycle: kernfs
 * regenerates their content on every read, and a read on a descriptor of a removed cgroup fails
 * with ENODEV, so nothing stale can come back. That saves the open and close of every file (about
 * two thirds of a read). Only cgroup filesystems qualify: a regular file's descriptor would keep
 * showing a deleted file's old content, and a /proc/<pid>/net/dev descriptor would pin the
 * network namespace of an exited process. Call sweep() once per cycle to close what was not read.
 */
export class FileReader {
  #buf: Buffer;
  #keepDirs: string[] = [];
  #maxOpen = 0;
  #kept = new Map<string, number>();
  #used = new Set<string>();

  constructor(initialSize = 16 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialSize);
  }

  /** Keeps files under these directories open between reads, where they are cgroup filesystems. */
  keepOpenUnder(opts: KeepOpenOptions): void {
    this.#maxOpen = opts.maxOpen;
    this.#keepDirs = opts.dirs
      .filter((dir) => {
        try {
          return CGROUP_FS_TYPES.has(Number(statfsSync(dir).type));
        } catch {
          return false;
        }
      })
      .map((dir) => (dir.endsWith('/') ? dir : dir + '/'));
  }

  /** Descriptors currently kept open. */
  get keptOpen(): number {
    return this.#kept.size;
  }

  /** Whole file as text. Throws GoneError when the file or its owner vanished, ReadError otherwise. */
  read(path: string): string {
    if (this.#maxOpen > 0 && this.#keepDirs.some((d) => path.startsWith(d))) return this.#readKept(path);
    const fd = this.#open(path);
    try {
      return this.#readAll(fd, path);
    } finally {
      closeSync(fd);
    }
  }

  /** Like read(), but a missing file yields undefined (optional files: memory.peak, *.pressure). */
  readOptional(path: string): string | undefined {
    try {
      return this.read(path);
    } catch (err) {
      if (err instanceof GoneError) return undefined;
      throw err;
    }
  }

  /** Closes kept descriptors that were not read since the last sweep (their cgroup is no longer collected). */
  sweep(): void {
    for (const [path, fd] of this.#kept) {
      if (this.#used.has(path)) continue;
      closeSync(fd);
      this.#kept.delete(path);
    }
    this.#used.clear();
  }

  /** Closes every kept descriptor. */
  close(): void {
    for (const fd of this.#kept.values()) closeSync(fd);
    this.#kept.clear();
    this.#used.clear();
  }

  #readKept(path: string): string {
    const kept = this.#kept.get(path);
    if (kept !== undefined) {
      try {
        const text = this.#readAll(kept, path);
        this.#used.add(path);
        return text;
      } catch (err) {
        closeSync(kept);
        this.#kept.delete(path);
        // ENODEV: this cgroup was removed; a new one may live at the same path now, so open afresh.
        if (!(err instanceof GoneError)) throw err;
      }
    }
    const fd = this.#open(path);
    let keep = false;
    try {
      const text = this.#readAll(fd, path);
      keep = this.#kept.size < this.#maxOpen;
      return text;
    } finally {
      if (keep) {
        this.#kept.set(path, fd);
        this.#used.add(path);
      } else {
        closeSync(fd);
      }
    }
  }

  #open(path: string): number {
    try {
      return openSync(path, 'r');
    } catch (err) {
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    }
  }

  #readAll(fd: number, path: string): string {
    try {
      let total = 0;
      for (;;) {
        if (total === this.#buf.length) {
          const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
          this.#buf.copy(bigger, 0, 0, total);
          this.#buf = bigger;
        }
        const n = readSync(fd, this.#buf, total, this.#buf.length - total, total);
        if (n === 0) break;
        total += n;
      }
      return this.#buf.toString('utf8', 0, total);
    } catch (err) {
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    }
  }
}
