import { statSync } from 'node:fs';
import { GoneError, ReadError, errnoOf } from '../../errors.js';
import type { FileReader } from '../../fs/file-reader.js';
import { CgroupDir, cgroupDirOf, compact, procsOf } from '../cgroup-dir.js';
import type { CgroupLayout } from '../layout.js';
import { nsToSeconds } from '../parse.js';
import { deviceLabel, type CgroupReadOptions } from '../read-options.js';
import type { CgroupRead, CgroupLimits, FileFailure } from '../limits.js';
import type { BlockIoDevice, CgroupStats, CpuSpec, CpuStats, MemoryStats, PidsStats } from '../stats.js';
import { parseBlkioThrottle, type BlkioThrottleDevice } from './blkio.js';
import { parseCfsPeriodUs, parseCfsQuotaUs, parseCpuShares, parseCpuStatV1 } from './cpu.js';
import { parseCpuacctStat, parseCpuacctUsage } from './cpuacct.js';
import {
  parseMemoryFailcnt,
  parseMemoryLimitInBytes,
  parseMemoryKmemUsageInBytes,
  parseMemoryMaxUsageInBytes,
  parseMemoryOomControl,
  parseMemorySoftLimitInBytes,
  parseMemoryStatV1,
  parseMemoryUsageInBytes,
  parseMemoryUseHierarchy,
  parseMemswLimitInBytes,
  selectMemoryStatV1,
} from './memory.js';
import { parsePidsCurrent, parsePidsMax } from './pids.js';

/**
 * The controllers podpulse reads. Other hierarchies (cpuset, devices, name=systemd, ...) are used
 * only for cgroup.procs, and only when the cgroup is in none of these.
 */
const CONTROLLERS = ['cpuacct', 'cpu', 'memory', 'pids', 'blkio'] as const;

/**
 * One cgroup's statistics from the v1 hierarchies in `layout.v1` (controllers not mounted are
 * skipped), and its limits. With `opts.limits` the limit files are not read and the existing
 * hierarchies are not checked. Throws GoneError when the cgroup is gone. A file that cannot be read
 * or parsed loses only its own values and is listed in `failures`. The first file read is
 * cpuacct.usage (or the first mounted controller's core file), so a cgroup that vanished before
 * the read fails fast.
 */
export function readCgroupV1(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  opts: CgroupReadOptions = {},
): CgroupRead {
  const failures: FileFailure[] = [];
  const dirs = hierarchyDirs(layout, cgroupPath, reader, opts.limits?.v1Hierarchies, failures);
  // In no hierarchy: gone, unless a hierarchy could not be checked (then that is the error, not "gone").
  if (dirs.size === 0) throw failures[0]?.error ?? new GoneError(cgroupPath);
  const dirOf = (controller: string): CgroupDir | undefined => {
    const mount = layout.v1.get(controller);
    return mount === undefined ? undefined : dirs.get(mount);
  };
  const cpuacct = dirOf('cpuacct');
  const cpu = dirOf('cpu');
  const memory = dirOf('memory');
  const pids = dirOf('pids');
  const blkio = dirOf('blkio');
  const stats: CgroupStats = {};

  const cpuStats: CpuStats = {};
  if (cpuacct !== undefined) {
    cpuStats.usageSeconds = cpuacct.value('cpuacct.usage', (t) => nsToSeconds(parseCpuacctUsage(t)));
    const stat = cpuacct.value('cpuacct.stat', (t) => parseCpuacctStat(t, opts.userHz ?? 100));
    cpuStats.userSeconds = stat?.userSeconds;
    cpuStats.systemSeconds = stat?.systemSeconds;
  }
  const limits = opts.limits ?? readLimitsV1(dirs, cpu, memory, pids);
  if (cpu !== undefined && limits.cpu !== undefined) {
    stats.cpuSpec = { ...limits.cpu };
    if (limits.cpu.quotaUs !== undefined && limits.cpu.quotaUs !== null) {
      const stat = cpu.value('cpu.stat', parseCpuStatV1);
      cpuStats.periods = stat?.nrPeriods;
      cpuStats.throttledPeriods = stat?.nrThrottled;
      cpuStats.throttledSeconds = stat?.throttledTimeNs === undefined ? undefined : nsToSeconds(stat.throttledTimeNs);
      // Kernels before 5.14 have no CFS burst, so a cpu.stat without the keys means none happened.
      if (stat !== undefined) {
        cpuStats.burstPeriods = stat.nrBursts ?? 0;
        cpuStats.burstSeconds = stat.burstTimeNs === undefined ? 0 : nsToSeconds(stat.burstTimeNs);
      }
    }
  }
  const cpuOut = compact(cpuStats);
  if (cpuOut) stats.cpu = cpuOut;

  if (memory !== undefined) {
    const memOut = compact(readMemory(memory, limits));
    if (memOut) stats.memory = memOut;
  }

  if (pids !== undefined) {
    // The root cgroup has no pids.current.
    const pidsOut = compact<PidsStats>({
      current: pids.optionalValue('pids.current', parsePidsCurrent),
      max: limits.pidsMax,
    });
    if (pidsOut) stats.pids = pidsOut;
  }

  if (blkio !== undefined) {
    const io = readBlkio(blkio, opts);
    if (io) stats.io = io;
  }

  // cAdvisor counts processes in the cpu hierarchy; any hierarchy lists the same ones.
  const procsDir = cpu ?? cpuacct ?? memory ?? pids ?? blkio ?? dirs.values().next().value;
  const pidList = procsDir?.value('cgroup.procs', procsOf);
  if (pidList !== undefined) stats.processes = pidList.length;

  for (const dir of dirs.values()) dir.confirm();
  const read: CgroupRead = { stats, limits, failures };
  if (pidList !== undefined && procsDir !== undefined) read.procs = { file: `${procsDir.path}/cgroup.procs`, pids: pidList };
  return read;
}

