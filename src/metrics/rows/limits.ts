/** The container_spec_* rows: limits and shares as configured in the cgroup. */
import type { ContainerMetricSpec } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerGauge, one, limitOrZero, NONE } from './row.js';

export const limitsRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_spec_cpu_period',
    description: 'CPU period of the container, in microseconds.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_period_us; v2 cpu.max (second field)',
    explain: {
      formula: 'v1: cpu.cfs_period_us; v2: second field of cpu.max',
      inputs: [v1('cpu.cfs_period_us'), v2('cpu.max')],
    },
    points: (s) => one(s.cgroup?.cpuSpec?.periodUs),
  }),
  containerGauge({
    name: 'container_spec_cpu_quota',
    description: 'CPU quota of the container, in microseconds per period.',
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
    explain: {
      formula: 'v1: cpu.shares; v2: 2 + (cpu.weight − 1) × 262142 / 9999',
      inputs: [v1('cpu.shares'), v2('cpu.weight')],
      meaning: 'The relative weight under contention, from resources.requests.cpu (1024 per core); no cap.',
    },
    points: (s) => one(s.cgroup?.cpuSpec?.shares),
  }),
  containerGauge({
    name: 'container_spec_memory_limit_bytes',
    description: 'Memory limit for the container (0 when unlimited).',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.limit_in_bytes; v2 memory.max',
    explain: {
      formula: 'v1: memory.limit_in_bytes; v2: memory.max; unlimited = 0',
      inputs: [v1('memory.limit_in_bytes'), v2('memory.max')],
      meaning: 'The cgroup\'s hard limit (resources.limits.memory). When charged memory reaches it and reclaim cannot free enough, the kernel\'s OOM killer kills a task of this cgroup.',
    },
    points: (s) => one(limitOrZero(s.cgroup?.memory?.limitBytes)),
  }),
];
