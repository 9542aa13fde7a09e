/** Threads and processes (cAdvisor kind "process"). */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, one, limitOrZero } from './row.js';

export const processRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_threads',
    description: 'Number of threads running inside the container',
    unit: '{thread}',
    group: 'process',
    source: 'pids.current',
    explain: {
      formula: 'pids.current',
      inputs: [both('pids.current')],
    },
    points: (s) => one(s.cgroup?.pids?.current),
  }),
  containerGauge({
    name: 'container_threads_max',
    description: 'Maximum number of threads allowed inside the container, infinity if value is zero',
    unit: '{thread}',
    group: 'process',
    source: 'pids.max ("max" exported as 0)',
    explain: {
      formula: 'pids.max (max = 0)',
      inputs: [both('pids.max')],
      meaning: 'At pids.max, fork() and clone() fail with EAGAIN in the container; nothing is killed.',
    },
    points: (s) => one(limitOrZero(s.cgroup?.pids?.max)),
  }),
  containerGauge({
    name: 'container_processes',
    description: 'Number of processes running inside the container.',
    unit: '{process}',
    group: 'process',
    source: 'line count of cgroup.procs',
    explain: {
      formula: 'number of distinct pids in cgroup.procs',
      inputs: [both('cgroup.procs')],
    },
    points: (s) => one(s.cgroup?.processes),
  }),
];
