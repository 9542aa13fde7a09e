import { AgentError } from '../../errors.js';
import type { FileReader } from '../../fs/file-reader.js';
import { CgroupDir, cgroupDirOf, compact, procsOf } from '../cgroup-dir.js';
import type { CgroupLayout } from '../layout.js';
import { deviceLabel, type CgroupReadOptions } from '../read-options.js';
import type { CgroupRead, CgroupLimits, FileFailure } from '../limits.js';
import type { BlockIoDevice, CgroupStats, CpuSpec, CpuStats, MemoryStats, PidsStats, PressureStats, PressureTotals } from '../stats.js';
import { cpuWeightToShares, parseCpuMax, parseCpuStatV2, parseCpuWeight } from './cpu.js';
import { parseIoStat } from './io.js';
import {
  parseMemoryCurrent,
  parseMemoryEvents,
  parseMemoryMax,
  parseMemoryMin,
  parseMemoryPeak,
  parseMemoryStatV2,
  parseMemorySwapCurrent,
  parseMemorySwapMax,
} from './memory.js';
import { parsePidsCurrent, parsePidsMax } from './pids.js';
import { parsePressure } from './psi.js';

const usToSeconds = (us: number | undefined): number | undefined => (us === undefined ? undefined : us / 1e6);

/**
 * One cgroup's statistics from the cgroup2 hierarchy at `layout.unified`, and its limits. With
 * `opts.limits` the limit files are not read. cpu.stat is read first: it exists in every cgroup2
 * directory, so its absence means the cgroup is gone (GoneError). Files of controllers not enabled
 * for this cgroup, and those the root cgroup lacks, leave fields undefined. A file that cannot be
 * read or parsed loses only its own values and is listed in `failures`.
 */
export function readCgroupV2(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  opts: CgroupReadOptions = {},
): CgroupRead {
  if (layout.unified === undefined) throw new AgentError('CGROUP_NOT_FOUND', 'no cgroup2 mount in the layout');
  const failures: FileFailure[] = [];
  const dir = new CgroupDir(reader, cgroupDirOf(layout.unified, cgroupPath), failures);
  const isRoot = cgroupPath.split('/').every((s) => s === '');
  const stats: CgroupStats = {};

  const cpuStat = dir.value('cpu.stat', parseCpuStatV2);
  const cpu = compact<CpuStats>({
    usageSeconds: usToSeconds(cpuStat?.usageUsec),
    userSeconds: usToSeconds(cpuStat?.userUsec),
    systemSeconds: usToSeconds(cpuStat?.systemUsec),
    periods: cpuStat?.nrPeriods,
    throttledPeriods: cpuStat?.nrThrottled,
    throttledSeconds: usToSeconds(cpuStat?.throttledUsec),
    // Bandwidth keys present (the cpu controller is on) but no burst keys: a kernel before 5.14, no burst.
    burstPeriods: cpuStat?.nrPeriods === undefined ? undefined : (cpuStat.nrBursts ?? 0),
    burstSeconds: cpuStat?.nrPeriods === undefined ? undefined : (usToSeconds(cpuStat.burstUsec) ?? 0),
  });
  if (cpu) stats.cpu = cpu;

  const limits = opts.limits ?? readLimitsV2(dir);
  if (limits.cpu !== undefined) stats.cpuSpec = { ...limits.cpu };

  const memory = compact(readMemory(dir, isRoot, limits));
  if (memory) stats.memory = memory;

  const io = dir.optionalValue('io.stat', (text) =>
    parseIoStat(text).map(
      (d): BlockIoDevice =>
        compact({
          major: d.major,
          minor: d.minor,
          device: deviceLabel(opts, d.major, d.minor),
          readBytes: d.rbytes,
          writeBytes: d.wbytes,
          reads: d.rios,
          writes: d.wios,
          opBytes: compact<Record<string, number>>({ ...(d.rbytes !== undefined ? { Read: d.rbytes } : {}), ...(d.wbytes !== undefined ? { Write: d.wbytes } : {}) }),
        })!,
    ),
  );
  if (io !== undefined) stats.io = io;

  const pids = compact<PidsStats>({
    current: dir.optionalValue('pids.current', parsePidsCurrent),
    max: limits.pidsMax,
  });
  if (pids) stats.pids = pids;

  if (limits.pressure !== false) {
    const pressure = readPressure(reader, dir.path, failures, opts.optIn?.pressureAvg === true);
    if (pressure) stats.pressure = pressure;
    if (opts.limits === undefined) limits.pressure = pressure !== undefined;
  }

  const pidList = dir.value('cgroup.procs', procsOf);
  if (pidList !== undefined) stats.processes = pidList.length;
  dir.confirm();
  const read: CgroupRead = { stats, limits, failures };
  if (pidList !== undefined) read.procs = { file: `${dir.path}/cgroup.procs`, pids: pidList };
  return read;
}

/**
 * cpu.max, cpu.weight, memory.max, memory.swap.max, pids.max. Each is absent where its controller
 * is not enabled, and in the root cgroup.
 */
