import { AgentError } from '../../errors.js';
import type { FileReader } from '../../fs/file-reader.js';
import { CgroupDir, cgroupDirOf, compact, countProcs } from '../cgroup-dir.js';
import type { CgroupLayout } from '../layout.js';
import { deviceLabel, type CgroupReadOptions } from '../read-options.js';
import type { CgroupRead, CgroupSpec } from '../spec.js';
import type { BlockIoDevice, CgroupStats, CpuSpec, CpuStats, MemoryStats, PidsStats, PressureStats, PressureTotals } from '../stats.js';
import { cpuWeightToShares, parseCpuMax, parseCpuStatV2, parseCpuWeight } from './cpu.js';
import { parseIoStat } from './io.js';
import {
  parseMemoryCurrent,
  parseMemoryMax,
  parseMemoryPeak,
  parseMemoryStatV2,
  parseMemorySwapCurrent,
  parseMemorySwapMax,
} from './memory.js';
import { parsePidsCurrent, parsePidsMax } from './pids.js';
import { parsePressure } from './psi.js';

const usToSeconds = (us: number | undefined): number | undefined => (us === undefined ? undefined : us / 1e6);

/**
 * One cgroup's statistics from the cgroup2 hierarchy at `layout.unified`, and its spec. With
 * `opts.spec` the spec files are not read. cpu.stat is read first: it exists in every cgroup2
 * directory, so its absence means the cgroup is gone (GoneError). Files of controllers not enabled
 * for this cgroup, and those the root cgroup lacks, leave fields undefined.
 */
export function readCgroupV2(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  opts: CgroupReadOptions = {},
): CgroupRead {
  if (layout.unified === undefined) throw new AgentError('CGROUP_NOT_FOUND', 'no cgroup2 mount in the layout');
  const dir = new CgroupDir(reader, cgroupDirOf(layout.unified, cgroupPath));
  const isRoot = cgroupPath.split('/').every((s) => s === '');
  const stats: CgroupStats = {};

  const cpuStat = parseCpuStatV2(dir.read('cpu.stat'));
  const cpu = compact<CpuStats>({
    usageSeconds: usToSeconds(cpuStat.usageUsec),
    userSeconds: usToSeconds(cpuStat.userUsec),
    systemSeconds: usToSeconds(cpuStat.systemUsec),
    periods: cpuStat.nrPeriods,
    throttledPeriods: cpuStat.nrThrottled,
    throttledSeconds: usToSeconds(cpuStat.throttledUsec),
  });
  if (cpu) stats.cpu = cpu;

  const spec = opts.spec ?? readSpecV2(dir);
  if (spec.cpu !== undefined) stats.cpuSpec = { ...spec.cpu };

  const memory = compact(readMemory(dir, isRoot, spec));
  if (memory) stats.memory = memory;

  const ioStat = dir.optional('io.stat');
  if (ioStat !== undefined) {
    stats.io = parseIoStat(ioStat).map(
      (d): BlockIoDevice =>
        compact({
          major: d.major,
          minor: d.minor,
          device: deviceLabel(opts, d.major, d.minor),
          readBytes: d.rbytes,
          writeBytes: d.wbytes,
          reads: d.rios,
          writes: d.wios,
        })!,
    );
  }

  const pidsCurrent = dir.optional('pids.current');
  const pids = compact<PidsStats>({
    current: pidsCurrent === undefined ? undefined : parsePidsCurrent(pidsCurrent),
    max: spec.pidsMax,
  });
  if (pids) stats.pids = pids;

  if (spec.pressure !== false) {
    const pressure = readPressure(reader, dir.path);
    if (pressure) stats.pressure = pressure;
    if (opts.spec === undefined) spec.pressure = pressure !== undefined;
  }

  stats.processes = countProcs(dir.read('cgroup.procs'));
  dir.confirm();
  return { stats, spec };
}

/**
 * cpu.max, cpu.weight, memory.max, memory.swap.max, pids.max. Each is absent where its controller
 * is not enabled, and in the root cgroup.
 */
function readSpecV2(dir: CgroupDir): CgroupSpec {
  const spec: CgroupSpec = {};
  const cpuMax = dir.optional('cpu.max');
  const cpuWeight = dir.optional('cpu.weight');
  const max = cpuMax === undefined ? undefined : parseCpuMax(cpuMax);
  const cpu = compact<CpuSpec>({
    periodUs: max?.periodUs,
    quotaUs: max?.quotaUs,
    shares: cpuWeight === undefined ? undefined : cpuWeightToShares(parseCpuWeight(cpuWeight)),
  });
  if (cpu) spec.cpu = cpu;
  const memoryMax = dir.optional('memory.max');
  if (memoryMax !== undefined) spec.memoryLimitBytes = parseMemoryMax(memoryMax);
  const swapMax = dir.optional('memory.swap.max');
  if (swapMax !== undefined) spec.swapLimitBytes = parseMemorySwapMax(swapMax);
  const pidsMax = dir.optional('pids.max');
  if (pidsMax !== undefined) spec.pidsMax = parsePidsMax(pidsMax);
  return spec;
}

function readMemory(dir: CgroupDir, isRoot: boolean, spec: CgroupSpec): MemoryStats {
  const currentText = dir.optional('memory.current');
  const statText = dir.optional('memory.stat');
  const stat = statText === undefined ? undefined : parseMemoryStatV2(statText);
  let usage = currentText === undefined ? undefined : parseMemoryCurrent(currentText);
  // The root has no memory.current; like opencontainers/cgroups (rootStatsFromMeminfo), use anon + file.
  if (usage === undefined && isRoot && stat?.anon !== undefined && stat.file !== undefined) {
    usage = stat.anon + stat.file;
  }
  const inactive = stat?.inactiveFile;
  const peakText = dir.optional('memory.peak');
  const swapText = dir.optional('memory.swap.current');
  return {
    usageBytes: usage,
    workingSetBytes: usage === undefined ? undefined : inactive === undefined ? usage : Math.max(0, usage - inactive),
    rssBytes: stat?.anon,
    cacheBytes: stat?.file,
    swapBytes: swapText === undefined ? undefined : parseMemorySwapCurrent(swapText),
    mappedFileBytes: stat?.fileMapped,
    maxUsageBytes: peakText === undefined ? undefined : parseMemoryPeak(peakText),
    limitBytes: spec.memoryLimitBytes,
    swapLimitBytes: spec.swapLimitBytes,
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
 * the only thing read from the unified hierarchy. `dir` is a cgroupDirOf result.
 */
export function readPressure(reader: FileReader, dir: string): PressureStats | undefined {
  const out: PressureStats = {};
  for (const resource of PSI_RESOURCES) {
    const file = `${resource}.pressure`;
    const text = reader.readOptional(`${dir}/${file}`);
    if (text === undefined) continue;
    const psi = parsePressure(text, file);
    const totals = compact<PressureTotals>({
      someSeconds: usToSeconds(psi.some?.totalUs),
      fullSeconds: usToSeconds(psi.full?.totalUs),
    });
    if (totals) out[resource] = totals;
  }
  return compact(out);
}
