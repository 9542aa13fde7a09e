/** Threads and processes (cAdvisor kind "process"). */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, one, limitOrZero, NONE } from './row.js';

export const processRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_threads',
    description: 'Number of threads running inside the container.',
    unit: '{thread}',
    group: 'process',
    source:
      'pids.current; where the pids controller is off (or on "/"), the line count of the task list (v2 cgroup.threads, v1 tasks). DIFFERS from cAdvisor there: it reports 0 on v1 and counts cgroup.procs (processes) on v2',
    points: (s) => one(s.cgroup?.pids?.current ?? s.process?.tasks),
  }),
  containerGauge({
    name: 'container_threads_max',
    description: 'Maximum number of threads allowed inside the container (0 when unlimited).',
    unit: '{thread}',
    group: 'process',
    source: 'pids.max ("max" exported as 0)',
    points: (s) => one(limitOrZero(s.cgroup?.pids?.max)),
  }),
  containerGauge({
    name: 'container_processes',
    description: 'Number of processes running inside the container.',
    unit: '{process}',
    group: 'process',
    source: 'line count of cgroup.procs',
    points: (s) => one(s.cgroup?.processes),
  }),
  containerGauge({
    name: 'container_file_descriptors',
    description: 'Number of open file descriptors for the container.',
    unit: '{file_descriptor}',
    group: 'process',
    source:
      'entries of /proc/<pid>/fd summed over cgroup.procs (collection.maxPidsPerContainer processes, collection.maxFdsPerContainer entries; a lower bound when cut, see podpulse_proc_reads_skipped_total); absent where /proc/<pid>/fd is refused (no CAP_SYS_PTRACE)',
    points: (s) => one(s.process?.fileDescriptors),
  }),
  containerGauge({
    name: 'container_sockets',
    description: 'Number of open sockets for the container.',
    unit: '{socket}',
    group: 'process',
    source:
      'links of /proc/<pid>/fd whose target starts with "socket", over the same entries as container_file_descriptors; absent where a link cannot be read (no CAP_SYS_PTRACE over the process)',
    points: (s) => one(s.process?.sockets),
  }),
  containerGauge({
    name: 'container_ulimits_soft',
    description: 'Soft ulimit values for the container root process. Unlimited if -1, except priority and nice.',
    unit: '{limit}',
    attributes: ['ulimit'],
    group: 'process',
    source:
      '/proc/<root pid>/limits "Max open files" soft value (unlimited = -1); root pid = the sandbox pid, 1 for "/", else the process of cgroup.procs whose parent is outside the cgroup (cAdvisor knows it only for runtime containers)',
    points: (s) => (s.process?.maxOpenFilesSoft === undefined ? NONE : [{ value: s.process.maxOpenFilesSoft, attributes: { ulimit: 'max_open_files' } }]),
  }),
];
