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
]);

/** v2 memory.stat; keys are looked up by name (they change between kernels), the rest ignored. */
export function parseMemoryStatV2(text: string): MemoryStatV2 {
  return pickFlatKeyed(text, MEMORY_STAT_V2_KEYS, 'memory.stat');
}