function readLimitsV2(dir: CgroupDir): CgroupLimits {
  const limits: CgroupLimits = {};
  const max = dir.optionalValue('cpu.max', parseCpuMax);
  const cpu = compact<CpuSpec>({
    periodUs: max?.periodUs,
    quotaUs: max?.quotaUs,
    shares: dir.optionalValue('cpu.weight', (t) => cpuWeightToShares(parseCpuWeight(t))),
  });
  if (cpu) limits.cpu = cpu;
  const memoryMax = dir.optionalValue('memory.max', parseMemoryMax);
  if (memoryMax !== undefined) limits.memoryLimitBytes = memoryMax;
  // With the memory controller on, memory.swap.max is absent only without swap support (CONFIG_SWAP
  // or CONFIG_MEMCG_SWAP off), and then no swap limit applies.
  const swapMax =
    memoryMax === undefined ? dir.optionalValue('memory.swap.max', parseMemorySwapMax) : dir.optionalOr('memory.swap.max', parseMemorySwapMax, null);
  if (swapMax !== undefined) limits.swapLimitBytes = swapMax;
  const min = dir.optionalValue('memory.min', parseMemoryMin);
  if (min !== undefined) limits.reservationLimitBytes = min;
  const pidsMax = dir.optionalValue('pids.max', parsePidsMax);
  if (pidsMax !== undefined) limits.pidsMax = pidsMax;
  return limits;
}

function readMemory(dir: CgroupDir, isRoot: boolean, limits: CgroupLimits): MemoryStats {
  const current = dir.optionalValue('memory.current', parseMemoryCurrent);
  let statAbsent = false;
  const stat = dir.guard('memory.stat', () => {
    const text = dir.optional('memory.stat');
    statAbsent = text === undefined;
    return text === undefined ? undefined : parseMemoryStatV2(text);
  });
  // memory.stat present but unusable: the working set is unknown, not the usage.
  const statFailed = stat === undefined && !statAbsent;
  let usage = current;
  // The root has no memory.current; like opencontainers/cgroups (rootStatsFromMeminfo), use anon + file.
  if (usage === undefined && isRoot && stat?.anon !== undefined && stat.file !== undefined) {
    usage = stat.anon + stat.file;
  }
  const inactive = stat?.inactiveFile;
  const peak = dir.optionalValue('memory.peak', parseMemoryPeak);
  const swap = dir.optionalValue('memory.swap.current', parseMemorySwapCurrent);
  // Local events, as cAdvisor counts an OOM kill on the killed task's own cgroup (absent in the root).
  const events = dir.optionalValue('memory.events.local', (t) => parseMemoryEvents(t));
  return {
    usageBytes: usage,
    workingSetBytes: usage === undefined || statFailed ? undefined : inactive === undefined ? usage : Math.max(0, usage - inactive),
    rssBytes: stat?.anon,
    cacheBytes: stat?.file,
    swapBytes: swap,
    mappedFileBytes: stat?.fileMapped,
    maxUsageBytes: peak,
    // The root has no limit to hit, so its count is a true 0.
    failcnt: events?.max ?? (isRoot ? 0 : undefined),
    limitBytes: limits.memoryLimitBytes,
    swapLimitBytes: limits.swapLimitBytes,
    reservationLimitBytes: limits.reservationLimitBytes,
    kernelUsageBytes: stat?.kernel,
    oomKills: events?.oomKill,
    activeFileBytes: stat?.activeFile,
    inactiveFileBytes: inactive,
    pageFaults: stat?.pgfault,
    majorPageFaults: stat?.pgmajfault,
  };
}

const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const;

/**
 * PSI totals from `<dir>/{cpu,memory,io}.pressure`. All optional: PSI needs CONFIG_PSI and may be
 * disabled at boot (psi=0), and a v1 container may have no cgroup2 directory. In hybrid mode this is
 * the only thing read from the unified hierarchy. `dir` is a cgroupDirOf result. With `averages`, the
 * avg10/avg60/avg300 of each line are kept too.
 */
export function readPressure(reader: FileReader, dir: string, failures: FileFailure[] = [], averages = false): PressureStats | undefined {
  const out: PressureStats = {};
  for (const resource of PSI_RESOURCES) {
    const file = `${resource}.pressure`;
    const path = `${dir}/${file}`;
    let psi;
    try {
      const text = reader.readOptional(path);
      if (text === undefined) continue;
      psi = parsePressure(text, file);
    } catch (err) {
      failures.push({ path, error: err });
      continue;
    }
    // Only the values present, in this order, without a compact() copy: three per cgroup per cycle.
    const totals: PressureTotals = {};
    if (psi.some) totals.someSeconds = psi.some.totalUs / 1e6;
    if (psi.full) totals.fullSeconds = psi.full.totalUs / 1e6;
    // Parsed from the same line anyway: keeping them (group pressure_avg) costs no read.
    if (averages && psi.some) totals.someAvg = { avg10: psi.some.avg10, avg60: psi.some.avg60, avg300: psi.some.avg300 };
    if (averages && psi.full) totals.fullAvg = { avg10: psi.full.avg10, avg60: psi.full.avg60, avg300: psi.full.avg300 };
    if (psi.some || psi.full) out[resource] = totals;
  }
  return out.cpu || out.memory || out.io ? out : undefined;
}
