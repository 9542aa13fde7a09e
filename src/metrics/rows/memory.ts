/** Memory usage and page-fault counters (cAdvisor kind "memory"). */
import type { ContainerMetricSpec, Point } from '../spec.js';
import { both, v1, v2 } from './explain.js';
import { containerGauge, containerCounter, one, NONE } from './row.js';

export const memoryRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_memory_usage_bytes',
    description: 'Current memory usage in bytes, including all memory regardless of when it was accessed',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.usage_in_bytes; v2 memory.current (root: anon+file)',
    explain: {
      formula: 'v1: memory.usage_in_bytes; v2: memory.current',
      inputs: [v1('memory.usage_in_bytes'), v2('memory.current')],
      meaning: 'All memory charged to the cgroup, page cache included. Cache is reclaimable, so usage can sit at the limit without an OOM kill; the working set is the better signal.',
    },
    points: (s) => one(s.cgroup?.memory?.usageBytes),
  }),
  containerGauge({
    name: 'container_memory_working_set_bytes',
    description: 'Current working set in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'usage - memory.stat (total_)inactive_file, clamped at 0',
    explain: {
      formula: 'usage − inactive_file, at least 0',
      inputs: [v1('memory.usage_in_bytes'), v1('memory.stat', 'total_inactive_file'), v2('memory.current'), v2('memory.stat', 'inactive_file')],
      meaning: 'What the container would keep if the kernel reclaimed the easy part of the page cache (inactive file pages). kubelet uses it for eviction (memory.available = capacity − working set of the node) and kubectl top shows it. The OOM killer acts when usage reaches the limit and reclaim fails; cache that is active, dirty or shmem (tmpfs, /dev/shm) cannot be dropped, so a working set close to the limit means an OOM kill is near.',
    },
    points: (s) => one(s.cgroup?.memory?.workingSetBytes),
  }),
  containerGauge({
    name: 'container_memory_rss',
    description: 'Size of RSS in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_rss; v2 memory.stat anon',
    explain: {
      formula: 'v1: memory.stat total_rss; v2: memory.stat anon',
      inputs: [v1('memory.stat', 'total_rss'), v2('memory.stat', 'anon')],
      meaning: 'Anonymous memory (heap, stacks): it cannot be reclaimed without swap, so it counts fully towards an OOM kill.',
    },
    points: (s) => one(s.cgroup?.memory?.rssBytes),
  }),
  containerGauge({
    name: 'container_memory_cache',
    description: 'Number of bytes of page cache memory.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_cache; v2 memory.stat file',
    explain: {
      formula: 'v1: memory.stat total_cache; v2: memory.stat file',
      inputs: [v1('memory.stat', 'total_cache'), v2('memory.stat', 'file')],
      meaning: 'Page cache: file data kept in memory (and shmem/tmpfs). Clean file pages are dropped under pressure; shmem is not.',
    },
    points: (s) => one(s.cgroup?.memory?.cacheBytes),
  }),
  containerGauge({
    name: 'container_memory_swap',
    description: 'Container swap usage in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_swap; v2 memory.swap.current',
    explain: {
      formula: 'v1: memory.stat total_swap; v2: memory.swap.current',
      inputs: [v1('memory.stat', 'total_swap'), v2('memory.swap.current')],
    },
    points: (s) => one(s.cgroup?.memory?.swapBytes),
  }),
  containerGauge({
    name: 'container_memory_mapped_file',
    description: 'Size of memory mapped files in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.stat total_mapped_file; v2 memory.stat file_mapped',
    explain: {
      formula: 'v1: memory.stat total_mapped_file; v2: memory.stat file_mapped',
      inputs: [v1('memory.stat', 'total_mapped_file'), v2('memory.stat', 'file_mapped')],
    },
    points: (s) => one(s.cgroup?.memory?.mappedFileBytes),
  }),
  containerGauge({
    name: 'container_memory_kernel_usage',
    description: 'Size of kernel memory allocated in bytes.',
    unit: '{byte}',
    group: 'memory',
    source: 'v1 memory.kmem.usage_in_bytes; v2 memory.stat kernel (kernel >= 5.18)',
    cadvisorDifference:
      'On cgroup v2 cAdvisor always reports 0 (its cgroup library never fills it); podpulse reports memory.stat `kernel` where the kernel has it (5.18+) and nothing on older kernels.',
    explain: {
      formula: 'v1: memory.kmem.usage_in_bytes; v2: memory.stat kernel',
      inputs: [v1('memory.kmem.usage_in_bytes'), v2('memory.stat', 'kernel')],
      meaning: 'Kernel memory charged to the cgroup (slab, page tables, kernel stacks, …); it counts toward usage and the limit like any other charge.',
    },
    points: (s) => one(s.cgroup?.memory?.kernelUsageBytes),
  }),
  containerGauge({
    name: 'container_memory_failcnt',
    description: 'Number of memory usage hits limits',
    unit: '{failure}',
    // A gauge on purpose: cAdvisor's name has no _total, and a monotonic sum would gain one.
    group: 'memory',
    source: 'v1 memory.failcnt; v2 memory.events.local max (0 in the root, which has no limit)',
    cadvisorDifference:
      'TYPE gauge, not counter: an OTel monotonic sum would gain a _total suffix in Prometheus. On cgroup v2 cAdvisor reports 0; podpulse reports memory.events.local `max`, the times usage reached memory.max, which is the event v1 counts here.',
    explain: {
      formula: 'v1: memory.failcnt; v2: memory.events.local max (0 in the root cgroup, which has no limit)',
      inputs: [v1('memory.failcnt'), v2('memory.events.local', 'max')],
      meaning: 'How often usage hit the limit and the kernel had to reclaim; a rising count alone is not an OOM kill.',
    },
    points: (s) => one(s.cgroup?.memory?.failcnt),
  }),
  containerGauge({
    name: 'container_memory_max_usage_bytes',
    description: 'Maximum memory usage recorded in bytes',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.max_usage_in_bytes; v2 memory.peak (kernel >= 5.19)',
    cadvisorDifference: 'On cgroup v2 without memory.peak (kernels before 5.19, and the root) cAdvisor reports 0; podpulse reports nothing.',
    explain: {
      formula: 'v1: memory.max_usage_in_bytes; v2: memory.peak',
      inputs: [v1('memory.max_usage_in_bytes'), v2('memory.peak')],
    },
    points: (s) => one(s.cgroup?.memory?.maxUsageBytes),
  }),
  containerGauge({
    name: 'container_memory_total_active_file_bytes',
    description: 'Current total active file in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.stat total_active_file; v2 memory.stat active_file',
    explain: {
      formula: 'v1: memory.stat total_active_file; v2: memory.stat active_file',
      inputs: [v1('memory.stat', 'total_active_file'), v2('memory.stat', 'active_file')],
    },
    points: (s) => one(s.cgroup?.memory?.activeFileBytes),
  }),
  containerGauge({
    name: 'container_memory_total_inactive_file_bytes',
    description: 'Current total inactive file in bytes.',
    unit: 'By',
    group: 'memory',
    source: 'v1 memory.stat total_inactive_file; v2 memory.stat inactive_file',
    explain: {
      formula: 'v1: memory.stat total_inactive_file; v2: memory.stat inactive_file',
      inputs: [v1('memory.stat', 'total_inactive_file'), v2('memory.stat', 'inactive_file')],
      meaning: 'The part of the page cache the kernel reclaims first; working set = usage − this.',
    },
    points: (s) => one(s.cgroup?.memory?.inactiveFileBytes),
  }),
  containerCounter({
    name: 'container_memory_failures_total',
    description: 'Cumulative count of memory allocation failures.',
    unit: '{failure}',
    attributes: ['failure_type', 'scope'],
    group: 'memory',
    source: 'memory.stat pgfault / pgmajfault (both scopes carry the same number, as in cAdvisor)',
    explain: {
      formula: 'memory.stat pgfault and pgmajfault (the same number for both scopes)',
      inputs: [both('memory.stat', 'pgfault'), both('memory.stat', 'pgmajfault')],
      meaning: 'Page faults, not allocation failures despite the name; major faults needed disk I/O.',
    },
    points: (s) => {
      const m = s.cgroup?.memory;
      if (!m) return NONE;
      const out: Point[] = [];
      for (const [type, v] of [['pgfault', m.pageFaults], ['pgmajfault', m.majorPageFaults]] as const) {
        if (v === undefined) continue;
        for (const scope of ['container', 'hierarchy']) out.push({ value: v, attributes: { failure_type: type, scope } });
      }
      return out;
    },
  }),
];
