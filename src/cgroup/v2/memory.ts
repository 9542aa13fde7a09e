import { parseLimitFile, parseCounterFile, pickFlatKeyed } from '../parse.js';

/**
 * cgroup v2 memory files. The root cgroup has none of memory.current, .max, .peak, .swap.current, .swap.max, .events;
 * memory.stat does.
 * https://docs.kernel.org/admin-guide/cgroup-v2.html#memory-interface-files
 *   memory.current   `74657792\n`;  memory.max `max\n` or `268435456\n`;  memory.peak `80195584\n` (kernel >= 5.19)
 *   memory.stat      `anon 52219904\nfile 20971520\n…\nfile_mapped 1216512\n…\ninactive_file 8806400\n`
 */

export function parseMemoryCurrent(text: string): number {
  return parseCounterFile(text, 'memory.current');
}

/** null = `max`. */
export function parseMemoryMax(text: string): number | null {
  return parseLimitFile(text, 'memory.max');
}

export function parseMemoryPeak(text: string): number {
  return parseCounterFile(text, 'memory.peak');
}

export function parseMemorySwapCurrent(text: string): number {
  return parseCounterFile(text, 'memory.swap.current');
}

/** null = `max`. */
export function parseMemorySwapMax(text: string): number | null {
  return parseLimitFile(text, 'memory.swap.max');
}

/** The memory.stat keys podpulse uses (bytes, except the pgfault/pgmajfault event counts). */
export interface MemoryStatV2 {
  anon?: number;
  file?: number;
  fileMapped?: number;
  activeFile?: number;
  inactiveFile?: number;
  pgfault?: number;
  pgmajfault?: number;
  /** All kernel memory of the cgroup (kernel >= 5.18). */
  kernel?: number;
}

/** Kernel key → field. */
const MEMORY_STAT_V2_KEYS: ReadonlyMap<string, keyof MemoryStatV2> = new Map([
  ['anon', 'anon'],
  ['file', 'file'],
  ['file_mapped', 'fileMapped'],
  ['active_file', 'activeFile'],
  ['inactive_file', 'inactiveFile'],
  ['pgfault', 'pgfault'],
  ['pgmajfault', 'pgmajfault'],
  ['kernel', 'kernel'],
]);

/** v2 memory.stat; keys are looked up by name (they change between kernels), the rest ignored. */
export function parseMemoryStatV2(text: string): MemoryStatV2 {
  return pickFlatKeyed(text, MEMORY_STAT_V2_KEYS, 'memory.stat');
}

/** memory.min, the protection cAdvisor reports as the reservation; null = `max`. */
export function parseMemoryMin(text: string): number | null {
  return parseLimitFile(text, 'memory.min');
}

/** The memory.events(.local) keys podpulse uses. */
export interface MemoryEvents {
  /** Times usage was about to go over memory.max (v1's failcnt counts the same event). */
  max?: number;
  /** Tasks killed by the OOM killer. */
  oomKill?: number;
}

const MEMORY_EVENTS_KEYS: ReadonlyMap<string, keyof MemoryEvents> = new Map([
  ['max', 'max'],
  ['oom_kill', 'oomKill'],
]);

/**
 * memory.events.local (kernel >= 5.2): `low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n`,
 * events of this cgroup only. (memory.events has the same keys summed over the subtree.)
 */
export function parseMemoryEvents(text: string, file = 'memory.events.local'): MemoryEvents {
  return pickFlatKeyed(text, MEMORY_EVENTS_KEYS, file);
}
