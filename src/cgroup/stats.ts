/**
 * Version-neutral cgroup statistics in base units (seconds, bytes, counts).
 *
 * This is the one boundary where kernel units (ns, µs, USER_HZ ticks) become base units: the v1 and
 * v2 readers fill it, the metric catalog only selects values from it. Every field is optional and
 * every sub-object is optional: a file the kernel did not provide leaves its field undefined, so no
 * series is emitted for it (absent is not zero). `null` means "no limit" where a limit is asked for.
 */
export interface CgroupStats {
  cpu?: CpuStats;
  cpuSpec?: CpuSpec;
  memory?: MemoryStats;
  /** Block IO per device (v1 blkio.throttle.*, v2 io.stat). */
  io?: BlockIoDevice[];
  pids?: PidsStats;
  pressure?: PressureStats;
  /** Number of pids listed in cgroup.procs. */
  processes?: number;
  /** Opt-in files (group percpu, hugetlb, memory_numa, cpuset): read only when asked, see OptInFiles. */
  optIn?: OptInStats;
}

/** Values of the opt-in cgroup files (cgroup/opt-in.ts); each is undefined unless its group is on. */
export interface OptInStats {
  /** v1 cpuacct.usage_percpu in seconds, index = CPU number (v2 has no per-CPU file). */
  perCpuSeconds?: number[];
  /** Per huge page size (`2MB`, `1GB`), in the order of /sys/kernel/mm/hugepages. */
  hugetlb?: HugetlbStats[];
  /** memory.numa_stat in pages: `container` (v1 only) and `hierarchy` scope, per type, per node. */
  numa?: { container?: NumaPagesByType; hierarchy?: NumaPagesByType };
  /** v1 cpuset.memory_migrate (0/1); v2 has no such file. */
  memoryMigrate?: number;
}

export type NumaPagesByType = Partial<Record<'file' | 'anon' | 'unevictable', ReadonlyMap<number, number>>>;

export interface HugetlbStats {
  /** `2MB`, `1GB`: cAdvisor's pagesize label. */
  pageSize: string;
  usageBytes?: number;
  /** v1 only. */
  maxUsageBytes?: number;
  /** v1 failcnt; v2 hugetlb.<size>.events max. */
  failcnt?: number;
}

export interface CpuStats {
  /** Total CPU time (v1 cpuacct.usage ns; v2 cpu.stat usage_usec). */
  usageSeconds?: number;
  /** v1 cpuacct.stat user ticks / USER_HZ; v2 cpu.stat user_usec. */
  userSeconds?: number;
  systemSeconds?: number;
  /**
   * cpu.stat nr_periods / nr_throttled / throttled_time (v1 ns) or throttled_usec (v2). v1 reads
   * cpu.stat only when the cgroup has a CFS quota: without one the bandwidth timer does not run,
   * and no metric reports these then (cAdvisor emits the CFS series only under a quota).
   */
  periods?: number;
  throttledPeriods?: number;
  throttledSeconds?: number;
  /**
   * cpu.stat nr_bursts / burst_time (v1 ns) or burst_usec (v2): CFS burst (kernel >= 5.14), read under
   * the same quota condition. A kernel without burst support cannot burst, so where cpu.stat was read
   * but lacks the keys these are 0, not absent.
   */
  burstPeriods?: number;
  burstSeconds?: number;
}

export interface CpuSpec {
  /** cpu.cfs_period_us (v1) or the second field of cpu.max (v2), in microseconds as the kernel has it. */
  periodUs?: number;
  /** cpu.cfs_quota_us or the first field of cpu.max in microseconds; null = no quota (-1 / "max"). */
  quotaUs?: number | null;
  /** cpu.shares (v1), or cpu.weight converted to shares (v2): 2 + (w-1)*262142/9999. */
  shares?: number;
}

