import type { FileReader } from '../fs/file-reader.js';
import { CgroupDir, cgroupDirOf, compact } from './cgroup-dir.js';
import { parseHugetlbEvents } from './hugetlb.js';
import type { CgroupLayout } from './layout.js';
import type { FileFailure } from './limits.js';
import { parseNumaStatV1, parseNumaStatV2, type NumaStat } from './numa-stat.js';
import { parseCounterFile } from './parse.js';
import type { HugetlbStats, OptInStats } from './stats.js';
import { parseCpuacctUsagePercpu } from './v1/cpuacct-percpu.js';
import { parseMemoryMigrate } from './v1/cpuset.js';

/**
 * Which opt-in files to read (from the enabled metric groups). Absent or false: the file is never
 * opened, so a group that is off costs nothing.
 */
export interface OptInFiles {
  /** v1 cpuacct.usage_percpu (group percpu). */
  perCpu?: boolean;
  /** hugetlb.<size>.* for these sizes (`2MB`, `1GB`; group hugetlb). Empty: the host has no huge pages. */
  hugePageSizes?: readonly string[];
  /** memory.numa_stat (group memory_numa). */
  numa?: boolean;
  /** v1 cpuset.memory_migrate (group cpuset). */
  cpuset?: boolean;
  /** Keep PSI avg10/avg60/avg300 from the *.pressure files read anyway (group pressure_avg): no extra read. */
  pressureAvg?: boolean;
  /** Bytes per page (AT_PAGESZ), to turn v2 numa_stat bytes into pages; default 4096. */
  pageSize?: number;
}

/**
 * Reads the opt-in files of one cgroup that `files` asks for, after the main read (readCgroup), into
 * `stats.optIn`. Every file is optional (a controller not mounted or not enabled, a kernel without the
 * file): a missing file leaves its value undefined; an unreadable or malformed one is listed in
 * `failures` and loses only its own values. Whether the cgroup still exists was settled by the main read.
 */
export function readOptInFiles(
  layout: CgroupLayout,
  cgroupPath: string,
  reader: FileReader,
  files: OptInFiles,
  failures: FileFailure[],
): OptInStats | undefined {
  const dirAt = (mount: string | undefined): CgroupDir | undefined =>
    mount === undefined ? undefined : new CgroupDir(reader, cgroupDirOf(mount, cgroupPath), failures);
  const v2 = layout.mode === 'v2';
  const out: OptInStats = {};

  if (files.perCpu && !v2) {
    out.perCpuSeconds = dirAt(layout.v1.get('cpuacct'))?.optionalValue('cpuacct.usage_percpu', parseCpuacctUsagePercpu);
  }

  if (files.hugePageSizes !== undefined && files.hugePageSizes.length > 0) {
    // Hybrid hosts may leave hugetlb to the cgroup2 mount (it is listed in its cgroup.controllers).
    const v1Mount = v2 ? undefined : layout.v1.get('hugetlb');
    const dir = dirAt(v1Mount ?? layout.unified);
    if (dir !== undefined) {
      const pages = files.hugePageSizes
        .map((size) => (v1Mount !== undefined ? hugetlbV1(dir, size) : hugetlbV2(dir, size)))
        .filter((h): h is HugetlbStats => h !== undefined);
      if (pages.length > 0) out.hugetlb = pages;
    }
  }

  if (files.numa) {
    const pageSize = files.pageSize ?? 4096;
    const dir = dirAt(v2 ? layout.unified : layout.v1.get('memory'));
    const numa = dir?.optionalValue('memory.numa_stat', (t): NumaStat => (v2 ? parseNumaStatV2(t, pageSize) : parseNumaStatV1(t)));
    if (numa !== undefined) out.numa = numa;
  }

  if (files.cpuset && !v2) {
    out.memoryMigrate = dirAt(layout.v1.get('cpuset'))?.optionalValue('cpuset.memory_migrate', parseMemoryMigrate);
  }
  return compact(out);
}

/**
 * v1: the `.rsvd.` files (reservations included, since 5.7) when the kernel has them, else the plain
 * ones, as opencontainers/cgroups (and so cAdvisor) reads them.
 */
function hugetlbV1(dir: CgroupDir, size: string): HugetlbStats | undefined {
  const counter = (name: string) => dir.optionalValue(name, (t) => parseCounterFile(t, name));
  let prefix = `hugetlb.${size}.rsvd`;
  let usage = counter(`${prefix}.usage_in_bytes`);
  if (usage === undefined) {
    prefix = `hugetlb.${size}`;
    usage = counter(`${prefix}.usage_in_bytes`);
  }
  if (usage === undefined) return undefined;
  return compact<HugetlbStats>({
    pageSize: size,
    usageBytes: usage,
    maxUsageBytes: counter(`${prefix}.max_usage_in_bytes`),
    failcnt: counter(`${prefix}.failcnt`),
  });
}

function hugetlbV2(dir: CgroupDir, size: string): HugetlbStats | undefined {
  const base = `hugetlb.${size}`;
  const usage =
    dir.optionalValue(`${base}.rsvd.current`, (t) => parseCounterFile(t, `${base}.rsvd.current`)) ??
    dir.optionalValue(`${base}.current`, (t) => parseCounterFile(t, `${base}.current`));
  if (usage === undefined) return undefined;
  const failcnt = dir.optionalValue(`${base}.events`, (t) => parseHugetlbEvents(t, `${base}.events`));
  return failcnt === undefined ? { pageSize: size, usageBytes: usage } : { pageSize: size, usageBytes: usage, failcnt };
}
