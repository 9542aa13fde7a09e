import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statfsSync, type Stats } from 'node:fs';
import { FileTooLargeError, GoneError, NotRegularFileError, ReadError, isGoneErrno } from '../errors.js';

/**
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer (forever), before any
 * fstat could refuse it. Regular files ignore the flag. O_NOCTTY: a tty put in place of a kernel
 * file must not become our controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Per-file bound: memory.stat, or usage_percpu of 1,000 CPUs, are tens of KiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * A kept descriptor's read that returns less than this (and less than asked) was the whole file.
 * Kept files are seq_file-backed (cgroup files; /proc/<pid>/stat, status, schedstat): those show one
 * record, returned whole, or pid lists, whose reads stop short of the end only when the next record
 * does not fit the kernel's page-sized buffer, i.e. after more than a page minus a few bytes. So
 * the read at EOF, which returns 0, can be left out (a third of a kept read's cost).
 */
const KEPT_SHORT_READ_IS_EOF = 2048;

/** The reused buffer keeps at most this much between reads; a larger file's buffer is let go after it. */
const RETAINED_BUFFER_BYTES = 64 * 1024;

/** statfs f_type of cgroupfs (v1) and cgroup2: kernfs files whose fds may be kept and re-read. */
const CGROUP_FS_TYPES = new Set([0x27e0eb, 0x63677270]);

/** statfs f_type of procfs (PROC_SUPER_MAGIC). */
const PROC_FS_TYPE = 0x9fa0;

/**
 * /proc/<pid>/ files read every cycle whose every read looks the task up again through the struct pid the open
 * pinned (proc_single_show, proc_pid_limits): once that task is reaped, a read of the kept
 * descriptor fails with ESRCH, and a later process that gets the same pid number has another
 * struct pid, so a kept descriptor can never show it. Not net/* (bound to the network namespace at
 * open: it keeps reading after the process exited), nor smaps_rollup (bound to the address space at
 * open, which execve replaces). Not limits either: it is read once a minute, and a kept descriptor
 * would hold a slot of the bound until the next sweep for nothing (proc_pid_limits is as safe).
 */
const PID_FILE = /^\d+\/(?:stat|status|schedstat)$/;

/**
 * /proc/<pid>/net/dev, opened and read every cycle (see PID_FILE for why not kept). On a procfs
 * mount (checked once, keepPidFilesUnder) it is the kernel's seq_file, a regular file whatever
 * the process does, so the fstat check is left out; and, seq_file-backed like the kept files, a
 * short first read is the whole file (KEPT_SHORT_READ_IS_EOF). Two of its five system calls.
 */
const PID_NET_DEV = /^\d+\/net\/dev$/;

/** Descriptors the kept ones always leave to everything else (sockets, gRPC, logs, per-cycle opens, fd listings). */
export const KEEP_OPEN_RESERVE = 1024;

/**
 * The kept descriptors a soft RLIMIT_NOFILE leaves room for: the limit minus a reserve (a quarter
 * of a small limit); undefined when the limit is unknown or unlimited (no bound from it).
 */
export function keepOpenRoom(softLimit: number | undefined): number | undefined {
  if (softLimit === undefined || softLimit < 0) return undefined;
  return Math.max(0, softLimit - Math.min(KEEP_OPEN_RESERVE, Math.ceil(softLimit / 4)));
}

/**
 * This process's soft RLIMIT_NOFILE from /proc/self/limits (Node raises it to the hard limit at
 * start); -1 for unlimited, undefined if unreadable. (procfs/limits.ts parses the same row for
 * containers, but fs/ sits below procfs/: this reads just the one number it needs.)
 */
export function ownOpenFilesLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  return soft === undefined ? undefined : soft === 'unlimited' ? -1 : Number(soft);
}

export interface FileReaderOptions {
  /** Initial size of the reused buffer (default 16 KiB). */
  initialSize?: number;
  /** Files longer than this are refused with FileTooLargeError (default 1 MiB). */
  maxFileBytes?: number;
}

