import { join } from 'node:path';
import type { FileReader } from '../fs/file-reader.js';
import { parseSigned } from '../procfs/numbers.js';

export interface CpuTopology {
  /** Distinct (physical_package_id, core_id) pairs over the CPUs that had both files. */
  physicalCores?: number;
  /** Distinct physical_package_id values. */
  sockets?: number;
}

/**
 * Count cores and sockets from /sys/devices/system/cpu/cpu<N>/topology/{core_id,physical_package_id}
 * for the given CPUs. This is the fallback for /proc/cpuinfo without `core id` / `physical id`
 * (arm64, ppc64le, some hypervisors), the same fallback cAdvisor uses.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/admin-guide/cputopology.html
 *
 * ```
 * /sys/devices/system/cpu/cpu1/topology/core_id              1
 * /sys/devices/system/cpu/cpu1/topology/physical_package_id  0
 * ```
 * physical_package_id is -1 on platforms that do not know the package; it still counts as one
 * (unknown) socket. CPUs whose files are missing (offline CPUs lose their topology directory)
 * are skipped; when no CPU has a file, the field stays undefined.
 */
export function readCpuTopology(sysRoot: string, cpus: readonly number[], reader: FileReader): CpuTopology {
  const sockets = new Set<number>();
  const cores = new Set<string>();
  for (const cpu of cpus) {
    const dir = join(sysRoot, 'devices', 'system', 'cpu', `cpu${cpu}`, 'topology');
    const pkgPath = join(dir, 'physical_package_id');
    const corePath = join(dir, 'core_id');
    const pkgText = reader.readOptional(pkgPath);
    const coreText = reader.readOptional(corePath);
    const pkg = pkgText === undefined ? undefined : parseSigned(pkgText.trim(), pkgPath, 'physical_package_id');
    if (pkg !== undefined) sockets.add(pkg);
    if (coreText !== undefined) {
      const core = parseSigned(coreText.trim(), corePath, 'core_id');
      cores.add(`${pkg ?? ''}/${core}`);
    }
  }
  const out: CpuTopology = {};
  if (cores.size > 0) out.physicalCores = cores.size;
  if (sockets.size > 0) out.sockets = sockets.size;
  return out;
}
