/**
 * Per-process CPU, memory and threads (opt-in group per_process): the busiest processes of each
 * container, at most metrics.maxProcessesPerContainer, labelled with their pid and comm. A process
 * that exits ends its series; a pid is reused only after the kernel wraps pid_max.
 */
import type { ProcessSample } from '../../collection/processes.js';
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerCounter, containerGauge, perItem } from './row.js';

const label = (p: ProcessSample) => ({ pid: String(p.pid), comm: p.comm });

export const perProcessRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_process_cpu_usage_seconds_total',
    description: 'Cumulative CPU time of one process of the container (user + system, all its threads).',
    unit: 's',
    attributes: ['pid', 'comm'],
    group: 'per_process',
    source: '/proc/<pid>/stat utime + stime (USER_HZ ticks) of each pid in cgroup.procs',
    explain: {
      formula: '(utime + stime) / USER_HZ, per pid listed in cgroup.procs',
      inputs: [both('cgroup.procs'), both('/proc/<pid>/stat', 'utime'), both('/proc/<pid>/stat', 'stime')],
      meaning: 'Time of the process itself; children count only in their own series. The container total is container_cpu_usage_seconds_total.',
    },
    points: (s) => perItem(s.processes, label, (p) => p.cpuSeconds),
  }),
  containerGauge({
    name: 'container_process_memory_rss_bytes',
    description: 'Resident set size of one process of the container.',
    unit: 'By',
    attributes: ['pid', 'comm'],
    group: 'per_process',
    source: '/proc/<pid>/status VmRSS',
    explain: {
      formula: 'VmRSS × 1024',
      inputs: [both('cgroup.procs'), both('/proc/<pid>/status', 'VmRSS')],
      meaning: 'RSS counts shared pages (libraries, shared memory) in every process that maps them, so the sum over processes can exceed the working set; the OOM killer and eviction act on the cgroup, not on these.',
    },
    points: (s) => perItem(s.processes, label, (p) => p.rssBytes),
  }),
  containerGauge({
    name: 'container_process_threads',
    description: 'Number of threads of one process of the container.',
    unit: '{thread}',
    attributes: ['pid', 'comm'],
    group: 'per_process',
    source: '/proc/<pid>/status Threads',
    explain: { formula: 'Threads', inputs: [both('cgroup.procs'), both('/proc/<pid>/status', 'Threads')] },
    points: (s) => perItem(s.processes, label, (p) => p.threads),
  }),
];
