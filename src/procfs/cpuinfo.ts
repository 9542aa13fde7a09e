import { parseUnsigned } from './numbers.js';

export interface Cpuinfo {
  /** Number of `processor : N` entries: logical CPUs that were online when the file was read. */
  processors: number;
  /**
   * Distinct (`physical id`, `core id`) pairs. Undefined when no entry has a `core id` (arm64,
   * ppc64le, s390x, many VMs): the caller decides on a fallback (sysfs topology), we never guess.
   */
  physicalCores?: number;
  /** Distinct `physical id` values. Undefined when no entry has a `physical id`. */
  sockets?: number;
}

/**
 * Parse /proc/cpuinfo into CPU counts.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/filesystems/proc.html (cpuinfo; the keys are
 * architecture-specific, x86's come from arch/x86/kernel/cpu/proc.c)
 *
 * ```
 * processor	: 1
 * physical id	: 0
 * core id		: 1
 * ```
 * Physical cores count `core id` per `physical id`, because core ids restart at 0 on every socket:
 * two sockets of 8 cores are 16 cores, not 8. (cAdvisor counts distinct `core id` lines globally,
 * which gives 8 there; on single-socket machines the two agree.) Only the lowercase key
 * `processor` counts: 32-bit ARM also prints `Processor : ARMv7 …`, a model name, and s390x prints
 * `processor 0: version = …` lines, which are not counted (use sysfs for those). A `physical id`
 * or `core id` seen before any `processor` line is ignored. A non-numeric value of one of the
 * three keys throws ParseError.
 */
export function parseCpuinfo(text: string, file = '/proc/cpuinfo'): Cpuinfo {
  let processors = 0;
  let physicalId: string | undefined;
  const sockets = new Set<string>();
  const cores = new Set<string>();
  // Pairs are recorded when the next `processor` starts or at the end, because x86 prints
  // `physical id` before `core id` but other layouts need not.
  let pendingCore: string | undefined;
  const flush = (): void => {
    if (pendingCore !== undefined) cores.add(`${physicalId ?? ''}/${pendingCore}`);
    physicalId = undefined;
    pendingCore = undefined;
  };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') {
      flush();
      parseUnsigned(value, file, key);
      processors++;
    } else if (processors === 0) {
      continue;
    } else if (key === 'physical id') {
      physicalId = String(parseUnsigned(value, file, key));
      sockets.add(physicalId);
    } else if (key === 'core id') {
      pendingCore = String(parseUnsigned(value, file, key));
    }
  }
  flush();
  const out: Cpuinfo = { processors };
  if (cores.size > 0) out.physicalCores = cores.size;
  if (sockets.size > 0) out.sockets = sockets.size;
  return out;
}
