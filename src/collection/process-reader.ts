import { readlinkSync } from 'node:fs';
import { cgroupDirOf } from '../cgroup/cgroup-dir.js';
import type { CgroupLayout } from '../cgroup/layout.js';
import { pidListMountOf } from '../cgroup/procs.js';
import { GoneError, errnoOf } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { countFds } from '../procfs/fd-dir.js';
import { parseMaxOpenFiles } from '../procfs/limits.js';
import { parsePidList } from '../procfs/pid-list.js';
import { readPidStat, type ProcFs } from '../procfs/proc-fs.js';
import type { PidStat } from '../procfs/pid-stat.js';
import { noTasks, taskStateOf, type TaskStates } from '../procfs/task-state.js';
import type { ProcessStatsSample } from './sample.js';

/** What to read for one cgroup (from the read plan, and whether pids.current already gave the threads). */
export interface ProcessWants {
  /** /proc/<pid>/fd of every process: container_file_descriptors, container_sockets. */
  fds: boolean;
  /** /proc/<root pid>/limits: container_ulimits_soft. */
  ulimits: boolean;
  /** The task list's length: container_threads where the pids controller is off. */
  taskCount: boolean;
  /** /proc/<tid>/stat of every task: container_tasks_state and the load averages. */
  taskStates: boolean;
}

export interface ProcessReadLimits {
  /** Processes whose fd directory, and tasks whose stat file, are read per cgroup per cycle. */
  maxPids: number;
  /** fd entries read per cgroup per cycle, over all its processes. */
  maxFds: number;
}

/** Entries a cap left unread in one read; the counts it gave are then lower bounds. */
export interface ProcessCuts {
  /** Processes whose fd directory was not read. */
  pids: number;
  /** Tasks whose stat file was not read. */
  tasks: number;
  /** fd directories whose listing stopped at the cap. */
  fdLists: number;
  /** Processes whose fd directory, or some of whose fd links, were refused (EACCES/EPERM: no CAP_SYS_PTRACE over them). */
  fdForbidden: number;
}

/** What the caller already read this cycle, and the clock for the cached limits. */
export interface ProcessReadContext {
  /**
   * The cgroup's cgroup.procs as its cgroup read parsed it (file: its path): used instead of a
   * second read when it is the very file this reader would read.
   */
  procs?: { file: string; pids: readonly number[] };
  /** /proc/<pid>/stat through the cycle's shared cache (throws GoneError when the task is gone); default: a read. */
  pidStat?: (pid: number) => PidStat;
  /** now() of this cycle; with it, the root's open-files limit is re-read only every limitsRefreshMs. */
  nowMs?: number;
  /** How long a root process's limit is reused (default 60 s); a clock that went back re-reads it. */
  limitsRefreshMs?: number;
}

export interface ProcessRead {
  sample: ProcessStatsSample;
  /** Failures other than a process exiting; each lost only the values it would have given. */
  failures: { what: string; error: unknown }[];
  cuts: ProcessCuts;
}

/**
 * Reads a cgroup's processes and tasks through /proc: descriptor and socket counts, the root
 * process's open-files limit, and task states (cAdvisor's processStatsFromProcs and its netlink
 * load reader, the latter computed here from /proc/<tid>/stat instead).
 *
 * Bounded: at most maxPids processes (fd directories) and maxPids tasks (stat files) per cgroup, and
 * maxFds fd entries in all; what a cap cut is returned in `cuts`. A process that exits mid-read
 * loses only its own values (GoneError is expected churn); any other failure of one process drops
 * the values it feeds (fds and sockets, or task states) for this cgroup this cycle, rather than
 * report a count that silently misses it. Never throws for one process's sake.
 */
export class ProcessReader {
  #proc: ProcFs;
  #reader: FileReader;
  #layout: CgroupLayout;
  #limits: ProcessReadLimits;
  /** Per cgroup: its root process's open-files limit, which rarely changes, and when it was read. */
  #ulimits = new Map<string, { pid: number; soft: number | undefined; atMs: number }>();
  /** This process's pid as the procfs at #proc.root numbers it (null: not known there), resolved once. */
  #selfPid: number | null | undefined;

  constructor(proc: ProcFs, reader: FileReader, layout: CgroupLayout, limits: ProcessReadLimits) {
    this.#proc = proc;
    this.#reader = reader;
    this.#layout = layout;
    this.#limits = limits;
  }

