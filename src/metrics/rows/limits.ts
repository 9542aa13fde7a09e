/** The container_spec_* rows: limits and shares as configured in the cgroup. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, one, limitOrZero, NONE } from './row.js';

export const limitsRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_spec_cpu_period',
    description: 'CPU period of the container, in microseconds.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_period_us; v2 cpu.max (second field)',
    points: (s) => one(s.cgroup?.cpuSpec?.periodUs),
  }),
  containerGauge({
    name: 'container_spec_cpu_quota',
    description: 'CPU quota of the container, in microseconds per period.',
    unit: '{microsecond}',
    group: 'spec',
    source: 'v1 cpu.cfs_quota_us; v2 cpu.max (first field); absent when unlimited',
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
    points: (s) => one(s.cgroup?.cpuSpec?.shares),
  }),
  containerGauge({
    name: 'container_spec_memory_limit_bytes',
    description: 'Memory limit for the container (0 when unlimited).',
    unit: 'By',
    group: 'spec',
    source: 'v1 memory.limit_in_bytes; v2 memory.max',
    points: (s) => one(limitOrZero(s.cgroup?.memory?.limitBytes)),
  }),
];
