import { parseLimitFile, parseCounterFile, pickFlatKeyed } from '../parse.js';

/**
 * cgroup v1 memory controller.
 * https://docs.kernel.org/admin-guide/cgroup-v1/memory.html
 *   memory.usage_in_bytes   `74657792\n`
 *   memory.limit_in_bytes   `9223372036854771712\n` (unlimited) or `268435456\n`
 *   memory.stat             `cache 10579968\nrss 9445376\n…\ntotal_inactive_file 980107264\n`
 */

export function parseMemoryUsageInBytes(text: string): number {
  return parseCounterFile(text, 'memory.usage_in_bytes');
}

export function parseMemoryMaxUsageInBytes(text: string): number {
  return parseCounterFile(text, 'memory.max_usage_in_bytes');
}

export function parseMemoryFailcnt(text: string): number {
  return parseCounterFile(text, 'memory.failcnt');
}

/** null = unlimited (the LONG_MAX-page sentinel). */
export function parseMemoryLimitInBytes(text: string): number | null {
  return parseLimitFile(text, 'memory.limit_in_bytes');
}

/** memory+swap limit; null = unlimited. Exists only with swap accounting. */
export function parseMemswLimitInBytes(text: string): number | null {
  return parseLimitFile(text, 'memory.memsw.limit_in_bytes');
}

/** memory.soft_limit_in_bytes (cAdvisor's reservation); null = unlimited. */
export function parseMemorySoftLimitInBytes(text: string): number | null {
  return parseLimitFile(text, 'memory.soft_limit_in_bytes');
}

/** memory.kmem.usage_in_bytes: kernel memory charged to the cgroup (slab, stacks, page tables, ...). */
export function parseMemoryKmemUsageInBytes(text: string): number {
  return parseCounterFile(text, 'memory.kmem.usage_in_bytes');
}

const OOM_CONTROL_KEYS: ReadonlyMap<string, 'oomKill'> = new Map([['oom_kill', 'oomKill']]);

/**
 * memory.oom_control: `oom_kill_disable 0\nunder_oom 0\noom_kill 3\n`. oom_kill (kernel >= 4.13)
 * counts the tasks of this cgroup the OOM killer killed; v1 does not add them to the ancestors.
 * undefined on a kernel without the key.
 */
export function parseMemoryOomControl(text: string): number | undefined {
  return pickFlatKeyed(text, OOM_CONTROL_KEYS, 'memory.oom_control').oomKill;
}

/** memory.use_hierarchy: `1` on current kernels, where non-hierarchical mode is deprecated. */
export function parseMemoryUseHierarchy(text: string): boolean {
  return parseCounterFile(text, 'memory.use_hierarchy') === 1;
}

/** The memory.stat keys podpulse uses, plain (this cgroup only) and total_ (with descendants), in bytes or counts. */
export interface MemoryStatV1 {
  cache?: number;
  rss?: number;
  swap?: number;
  mappedFile?: number;
  activeFile?: number;
  inactiveFile?: number;
  pgfault?: number;
  pgmajfault?: number;
  totalCache?: number;
  totalRss?: number;
  totalSwap?: number;
  totalMappedFile?: number;
  totalActiveFile?: number;
  totalInactiveFile?: number;
}

/** Kernel key → field. */
const MEMORY_STAT_V1_KEYS: ReadonlyMap<string, keyof MemoryStatV1> = new Map([
  ['cache', 'cache'],
  ['rss', 'rss'],
  ['swap', 'swap'],
  ['mapped_file', 'mappedFile'],
  ['active_file', 'activeFile'],
  ['inactive_file', 'inactiveFile'],
  ['pgfault', 'pgfault'],
  ['pgmajfault', 'pgmajfault'],
  ['total_cache', 'totalCache'],
  ['total_rss', 'totalRss'],
  ['total_swap', 'totalSwap'],
  ['total_mapped_file', 'totalMappedFile'],
  ['total_active_file', 'totalActiveFile'],
  ['total_inactive_file', 'totalInactiveFile'],
]);

/**
 * v1 memory.stat. Keys vary by kernel, so values are looked up by name; absent keys stay undefined.
 * Negative values (a known accounting bug) read as 0.
 */
export function parseMemoryStatV1(text: string): MemoryStatV1 {
  return pickFlatKeyed(text, MEMORY_STAT_V1_KEYS, 'memory.stat');
}

export interface MemoryStatV1Selection {
  rssBytes?: number;
  cacheBytes?: number;
  swapBytes?: number;
  mappedFileBytes?: number;
  activeFileBytes?: number;
  inactiveFileBytes?: number;
  pgfault?: number;
  pgmajfault?: number;
}

/**
 * Picks the values cAdvisor reports (setMemoryStats): rss/cache/swap/mapped_file from the total_ keys
 * when the hierarchy is on (memory.use_hierarchy=1, always on modern kernels), else the plain keys.
 * active/inactive_file always come from the total_ keys, matching usage_in_bytes, which is
 * hierarchical; pgfault/pgmajfault always from the plain keys (cAdvisor reports those as-is).
 */
export function selectMemoryStatV1(stat: MemoryStatV1, hierarchical: boolean): MemoryStatV1Selection {
  const picked: MemoryStatV1Selection = {
    rssBytes: hierarchical ? stat.totalRss : stat.rss,
    cacheBytes: hierarchical ? stat.totalCache : stat.cache,
    swapBytes: hierarchical ? stat.totalSwap : stat.swap,
    mappedFileBytes: hierarchical ? stat.totalMappedFile : stat.mappedFile,
    activeFileBytes: stat.totalActiveFile,
    inactiveFileBytes: stat.totalInactiveFile,
    pgfault: stat.pgfault,
    pgmajfault: stat.pgmajfault,
  };
  const out: MemoryStatV1Selection = {};
  for (const key of Object.keys(picked) as (keyof MemoryStatV1Selection)[]) {
    const value = picked[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