  /**
   * @param rootPid the container's root process when discovery knows it (the sandbox pid, 1 for "/");
   *   otherwise the process of cgroup.procs whose parent is outside the cgroup.
   */
  read(cgroupPath: string, rootPid: number | undefined, wants: ProcessWants, ctx: ProcessReadContext = {}): ProcessRead {
    const out: ProcessRead = { sample: {}, failures: [], cuts: { pids: 0, tasks: 0, fdLists: 0, fdForbidden: 0 } };
    const dir = this.#dir(cgroupPath);
    if (dir === undefined) return out;
    const fail = (what: string, error: unknown): void => {
      out.failures.push({ what, error });
    };
    // A cgroup removed since its cgroup files were read: its lists are gone, and so are its values.
    const list = (file: string): readonly number[] | undefined => {
      // dir is a cgroupDirOf result and file a plain name: what join would give, without its cost.
      const path = dir.endsWith('/') ? dir + file : `${dir}/${file}`;
      if (ctx.procs !== undefined && ctx.procs.file === path) return ctx.procs.pids;
      try {
        return parsePidList(this.#reader.read(path), path);
      } catch (err) {
        if (!(err instanceof GoneError)) fail(path, err);
        return undefined;
      }
    };
    const readStat = ctx.pidStat ?? ((pid: number) => readPidStat(this.#proc, pid, this.#reader));

    // Each pid's stat once per read (a failed one is tried, and reported, again where it is needed again).
    const stats = new Map<number, PidStat | null>();
    const stat = (pid: number): PidStat | null | 'failed' => {
      const known = stats.get(pid);
      if (known !== undefined) return known;
      try {
        const v = readStat(pid);
        stats.set(pid, v);
        return v;
      } catch (err) {
        if (err instanceof GoneError) {
          stats.set(pid, null);
          return null;
        }
        fail(this.#proc.path(pid, 'stat'), err);
        return 'failed';
      }
    };

    if (wants.taskCount || wants.taskStates) {
      const tids = list(this.#layout.mode === 'v2' ? 'cgroup.threads' : 'tasks');
      if (tids !== undefined) {
        if (wants.taskCount) out.sample.tasks = tids.length;
        if (wants.taskStates) {
          const states = this.#taskStates(tids, stat, out.cuts);
          if (states !== undefined) out.sample.taskStates = states;
        }
      }
    }

    if (wants.fds || (wants.ulimits && rootPid === undefined)) {
      const pids = list('cgroup.procs');
      if (pids !== undefined) {
        if (wants.fds) this.#fds(pids, out, fail);
        if (wants.ulimits) {
          const root = rootPid ?? this.#rootOf(pids, stat);
          if (root !== undefined) this.#ulimit(cgroupPath, root, ctx, out, fail);
        }
      }
    } else if (wants.ulimits && rootPid !== undefined) {
      this.#ulimit(cgroupPath, rootPid, ctx, out, fail);
    }
    return out;
  }

  /** Forgets the cached limits of cgroups no longer read. */
  retain(keep: (cgroupPath: string) => boolean): void {
    for (const path of this.#ulimits.keys()) if (!keep(path)) this.#ulimits.delete(path);
  }

  /** v2: the unified dir; v1/hybrid: the cpu hierarchy, where cAdvisor reads cgroup.procs, else any mounted one. */
  #dir(cgroupPath: string): string | undefined {
    const l = this.#layout;
    const mount = pidListMountOf(l);
    return mount === undefined ? undefined : cgroupDirOf(mount, cgroupPath);
  }

  #taskStates(tids: readonly number[], stat: (pid: number) => PidStat | null | 'failed', cuts: ProcessCuts): TaskStates | undefined {
    const states = noTasks();
    const n = Math.min(tids.length, this.#limits.maxPids);
    cuts.tasks += tids.length - n;
    let failed = false;
    for (let i = 0; i < n; i++) {
      const s = stat(tids[i]!);
      if (s === 'failed') failed = true;
      else if (s !== null) {
        const bucket = taskStateOf(s.state);
        if (bucket !== undefined) states[bucket]++;
      }
    }
    return failed ? undefined : states;
  }

  #fds(pids: readonly number[], out: ProcessRead, fail: (what: string, error: unknown) => void): void {
    let fds = 0;
    let sockets = 0;
    let failed = false;
    let socketsUnknown = false;
    const n = Math.min(pids.length, this.#limits.maxPids);
    out.cuts.pids += pids.length - n;
    for (let i = 0; i < n; i++) {
      const left = this.#limits.maxFds - fds;
      if (left <= 0) {
        out.cuts.fdLists++;
        out.cuts.pids += n - i - 1;
        break;
      }
      const pid = pids[i]!;
      const path = this.#proc.path(pid, 'fd');
      try {
        const c = pid === this.#ownPid() ? countFds(path, left, this.#ownKeptFile) : countFds(path, left);
        fds += c.fds;
        sockets += c.sockets;
        if (c.truncated) out.cuts.fdLists++;
        if (c.linksRefused > 0) {
          socketsUnknown = true;
          out.cuts.fdForbidden++;
        }
      } catch (err) {
        if (err instanceof GoneError) continue;
        failed = true;
        // Without CAP_SYS_PTRACE root may not list the fds of a process with more capabilities than
        // itself: a deployment choice, counted as a skip, not a failure of the source.
        if (isForbidden(err)) out.cuts.fdForbidden++;
        else fail(path, err);
        break;
      }
    }
    if (failed) return;
    out.sample.fileDescriptors = fds;
    if (!socketsUnknown) out.sample.sockets = sockets;
  }

  /**
   * The agent's own pid in the procfs it reads: `<root>/self` names the reader in that procfs' pid
   * namespace (the host's with hostPID), so a pid that merely has the same number in another
   * namespace is never taken for ours.
   */
  #ownPid(): number | null {
    if (this.#selfPid === undefined) {
      try {
        const n = Number(readlinkSync(this.#proc.path('self')));
        this.#selfPid = Number.isInteger(n) && n > 0 ? n : null;
      } catch {
        this.#selfPid = null;
      }
    }
    return this.#selfPid;
  }

  /** Our kept cgroup and /proc files are regular files: counted as descriptors, never readlink'ed as socket candidates. */
  #ownKeptFile = (fdName: string): boolean => this.#reader.holdsKept(Number(fdName));

  /** The process whose parent is outside the cgroup, lowest pid first (usually the first one looked at). */
  #rootOf(pids: readonly number[], stat: (pid: number) => PidStat | null | 'failed'): number | undefined {
    const members = new Set(pids);
    const sorted = [...pids].sort((a, b) => a - b);
    const n = Math.min(sorted.length, this.#limits.maxPids);
    for (let i = 0; i < n; i++) {
      const s = stat(sorted[i]!);
      if (s === 'failed') return undefined;
      if (s !== null && !members.has(s.ppid)) return sorted[i];
    }
    return undefined;
  }

  /**
   * The root process's soft open-files limit: read on the cgroup's first read, when its root process
   * changed, and every limitsRefreshMs (like the cgroup's own limits; prlimit on a running process
   * is rare). A failed or vanished read is not kept.
   */
  #ulimit(cgroupPath: string, pid: number, ctx: ProcessReadContext, out: ProcessRead, fail: (what: string, error: unknown) => void): void {
    const { nowMs } = ctx;
    const cached = this.#ulimits.get(cgroupPath);
    if (nowMs !== undefined && cached !== undefined && cached.pid === pid) {
      const age = nowMs - cached.atMs;
      if (age >= 0 && age < (ctx.limitsRefreshMs ?? 60_000)) {
        if (cached.soft !== undefined) out.sample.maxOpenFilesSoft = cached.soft;
        return;
      }
    }
    this.#ulimits.delete(cgroupPath);
    const path = this.#proc.path(pid, 'limits');
    try {
      const soft = parseMaxOpenFiles(this.#reader.read(path), path)?.soft;
      if (soft !== undefined) out.sample.maxOpenFilesSoft = soft;
      if (nowMs !== undefined) this.#ulimits.set(cgroupPath, { pid, soft, atMs: nowMs });
    } catch (err) {
      if (!(err instanceof GoneError)) fail(path, err);
    }
  }
}

function isForbidden(err: unknown): boolean {
  const code = errnoOf(err instanceof Error ? err.cause : undefined);
  return code === 'EACCES' || code === 'EPERM';
}