/**
 * The cgroup's directory in each hierarchy that holds it, by mount dir. `known` (from an earlier
 * read) names those hierarchies. Without it, each one is checked with stat before any file
 * is read. This check cannot be replaced by "a failed first read of a controller means the cgroup
 * is not in that hierarchy": runc removes a container's directories one hierarchy at a time, so a
 * cgroup removed halfway through a read would then yield a partial snapshot instead of GoneError.
 * A directory that cannot be checked (EACCES, ELOOP, ENOTDIR) is left out and listed in `failures`.
 */
function hierarchyDirs(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  known: ReadonlySet<string> | undefined,
  failures: FileFailure[],
): Map<string, CgroupDir> {
  const dirs = new Map<string, CgroupDir>();
  const add = (mount: string): void => {
    if (dirs.has(mount) || (known !== undefined && !known.has(mount))) return;
    const path = cgroupDirOf(mount, cgroupPath);
    if (known === undefined && !isDirectory(path, failures)) return;
    dirs.set(mount, new CgroupDir(reader, path, failures));
  };
  for (const controller of CONTROLLERS) {
    const mount = layout.v1.get(controller);
    if (mount !== undefined) add(mount);
  }
  // In none of them (raw discovery walks the first hierarchy when memory, cpu and cpuacct are not
  // mounted): cgroup.procs from the first hierarchy, which lists the same processes.
  if (dirs.size === 0) {
    const first = layout.v1.values().next().value;
    if (first !== undefined) add(first);
  }
  return dirs;
}

/** Whether `path` is a directory; false when absent, and false with a recorded failure when it cannot be checked. */
function isDirectory(path: string, failures: FileFailure[]): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && st.isDirectory();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    failures.push({ path, error: new ReadError(path, err) });
    return false;
  }
}

/** The limits files of the hierarchies that hold the cgroup. */
function readLimitsV1(
  dirs: ReadonlyMap<string, CgroupDir>,
  cpu: CgroupDir | undefined,
  memory: CgroupDir | undefined,
  pids: CgroupDir | undefined,
): CgroupLimits {
  const limits: CgroupLimits = { v1Hierarchies: new Set(dirs.keys()) };
  if (cpu !== undefined) {
    const cpuSpec = compact<CpuSpec>({
      quotaUs: cpu.value('cpu.cfs_quota_us', parseCfsQuotaUs),
      periodUs: cpu.value('cpu.cfs_period_us', parseCfsPeriodUs),
      shares: cpu.value('cpu.shares', parseCpuShares),
    });
    if (cpuSpec) limits.cpu = cpuSpec;
  }
  if (memory !== undefined) {
    const limit = memory.value('memory.limit_in_bytes', parseMemoryLimitInBytes);
    if (limit !== undefined) limits.memoryLimitBytes = limit;
    // Exists only with swap accounting (swapaccount=1): without it no memory+swap limit applies (null, as cAdvisor's 0).
    const memsw = memory.optionalOr('memory.memsw.limit_in_bytes', parseMemswLimitInBytes, null);
    if (memsw !== undefined) limits.swapLimitBytes = memsw;
    const soft = memory.optionalValue('memory.soft_limit_in_bytes', parseMemorySoftLimitInBytes);
    if (soft !== undefined) limits.reservationLimitBytes = soft;
    // A missing (or unusable) knob reads as on: non-hierarchical mode is deprecated and current kernels fix it at 1.
    limits.memoryHierarchical = memory.optionalValue('memory.use_hierarchy', parseMemoryUseHierarchy) ?? true;
  }
  if (pids !== undefined) {
    // The root cgroup has no pids.max.
    const max = pids.optionalValue('pids.max', parsePidsMax);
    if (max !== undefined) limits.pidsMax = max;
  }
  return limits;
}