export interface MemoryStats {
  /** memory.usage_in_bytes (v1), memory.current (v2). */
  usageBytes?: number;
  /** usage - inactive_file (v1 total_inactive_file, v2 inactive_file), clamped at 0. */
  workingSetBytes?: number;
  /** memory.stat (total_)rss (v1) / anon (v2). */
  rssBytes?: number;
  /** memory.stat (total_)cache (v1) / file (v2). */
  cacheBytes?: number;
  /** memory.stat (total_)swap (v1) / memory.swap.current (v2). */
  swapBytes?: number;
  /** memory.stat (total_)mapped_file (v1) / file_mapped (v2). */
  mappedFileBytes?: number;
  /** memory.max_usage_in_bytes (v1) / memory.peak (v2, kernel >= 5.19). */
  maxUsageBytes?: number;
  /**
   * memory.failcnt (v1); on v2, which has no failcnt, memory.events.local `max`: the times usage
   * reached memory.max, the same event (cAdvisor reports 0 on v2).
   */
  failcnt?: number;
  /** memory.limit_in_bytes (v1) / memory.max (v2); null = unlimited. */
  limitBytes?: number | null;
  /** memory.memsw.limit_in_bytes (v1) / memory.swap.max (v2); null = unlimited. */
  swapLimitBytes?: number | null;
  /** memory.soft_limit_in_bytes (v1) / memory.min (v2, as cAdvisor); null = unlimited. */
  reservationLimitBytes?: number | null;
  /** memory.kmem.usage_in_bytes (v1) / memory.stat `kernel` (v2, kernel >= 5.18). */
  kernelUsageBytes?: number;
  /**
   * OOM kills of tasks in this cgroup itself (not its descendants), as cAdvisor counts the kernel
   * log's task_memcg: v1 memory.oom_control oom_kill (local on v1; kernel >= 4.13), v2
   * memory.events.local oom_kill (kernel >= 5.2).
   */
  oomKills?: number;
  /** memory.stat total_active_file (v1) / active_file (v2): container_memory_total_active_file_bytes. */
  activeFileBytes?: number;
  /** memory.stat total_inactive_file (v1) / inactive_file (v2): container_memory_total_inactive_file_bytes. */
  inactiveFileBytes?: number;
  /** memory.stat pgfault, cumulative (v1 plain key, as cAdvisor): container_memory_failures_total{failure_type="pgfault"}. */
  pageFaults?: number;
  /** memory.stat pgmajfault, cumulative: container_memory_failures_total{failure_type="pgmajfault"}. */
  majorPageFaults?: number;
}

export interface BlockIoDevice {
  major: number;
  minor: number;
  /** `/dev/<name>` from /proc/diskstats, or `major:minor` when the device is unknown. */
  device: string;
  readBytes?: number;
  writeBytes?: number;
  reads?: number;
  writes?: number;
  /**
   * Bytes per operation as the kernel names them, for container_blkio_device_usage_total: v1
   * io_service_bytes Read, Write, Sync, Async, Discard, Total; v2 Read and Write (rbytes, wbytes).
   */
  opBytes?: Readonly<Record<string, number>>;
}

export interface PidsStats {
  /** pids.current */
  current?: number;
  /** pids.max; null = "max" (no limit). */
  max?: number | null;
}

/** Cumulative stall time from cpu.pressure, memory.pressure, io.pressure (the `total=` fields). */
export interface PressureStats {
  cpu?: PressureTotals;
  memory?: PressureTotals;
  io?: PressureTotals;
}

export interface PressureTotals {
  /** "some" line total, seconds: at least one task waited. */
  someSeconds?: number;
  /** "full" line total, seconds: all non-idle tasks stalled. */
  fullSeconds?: number;
  /** avg10/avg60/avg300 of the "some" and "full" lines, percent of wall time (group pressure_avg). */
  someAvg?: PressureAverages;
  fullAvg?: PressureAverages;
}

export interface PressureAverages {
  avg10: number;
  avg60: number;
  avg300: number;
}