export interface KeepOpenOptions {
  /** Directories under which files may stay open between reads; only cgroup filesystems qualify. */
  dirs: readonly string[];
  /**
   * Upper bound on kept descriptors (cgroup and /proc/<pid> files together); further files are
   * opened and closed per read. Lowered to what this process's RLIMIT_NOFILE leaves room for
   * (keepOpenRoom), unless `openFilesLimit` says otherwise.
   */
  maxOpen: number;
  /** The soft RLIMIT_NOFILE to respect; default this process's (/proc/self/limits). */
  openFilesLimit?: number;
}

/** openSync with the reader's flags; a vanished file or owner is GoneError, anything else ReadError. */
function openTyped(path: string): number {
  try {
    return openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
  }
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
 * with ENODEV, so nothing stale can come back. A file is kept from its second cycle in a row on
 * (between two sweeps), so files read now and then do not take the slots. That saves the open and close of every file (about
 * two thirds of a read). Only cgroup filesystems qualify: a regular file's descriptor would keep
 * showing a deleted file's old content, and a /proc/<pid>/net/dev descriptor would pin the
 * network namespace of an exited process. Call sweep() once per cycle to close what was not read.
 *
 * keepPidFilesUnder(procRoot) adds a few /proc/<pid>/ files (PID_FILE) under the same bound: their
 * descriptors fail with ESRCH once the task is gone, and are then reopened by path like a removed
 * cgroup's, so they give exactly what an open per read would.
 */
export class FileReader {
  #buf: Buffer;
  #initialSize: number;
  #maxFileBytes: number;
  #keepDirs: string[] = [];
  /** `<procRoot>/` when /proc/<pid> files may be kept. */
  #procDir: string | undefined;
  /** PID_FILE and PID_NET_DEV under #procDir, matched on the whole path (no slice per read). */
  #pidFile: RegExp | undefined;
  #pidNetDev: RegExp | undefined;
  #maxOpen = 0;
  #kept = new Map<string, number>();
  /** The descriptor numbers of #kept: regular files of ours, never sockets (see holdsKept). */
  #keptFds = new Set<number>();
  /**
   * Per kept file: the sweep generation it was last read in. A number set on an existing key, not
   * a set of paths refilled every cycle: thousands of entries re-added per cycle were garbage.
   */
  #usedIn = new Map<string, number>();
  #generation = 0;
  /**
   * Keepable files opened and closed since the last sweep, and those of the cycle before: a file is
   * kept from its second cycle in a row on, so what is read once (limits, each minute; the first
   * cycle's everything) never takes a slot that the files read every cycle need.
   */
  #seen = new Set<string>();
  #seenBefore = new Set<string>();
  /** Files read since the last sweep that would have been kept but for maxOpen. */
  #unkept = 0;
  #lastUnkept = 0;

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
    const room = keepOpenRoom('openFilesLimit' in opts ? opts.openFilesLimit : ownOpenFilesLimit());
    this.#maxOpen = room === undefined ? opts.maxOpen : Math.min(opts.maxOpen, room);
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

  /**
   * Also keeps PID_FILE files under procRoot open (same bound as keepOpenUnder's), where procRoot
   * is a procfs mount.
   */
  keepPidFilesUnder(procRoot: string): void {
    let isProc = false;
    try {
      isProc = Number(statfsSync(procRoot).type) === PROC_FS_TYPE;
    } catch {
      isProc = false;
    }
    this.#procDir = isProc ? (procRoot.endsWith('/') ? procRoot : procRoot + '/') : undefined;
    const under = (re: RegExp): RegExp | undefined =>
      this.#procDir === undefined ? undefined : new RegExp(`^${this.#procDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${re.source.slice(1)}`);
    this.#pidFile = under(PID_FILE);
    this.#pidNetDev = under(PID_NET_DEV);
  }

  /**
   * Whether this process holds descriptor `fd` as one of its kept files (a regular file, so not a
   * socket). The agent's own /proc/<pid>/fd lists every kept file: counting its sockets need not
   * readlink thousands of descriptors it opened itself (process-reader.ts).
   */
  holdsKept(fd: number): boolean {
    return this.#keptFds.has(fd);
  }

  /** Descriptors currently kept open. */
  get keptOpen(): number {
    return this.#kept.size;
  }

  /** The bound on kept descriptors in force (0: none kept). */
  get maxOpen(): number {
    return this.#maxOpen;
  }

  /** Files read between the last two sweeps that were opened and closed because the bound was full. */
  get unkeptLastCycle(): number {
    return this.#lastUnkept;
  }

  /**
   * Whole file as text. Throws GoneError when the file or its owner vanished, NotRegularFileError
   * or FileTooLargeError as above, ReadError otherwise.
   */
  read(path: string): string {
    if (this.#maxOpen > 0 && this.#keepable(path)) return this.#readKept(path);
    if (this.#isPidNetDev(path)) return this.#readPidNetDev(path);
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
    // Keys, not entries: an entry is a fresh [path, fd] array, thousands per cycle.
    for (const path of this.#kept.keys()) {
      if (this.#usedIn.get(path) === this.#generation) continue;
      const fd = this.#kept.get(path)!;
      closeSync(fd);
      this.#kept.delete(path);
      this.#keptFds.delete(fd);
      this.#usedIn.delete(path);
    }
    this.#generation++;
    const emptied = this.#seenBefore;
    emptied.clear();
    this.#seenBefore = this.#seen;
    this.#seen = emptied;
    this.#lastUnkept = this.#unkept;
    this.#unkept = 0;
  }

  /** Closes every kept descriptor. */
  close(): void {
    for (const fd of this.#kept.values()) closeSync(fd);
    this.#kept.clear();
    this.#keptFds.clear();
    this.#usedIn.clear();
    this.#seen.clear();
    this.#seenBefore.clear();
  }

  #keepable(path: string): boolean {
    for (const d of this.#keepDirs) if (path.startsWith(d)) return true;
    const proc = this.#procDir;
    return proc !== undefined && path.startsWith(proc) && this.#pidFile!.test(path);
  }

  #isPidNetDev(path: string): boolean {
    const proc = this.#procDir;
    return proc !== undefined && path.startsWith(proc) && this.#pidNetDev!.test(path);
  }

  #readPidNetDev(path: string): string {
    const fd = openTyped(path);
    try {
      return this.#readAll(fd, path, KEPT_SHORT_READ_IS_EOF);
    } finally {
      closeSync(fd);
    }
  }

  #readKept(path: string): string {
    const kept = this.#kept.get(path);
    if (kept !== undefined) {
      try {
        const text = this.#readAll(kept, path, KEPT_SHORT_READ_IS_EOF);
        this.#usedIn.set(path, this.#generation);
        return text;
      } catch (err) {
        closeSync(kept);
        this.#kept.delete(path);
        this.#keptFds.delete(kept);
        this.#usedIn.delete(path);
        // ENODEV: this cgroup was removed; ESRCH: this task was reaped. A new cgroup, or a new process
        // with the same pid, may live at the same path now: open afresh, as an open per read would.
        if (!(err instanceof GoneError)) throw err;
      }
    }
    const fd = this.#open(path);
    let keep = false;
    try {
      const text = this.#readAll(fd, path);
      if (this.#seenBefore.has(path)) {
        keep = this.#kept.size < this.#maxOpen;
        if (!keep) this.#unkept++;
      }
      if (!keep) this.#seen.add(path);
      return text;
    } finally {
      if (keep) {
        this.#kept.set(path, fd);
        this.#keptFds.add(fd);
        this.#usedIn.set(path, this.#generation);
      } else {
        closeSync(fd);
      }
    }
  }

  /** A descriptor of a regular file no longer than the bound (kept descriptors were checked here once). */
  #open(path: string): number {
    const fd = openTyped(path);
    let st: Stats;
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

  /** Until EOF; with `shortIsEof`, a first read shorter than that and than asked is taken as the whole file. */
  #readAll(fd: number, path: string, shortIsEof = 0): string {
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
        const asked = this.#buf.length - total;
        const n = readSync(fd, this.#buf, total, asked, total);
        if (n === 0) break;
        total += n;
        if (total === n && n < shortIsEof && n < asked) break;
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
