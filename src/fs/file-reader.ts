import { closeSync, constants, fstatSync, openSync, readSync, statfsSync, type Stats } from 'node:fs';
import { FileTooLargeError, GoneError, NotRegularFileError, ReadError, isGoneErrno } from '../errors.js';

/**
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer (forever), before any
 * fstat could refuse it. Regular files ignore the flag. O_NOCTTY: a tty put in place of a kernel
 * file must not become our controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Per-file bound: memory.stat, or usage_percpu of 1,000 CPUs, are tens of KiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** The reused buffer keeps at most this much between reads; a larger file's buffer is let go after it. */
const RETAINED_BUFFER_BYTES = 64 * 1024;

/** statfs f_type of cgroupfs (v1) and cgroup2: kernfs files whose fds may be kept and re-read. */
const CGROUP_FS_TYPES = new Set([0x27e0eb, 0x63677270]);

export interface FileReaderOptions {
  /** Initial size of the reused buffer (default 16 KiB). */
  initialSize?: number;
  /** Files longer than this are refused with FileTooLargeError (default 1 MiB). */
  maxFileBytes?: number;
}

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
 * Every read is bounded: a newly opened descriptor must be a regular file (kernfs, proc and sysfs
 * files are, with st_size 0 or 4096), or NotRegularFileError; at most maxFileBytes are read, or
 * FileTooLargeError. The buffer never grows past maxFileBytes + 1 and is shrunk back after a file
 * longer than 64 KiB, so one huge file cannot keep its memory.
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
  #initialSize: number;
  #maxFileBytes: number;
  #keepDirs: string[] = [];
  #maxOpen = 0;
  #kept = new Map<string, number>();
  #used = new Set<string>();

  constructor(opts: FileReaderOptions = {}) {
    this.#initialSize = Math.max(1, opts.initialSize ?? 16 * 1024);
    this.#maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#buf = Buffer.allocUnsafe(this.#initialSize);
  }

  /** Bytes held by the reused buffer now. */
  get bufferBytes(): number {
    return this.#buf.length;
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

  /**
   * Whole file as text. Throws GoneError when the file or its owner vanished, NotRegularFileError
   * or FileTooLargeError as above, ReadError otherwise.
   */
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

  /** A descriptor of a regular file no longer than the bound (kept descriptors were checked here once). */
  #open(path: string): number {
    let fd: number;
    let st: Stats;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (err) {
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    }
    try {
      st = fstatSync(fd);
    } catch (err) {
      closeSync(fd);
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    }
    if (!st.isFile()) {
      closeSync(fd);
      throw new NotRegularFileError(path, fileKind(st));
    }
    // Pseudo-files report 0 or 4096; a real file's size refuses it before a byte is read.
    if (st.size > this.#maxFileBytes) {
      closeSync(fd);
      throw new FileTooLargeError(path, this.#maxFileBytes);
    }
    return fd;
  }

  #readAll(fd: number, path: string): string {
    // One byte past the bound tells "exactly maxFileBytes" from "more".
    const limit = this.#maxFileBytes + 1;
    let total = 0;
    try {
      for (;;) {
        if (total === this.#buf.length) {
          if (total >= limit) break;
          const bigger = Buffer.allocUnsafe(Math.min(this.#buf.length * 2, limit));
          this.#buf.copy(bigger, 0, 0, total);
          this.#buf = bigger;
        }
        const n = readSync(fd, this.#buf, total, this.#buf.length - total, total);
        if (n === 0) break;
        total += n;
      }
      if (total > this.#maxFileBytes) throw new FileTooLargeError(path, this.#maxFileBytes);
      return this.#buf.toString('utf8', 0, total);
    } catch (err) {
      if (err instanceof FileTooLargeError) throw err;
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    } finally {
      if (this.#buf.length > RETAINED_BUFFER_BYTES) this.#buf = Buffer.allocUnsafe(Math.min(this.#initialSize, RETAINED_BUFFER_BYTES));
    }
  }
}

function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  return 'special file';
}
