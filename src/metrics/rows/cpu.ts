/** CPU time and CFS throttling (cAdvisor kind "cpu"). */
import type { ContainerMetricSpec } from '../spec.js';
import { containerCounter, one, withQuota, NONE } from './row.js';

export const cpuRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_cpu_usage_seconds_total',
    description: 'Cumulative cpu time consumed in seconds.',
    unit: 's',
    attributes: ['cpu'],
    group: 'cpu',
    source: 'v1 cpuacct.usage; v2 cpu.stat usage_usec (no point while it is 0, as cAdvisor)',
    points: (s) => {
      const v = s.cgroup?.cpu?.usageSeconds;
      // cAdvisor (without percpu) emits cpu="total" only once usage is above 0: an idle new cgroup has no point.
      return v === undefined || !(v > 0) ? NONE : [{ value: v, attributes: { cpu: 'total' } }];
    },
  }),
  containerCounter({
    name: 'container_cpu_user_seconds_total',
    description: 'Cumulative user cpu time consumed in seconds.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat user; v2 cpu.stat user_usec',
    points: (s) => one(s.cgroup?.cpu?.userSeconds),
  }),
  containerCounter({
    name: 'container_cpu_system_seconds_total',
    description: 'Cumulative system cpu time consumed in seconds.',
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
  containerCounter({
    name: 'container_cpu_cfs_burst_periods_total',
    description: 'Number of periods when burst occurs.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_bursts, 0 on kernels before 5.14, which cannot burst (only with a CPU quota)',
    cadvisorDifference: 'On cgroup v1 cAdvisor always reports 0 (its cgroup library does not read nr_bursts); podpulse reports the kernel\'s count.',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.burstPeriods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_burst_seconds_total',
    description: 'Total time duration the container has been bursted.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpu.stat burst_time; v2 cpu.stat burst_usec; 0 on kernels before 5.14 (only with a CPU quota)',
    cadvisorDifference: 'On cgroup v1 cAdvisor always reports 0 (its cgroup library does not read burst_time); podpulse reports the kernel\'s time.',
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.burstSeconds),
  }),
];
