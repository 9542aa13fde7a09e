/** CPU time and CFS throttling (cAdvisor kind "cpu"). */
import type { ContainerMetricSpec } from '../spec.js';
import { both, v1, v2 } from './explain.js';
import { cpuUsagePoints } from './percpu.js';
import { containerCounter, one, withQuota } from './row.js';

export const cpuRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_cpu_usage_seconds_total',
    description: 'Cumulative cpu time consumed in seconds.',
    unit: 's',
    attributes: ['cpu'],
    group: 'cpu',
    source: 'v1 cpuacct.usage; v2 cpu.stat usage_usec (no cpu="total" point while it is 0, as cAdvisor); per CPU from v1 cpuacct.usage_percpu with group percpu',
    explain: {
      formula: 'v1: cpuacct.usage ns / 1e9; v2: cpu.stat usage_usec / 1e6',
      inputs: [v1('cpuacct.usage'), v2('cpu.stat', 'usage_usec')],
      meaning: 'CPU time used by all tasks of the cgroup since it was created; its rate is cores in use. A CPU limit never kills: over the quota the tasks wait (throttling), and kubelet does not evict for CPU.',
    },
    points: cpuUsagePoints,
  }),
  containerCounter({
    name: 'container_cpu_user_seconds_total',
    description: 'Cumulative user cpu time consumed in seconds.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat user; v2 cpu.stat user_usec',
    explain: {
      formula: 'v1: cpuacct.stat user / USER_HZ; v2: cpu.stat user_usec / 1e6',
      inputs: [v1('cpuacct.stat', 'user'), v2('cpu.stat', 'user_usec')],
    },
    points: (s) => one(s.cgroup?.cpu?.userSeconds),
  }),
  containerCounter({
    name: 'container_cpu_system_seconds_total',
    description: 'Cumulative system cpu time consumed in seconds.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpuacct.stat system; v2 cpu.stat system_usec',
    explain: {
      formula: 'v1: cpuacct.stat system / USER_HZ; v2: cpu.stat system_usec / 1e6',
      inputs: [v1('cpuacct.stat', 'system'), v2('cpu.stat', 'system_usec')],
    },
    points: (s) => one(s.cgroup?.cpu?.systemSeconds),
  }),
  containerCounter({
    name: 'container_cpu_cfs_periods_total',
    description: 'Number of elapsed enforcement period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_periods (only with a CPU quota)',
    explain: {
      formula: 'cpu.stat nr_periods (only with a quota)',
      inputs: [v1('cpu.cfs_quota_us'), v2('cpu.max'), both('cpu.stat', 'nr_periods')],
      meaning: 'Enforcement periods (cpu.cfs_period_us, usually 100 ms) in which the cgroup had runnable tasks. Throttled periods / periods is the share of periods that hit the quota.',
    },
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.periods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_periods_total',
    description: 'Number of throttled period intervals.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_throttled (only with a CPU quota)',
    explain: {
      formula: 'cpu.stat nr_throttled (only with a quota)',
      inputs: [v1('cpu.cfs_quota_us'), v2('cpu.max'), both('cpu.stat', 'nr_throttled')],
      meaning: 'Periods in which the tasks used the whole quota and were stopped until the next period: latency, not a kill. A busy loop under a 0.5-core quota is throttled in nearly every period.',
    },
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledPeriods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_throttled_seconds_total',
    description: 'Total time duration the container has been throttled.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpu.stat throttled_time; v2 cpu.stat throttled_usec (only with a CPU quota)',
    explain: {
      formula: 'v1: cpu.stat throttled_time ns / 1e9; v2: cpu.stat throttled_usec / 1e6',
      inputs: [v1('cpu.stat', 'throttled_time'), v2('cpu.stat', 'throttled_usec')],
      meaning: 'Total time the cgroup\'s tasks were held back by the quota (summed over CPUs, so it can grow faster than wall time).',
    },
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.throttledSeconds),
  }),
  containerCounter({
    name: 'container_cpu_cfs_burst_periods_total',
    description: 'Number of periods when burst occurs.',
    unit: '{period}',
    group: 'cpu',
    source: 'cpu.stat nr_bursts, 0 on kernels before 5.14, which cannot burst (only with a CPU quota)',
    cadvisorDifference: 'On cgroup v1 cAdvisor always reports 0 (its cgroup library does not read nr_bursts); podpulse reports the kernel\'s count.',
    explain: {
      formula: 'cpu.stat nr_bursts (0 when the kernel has no such key)',
      inputs: [both('cpu.stat', 'nr_bursts')],
      meaning: 'Periods in which the cgroup used CPU time saved from earlier periods (cpu.max.burst / cpu.cfs_burst_us) beyond its quota.',
    },
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.burstPeriods),
  }),
  containerCounter({
    name: 'container_cpu_cfs_burst_seconds_total',
    description: 'Total time duration the container has been bursted.',
    unit: 's',
    group: 'cpu',
    source: 'v1 cpu.stat burst_time; v2 cpu.stat burst_usec; 0 on kernels before 5.14 (only with a CPU quota)',
    cadvisorDifference: 'On cgroup v1 cAdvisor always reports 0 (its cgroup library does not read burst_time); podpulse reports the kernel\'s time.',
    explain: {
      formula: 'v1: cpu.stat burst_time ns / 1e9; v2: cpu.stat burst_usec / 1e6 (0 when the kernel has no such key)',
      inputs: [v1('cpu.stat', 'burst_time'), v2('cpu.stat', 'burst_usec')],
      meaning: 'CPU time used above the quota out of the burst allowance; without a burst setting it stays 0.',
    },
    points: (s) => withQuota(s.cgroup, (c) => c.cpu?.burstSeconds),
  }),
];