function readMemory(dir: CgroupDir, limits: CgroupLimits): MemoryStats {
  const usage = dir.value('memory.usage_in_bytes', parseMemoryUsageInBytes);
  const stat = dir.value('memory.stat', (t) => selectMemoryStatV1(parseMemoryStatV1(t), limits.memoryHierarchical ?? true));
  const inactive = stat?.inactiveFileBytes;
  return {
    usageBytes: usage,
    // Without memory.stat the working set is unknown, not the usage.
    workingSetBytes: usage === undefined || stat === undefined ? undefined : inactive === undefined ? usage : Math.max(0, usage - inactive),
    rssBytes: stat?.rssBytes,
    cacheBytes: stat?.cacheBytes,
    swapBytes: stat?.swapBytes,
    mappedFileBytes: stat?.mappedFileBytes,
    maxUsageBytes: dir.value('memory.max_usage_in_bytes', parseMemoryMaxUsageInBytes),
    failcnt: dir.value('memory.failcnt', parseMemoryFailcnt),
    limitBytes: limits.memoryLimitBytes,
    swapLimitBytes: limits.swapLimitBytes,
    reservationLimitBytes: limits.reservationLimitBytes,
    // Absent where the kernel has no kmem accounting files.
    kernelUsageBytes: dir.optionalValue('memory.kmem.usage_in_bytes', parseMemoryKmemUsageInBytes),
    oomKills: dir.optionalValue('memory.oom_control', parseMemoryOomControl),
    activeFileBytes: stat?.activeFileBytes,
    inactiveFileBytes: inactive,
    pageFaults: stat?.pgfault,
    majorPageFaults: stat?.pgmajfault,
  };
}

/** `_recursive` first (includes descendants), the plain file on kernels without it, as cAdvisor does. */
function readBlkioFile(dir: CgroupDir, base: string): BlkioThrottleDevice[] | undefined {
  const recursive = `${base}_recursive`;
  let absent = false;
  const devices = dir.guard(recursive, () => {
    const text = dir.optional(recursive);
    absent = text === undefined;
    return text === undefined ? undefined : parseBlkioThrottle(text, recursive);
  });
  // Present but unusable: its values are missing, not replaced by the plain file's (which lack descendants).
  if (!absent) return devices;
  return dir.optionalValue(base, (t) => parseBlkioThrottle(t, base));
}

function readBlkio(dir: CgroupDir, opts: CgroupReadOptions): BlockIoDevice[] | undefined {
  const bytes = readBlkioFile(dir, 'blkio.throttle.io_service_bytes');
  const serviced = readBlkioFile(dir, 'blkio.throttle.io_serviced');
  if (bytes === undefined && serviced === undefined) return undefined;
  const devices = new Map<string, BlockIoDevice>();
  const deviceFor = (d: BlkioThrottleDevice): BlockIoDevice => {
    const key = `${d.major}:${d.minor}`;
    let out = devices.get(key);
    if (out === undefined) {
      out = { major: d.major, minor: d.minor, device: deviceLabel(opts, d.major, d.minor) };
      devices.set(key, out);
    }
    return out;
  };
  for (const d of bytes ?? []) {
    const out = deviceFor(d);
    const read = d.ops.get('Read');
    const write = d.ops.get('Write');
    if (read !== undefined) out.readBytes = read;
    if (write !== undefined) out.writeBytes = write;
    if (d.ops.size > 0) out.opBytes = Object.fromEntries(d.ops);
  }
  for (const d of serviced ?? []) {
    const out = deviceFor(d);
    const read = d.ops.get('Read');
    const write = d.ops.get('Write');
    if (read !== undefined) out.reads = read;
    if (write !== undefined) out.writes = write;
  }
  return [...devices.values()].sort((a, b) => a.major - b.major || a.minor - b.minor);
}
