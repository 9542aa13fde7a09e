/** CPU time and CFS throttling (cAdvisor kind "cpu"). */
import type { ContainerMetricSpec } from '../spec.js';
import { cpuUsagePoints } from './percpu.js';
import { containerCounter, one, withQuota } from './row.js';

export const cpuRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_cpu_usage_seconds_total',
    description: 'Cumulative cpu time consumed.',
    unit: 's',
    attributes: ['cpu'],
    group: 'cpu',
    source: 'v1 cpuacct.usage; v2 cpu.stat usage_usec; per CPU from v1 cpuacct.usage_percpu with group percpu',
    points: cpuUsagePoints,
  }),
  containerCounter({
    name: 'container_cpu_user_seconds_total',
    description: 'Cumulative user cpu time consumed.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat user; v2 cpu.stat user_usec',
    points: (s) => one(s.cgroup?.cpu?.userSeconds),
  }),
  containerCounter({
    name: 'container_cpu_system_seconds_total',
    description: 'Cumulative system cpu time consumed.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat system; v2 cpu.stat system_usec',
    points: (s) => one(s.cgroup?.cpu?.systemSeconds),
  }),
  containerCounter({
    name: 'container_cpu_cfs_periods_total',
    description: 'Number of elapsed enforcement period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_periods (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.periods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_periods_total',
    description: 'Number of throttled period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_throttled (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledPeriods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_seconds_total',
    description: 'Total time duration the container has been throttled.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpu.stat throttled_time; v2 cpu.stat throttled_usec (only with a CPU quota)',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledSeconds),
  }),
];
