/** The container_spec_* rows: limits and shares as configured in the cgroup. */
import type { ContainerSample } from '../../collection/sample.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerGauge, one, limitOrZero, NONE } from './row.js';

/**
 * cAdvisor emits the three memory spec series together, for every cgroup with a memory controller
 * (a memory limit file), unlimited as 0.
 */
function memorySpec(s: ContainerSample, pick: (m: NonNullable<NonNullable<ContainerSample['cgroup']>['memory']>) => number | null | undefined): readonly Point[] {
  const m = s.cgroup?.memory;
  if (m === undefined || m.limitBytes === undefined) return NONE;
  return one(limitOrZero(pick(m)));
}

export const limitsRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_spec_cpu_period',
    description: 'CPU period of the container.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_period_us; v2 cpu.max (second field)',
    cadvisorDifference: 'On cgroup v2 cgroups without the cpu controller (the root, intermediate slices) cAdvisor reports 0; podpulse reports nothing.',
    explain: {
      formula: 'v1: cpu.cfs_period_us; v2: second field of cpu.max',
      inputs: [v1('cpu.cfs_period_us'), v2('cpu.max')],
    },
    points: (s) => one(s.cgroup?.cpuSpec?.periodUs),
  }),
  containerGauge({
    name: 'container_spec_cpu_quota',
    description: 'CPU quota of the container.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_quota_us; v2 cpu.max (first field); absent when unlimited',
    explain: {
      formula: 'v1: cpu.cfs_quota_us (-1 = none, no point); v2: first field of cpu.max (max = none)',
      inputs: [v1('cpu.cfs_quota_us'), v2('cpu.max')],
      meaning: 'Quota / period is the CPU limit in cores (the pod\'s resources.limits.cpu).',
    },
    points: (s) => {
      const q = s.cgroup?.cpuSpec?.quotaUs;
      return q === undefined || q === null ? NONE : [{ value: q }];
    },
  }),
  containerGauge({
    name: 'container_spec_cpu_shares',
    description: 'CPU share of the container.',
    unit: '{share}',
    group: 'spec',
    source: 'v1 cpu.shares; v2 cpu.weight converted to shares',
    cadvisorDifference: 'On cgroup v2 cgroups without the cpu controller (the root, intermediate slices) cAdvisor reports 0; podpulse reports nothing.',
    explain: {
      formula: 'v1: cpu.shares; v2: 2 + (cpu.weight − 1) × 262142 / 9999',
      inputs: [v1('cpu.shares'), v2('cpu.weight')],
      meaning: 'The relative weight under contention, from resources.requests.cpu (1024 per core); no cap.',
    },
    points: (s) => one(s.cgroup?.cpuSpec?.shares),
  }),
  containerGauge({
    name: 'container_spec_memory_limit_bytes',
    description: 'Memory limit for the container.',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.limit_in_bytes; v2 memory.max (unlimited, above 2^62, is 0)',
    explain: {
      formula: 'v1: memory.limit_in_bytes; v2: memory.max; unlimited = 0',
      inputs: [v1('memory.limit_in_bytes'), v2('memory.max')],
      meaning: 'The cgroup\'s hard limit (resources.limits.memory). When charged memory reaches it and reclaim cannot free enough, the kernel\'s OOM killer kills a task of this cgroup.',
    },
    points: (s) => memorySpec(s, (m) => m.limitBytes),
  }),
  containerGauge({
    name: 'container_spec_memory_swap_limit_bytes',
    description: 'Memory swap limit for the container.',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.memsw.limit_in_bytes (memory+swap); v2 memory.swap.max (swap alone); unlimited or no swap accounting is 0',
    explain: {
      formula: 'v1: memory.memsw.limit_in_bytes (memory + swap); v2: memory.swap.max (swap alone); unlimited = 0',
      inputs: [v1('memory.memsw.limit_in_bytes'), v2('memory.swap.max')],
      meaning: 'How much the cgroup may swap (v2) or use in memory and swap together (v1); kubelet sets no swap for most pods.',
    },
    points: (s) => memorySpec(s, (m) => m.swapLimitBytes),
  }),
  containerGauge({
    name: 'container_spec_memory_reservation_limit_bytes',
    description: 'Memory reservation limit for the container.',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.soft_limit_in_bytes; v2 memory.min (as cAdvisor); unlimited is 0',
    explain: {
      formula: 'v1: memory.soft_limit_in_bytes; v2: memory.min; unlimited = 0',
      inputs: [v1('memory.soft_limit_in_bytes'), v2('memory.min')],
      meaning: 'Memory the kernel protects from reclaim (v2 memory.min) or tries to keep the cgroup under when memory is short (v1 soft limit); never a cap.',
    },
    points: (s) => memorySpec(s, (m) => m.reservationLimitBytes),
  }),
];
