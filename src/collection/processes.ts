import type { CgroupLayout } from '../cgroup/layout.js';
import { readCgroupPids } from '../cgroup/procs.js';
import { GoneError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { readPidCmdline } from '../procfs/pid-cmdline.js';
import { readPidStatus } from '../procfs/pid-status.js';
import { readPidStat, type ProcFs } from '../procfs/proc-fs.js';
import type { PidStat } from '../procfs/pid-stat.js';

/** One process of a container as the per_process metric group reports it (base units). */
export interface ProcessSample {
  pid: number;
  /** /proc/<pid>/stat comm: the executable name, up to 15 bytes. */
  comm: string;
  /** utime + stime of the process's threads (children that were waited for are not included). */
  cpuSeconds: number;
  /** VmRSS; undefined for zombies. */
  rssBytes?: number;
  threads: number;
}

/** Everything `podpulse ps` shows of one process. */
export interface ProcessDetail extends ProcessSample {
  ppid: number;
  state: string;
  /** Real uid. */
  uid: number;
  vszBytes?: number;
  /** Unix seconds: boot time + starttime / USER_HZ. */
  startTimeSeconds: number;
  argv: readonly string[];
}

/** USER_HZ, the tick of /proc/<pid>/stat times: sysconf(_SC_CLK_TCK), 100 on every mainstream Linux build. */
export const USER_HZ = 100;

/** A cgroup may hold thousands of tasks: no more than this many pids are read per cgroup and cycle. */
export const MAX_PIDS_READ = 1024;

export interface ProcessReadOptions {
  /** USER_HZ (sysconf(_SC_CLK_TCK)); 100 on every mainstream Linux build. */
  userHz: number;
  /** /proc/<pid>/stat through a cache of the cycle; default: a read. */
  stat?: (pid: number) => PidStat;
}

export interface ProcessRead<T> {
  processes: T[];
  /** Files that could not be read or parsed (not the ones of processes that exited meanwhile). */
  failures: { path: string; error: unknown }[];
  /** cgroup.procs listed more pids than MAX_PIDS_READ. */
  truncated: boolean;
}

/** /proc/<pid>/stat and status of one process; GoneError when it exited. */
export function readProcessSample(proc: ProcFs, pid: number, reader: FileReader, opts: ProcessReadOptions): ProcessSample {
  const stat = opts.stat ? opts.stat(pid) : readPidStat(proc, pid, reader);
  const status = readPidStatus(proc, pid, reader);
  const out: ProcessSample = { pid, comm: stat.comm, cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / opts.userHz, threads: status.threads };
  if (status.rssBytes !== undefined) out.rssBytes = status.rssBytes;
  return out;
}

/** readProcessSample plus the command line, owner and start time. */
export function readProcessDetail(proc: ProcFs, pid: number, reader: FileReader, opts: ProcessReadOptions & { bootTimeSeconds: number }): ProcessDetail {
  const stat = readPidStat(proc, pid, reader);
  const status = readPidStatus(proc, pid, reader);
  const argv = readPidCmdline(proc, pid, reader);
  const out: ProcessDetail = {
    pid,
    comm: stat.comm,
    cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / opts.userHz,
    threads: status.threads,
    ppid: stat.ppid,
    state: stat.state,
    uid: status.uids[0],
    startTimeSeconds: opts.bootTimeSeconds + stat.starttimeTicks / opts.userHz,
    argv,
  };
  if (status.rssBytes !== undefined) out.rssBytes = status.rssBytes;
  if (status.vszBytes !== undefined) out.vszBytes = status.vszBytes;
  return out;
}

/**
 * Reads each process of a cgroup with `read`. A process that exits between cgroup.procs and its
 * files is left out quietly; any other failure is listed and loses only that process. Throws
 * GoneError when the cgroup itself vanished.
 */
export function readCgroupProcesses<T>(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  read: (pid: number) => T,
): ProcessRead<T> {
  const pids = readCgroupPids(layout, cgroupPath, reader);
  const out: ProcessRead<T> = { processes: [], failures: [], truncated: pids.length > MAX_PIDS_READ };
  for (const pid of pids.slice(0, MAX_PIDS_READ)) {
    try {
      out.processes.push(read(pid));
    } catch (err) {
      if (err instanceof GoneError) continue;
      out.failures.push({ path: `pid ${pid}`, error: err });
    }
  }
  return out;
}

/** The `max` processes that used the most CPU (then the most memory, then the lowest pid). */
export function busiest<T extends ProcessSample>(processes: readonly T[], max: number): T[] {
  return [...processes]
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds || (b.rssBytes ?? 0) - (a.rssBytes ?? 0) || a.pid - b.pid)
    .slice(0, max);
}
