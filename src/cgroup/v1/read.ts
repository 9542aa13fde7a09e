import { existsSync } from 'node:fs';
import { GoneError } from '../../errors.js';
import type { FileReader } from '../../fs/file-reader.js';
import { CgroupDir, cgroupDirOf, compact, countProcs } from '../cgroup-dir.js';
import type { CgroupLayout } from '../layout.js';
import { nsToSeconds } from '../parse.js';
import { deviceLabel, type CgroupReadOptions } from '../read-options.js';
import type { BlockIoDevice, CgroupStats, CpuSpec, CpuStats, MemoryStats, PidsStats } from '../stats.js';
import { parseBlkioThrottle, type BlkioThrottleDevice } from './blkio.js';
import { parseCfsPeriodUs, parseCfsQuotaUs, parseCpuShares, parseCpuStatV1 } from './cpu.js';
import { parseCpuacctStat, parseCpuacctUsage } from './cpuacct.js';
import {
  parseMemoryFailcnt,
  parseMemoryLimitInBytes,
  parseMemoryMaxUsageInBytes,
  parseMemoryOomControl,
  parseMemoryStatV1,
  parseMemoryUsageInBytes,
  parseMemoryUseHierarchy,
  parseMemswLimitInBytes,
  selectMemoryStatV1,
} from './memory.js';
import { parsePidsCurrent, parsePidsMax } from './pids.js';

/**
 * One cgroup's statistics from the v1 hierarchies in `layout.v1` (controllers not mounted are
 * skipped). Throws GoneError when the cgroup is gone, ParseError on a malformed known value.
 * The first file read is cpuacct.usage (or the first mounted controller's core file), so a cgroup
 * that vanished before the read fails fast.
 */
export function readCgroupV1(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  opts: CgroupReadOptions = {},
): CgroupStats {
  const dirs = new Map<string, CgroupDir | null>();
  // A cgroup need not exist in every hierarchy (systemd or a supervisor may create it in memory
  // only), so each controller is read only where its directory exists, as cAdvisor's raw handler
  // does. A directory that disappears after this check still ends the read with GoneError.
  const dirOf = (controller: string): CgroupDir | undefined => {
    const mount = layout.v1.get(controller);
    if (mount === undefined) return undefined;
    let dir = dirs.get(mount);
    if (dir === undefined) {
      const path = cgroupDirOf(mount, cgroupPath);
      dir = existsSync(path) ? new CgroupDir(reader, path) : null;
      dirs.set(mount, dir);
    }
    return dir ?? undefined;
  };

  const stats: CgroupStats = {};
  const cpuacct = dirOf('cpuacct');
  const cpu = dirOf('cpu');
  const memory = dirOf('memory');
  const pids = dirOf('pids');
  const blkio = dirOf('blkio');

  const cpuStats: CpuStats = {};
  if (cpuacct !== undefined) {
    cpuStats.usageSeconds = nsToSeconds(parseCpuacctUsage(cpuacct.read('cpuacct.usage')));
    const stat = parseCpuacctStat(cpuacct.read('cpuacct.stat'), opts.userHz ?? 100);
    cpuStats.userSeconds = stat.userSeconds;
    cpuStats.systemSeconds = stat.systemSeconds;
  }
  if (cpu !== undefined) {
    const stat = parseCpuStatV1(cpu.read('cpu.stat'));
    cpuStats.periods = stat.nrPeriods;
    cpuStats.throttledPeriods = stat.nrThrottled;
    cpuStats.throttledSeconds = stat.throttledTimeNs === undefined ? undefined : nsToSeconds(stat.throttledTimeNs);
    const spec: CpuSpec = {
      quotaUs: parseCfsQuotaUs(cpu.read('cpu.cfs_quota_us')),
      periodUs: parseCfsPeriodUs(cpu.read('cpu.cfs_period_us')),
      shares: parseCpuShares(cpu.read('cpu.shares')),
    };
    stats.cpuSpec = spec;
  }
  const cpuOut = compact(cpuStats);
  if (cpuOut) stats.cpu = cpuOut;

  if (memory !== undefined) {
    const memOut = compact(readMemory(memory));
    if (memOut) stats.memory = memOut;
  }

  if (pids !== undefined) {
    // The root cgroup has neither file.
    const current = pids.optional('pids.current');
    const max = pids.optional('pids.max');
    const pidsOut = compact<PidsStats>({
      current: current === undefined ? undefined : parsePidsCurrent(current),
      max: max === undefined ? undefined : parsePidsMax(max),
    });
    if (pidsOut) stats.pids = pidsOut;
  }

  if (blkio !== undefined) {
    const io = readBlkio(blkio, opts);
    if (io) stats.io = io;
  }

  // cAdvisor counts processes in the cpu hierarchy; any hierarchy lists the same ones.
  const firstMount = layout.v1.keys().next().value;
  const procsDir = cpu ?? cpuacct ?? memory ?? pids ?? blkio ?? (firstMount === undefined ? undefined : dirOf(firstMount));
  if (procsDir !== undefined) stats.processes = countProcs(procsDir.read('cgroup.procs'));

  const present = [...dirs.values()].filter((d): d is CgroupDir => d !== null);
  if (present.length === 0) throw new GoneError(cgroupPath);
  for (const dir of present) dir.confirm();
  return stats;
}

function readMemory(dir: CgroupDir): MemoryStats {
  const usage = parseMemoryUsageInBytes(dir.read('memory.usage_in_bytes'));
  const useHierarchy = dir.optional('memory.use_hierarchy');
  // A missing knob reads as on: non-hierarchical mode is deprecated and current kernels fix it at 1.
  const hierarchical = useHierarchy === undefined ? true : parseMemoryUseHierarchy(useHierarchy);
  const stat = selectMemoryStatV1(parseMemoryStatV1(dir.read('memory.stat')), hierarchical);
  const memswLimit = dir.optional('memory.memsw.limit_in_bytes');
  const oom = parseMemoryOomControl(dir.read('memory.oom_control'));
  const inactive = stat.inactiveFileBytes;
  return {
    usageBytes: usage,
    workingSetBytes: inactive === undefined ? usage : Math.max(0, usage - inactive),
    rssBytes: stat.rssBytes,
    cacheBytes: stat.cacheBytes,
    swapBytes: stat.swapBytes,
    mappedFileBytes: stat.mappedFileBytes,
    maxUsageBytes: parseMemoryMaxUsageInBytes(dir.read('memory.max_usage_in_bytes')),
    failcnt: parseMemoryFailcnt(dir.read('memory.failcnt')),
    limitBytes: parseMemoryLimitInBytes(dir.read('memory.limit_in_bytes')),
    swapLimitBytes: memswLimit === undefined ? undefined : parseMemswLimitInBytes(memswLimit),
    oomKills: oom.oomKill,
    activeFileBytes: stat.activeFileBytes,
    inactiveFileBytes: inactive,
    pageFaults: stat.pgfault,
    majorPageFaults: stat.pgmajfault,
  };
}

/** `_recursive` first (includes descendants), the plain file on kernels without it, as cAdvisor does. */
function readBlkioFile(dir: CgroupDir, base: string): BlkioThrottleDevice[] | undefined {
  const recursive = dir.optional(`${base}_recursive`);
  if (recursive !== undefined) return parseBlkioThrottle(recursive, `${base}_recursive`);
  const plain = dir.optional(base);
  return plain === undefined ? undefined : parseBlkioThrottle(plain, base);
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
