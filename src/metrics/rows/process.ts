/** Threads and processes (cAdvisor kind "process"). */
import type { ContainerMetricSpec } from '../spec.js';
import { both, v1, v2 } from './explain.js';
import { containerGauge, one, limitOrZero, NONE } from './row.js';

export const processRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_threads',
    description: 'Number of threads running inside the container',
    unit: '{thread}',
    group: 'process',
    source: 'pids.current; where the pids controller is off (or on "/"), the line count of the task list (v2 cgroup.threads, v1 tasks)',
    cadvisorDifference: 'Where the pids controller is off cAdvisor reports 0 on cgroup v1 and the number of processes on v2; podpulse counts the tasks (threads) of the cgroup.',
    explain: {
      formula: 'pids.current; else the number of lines of cgroup.threads (v2) or tasks (v1)',
      inputs: [both('pids.current'), v2('cgroup.threads'), v1('tasks')],
    },
    points: (s) => one(s.cgroup?.pids?.current ?? s.process?.tasks),
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
  containerGauge({
    name: 'container_file_descriptors',
    description: 'Number of open file descriptors for the container.',
    unit: '{file_descriptor}',
    group: 'process',
    source:
      'entries of /proc/<pid>/fd summed over cgroup.procs (collection.maxPidsPerContainer processes, collection.maxFdsPerContainer entries; a lower bound when cut, see podpulse_proc_reads_skipped_total); absent where /proc/<pid>/fd is refused (no CAP_SYS_PTRACE)',
    explain: {
      formula: 'Σ over the processes of cgroup.procs of the entries of /proc/<pid>/fd',
      inputs: [both('cgroup.procs'), both('/proc/<pid>/fd')],
      meaning: 'Open files, sockets and pipes of the container\'s processes; each process is bounded by its RLIMIT_NOFILE (container_ulimits_soft).',
    },
    points: (s) => one(s.process?.fileDescriptors),
  }),
  containerGauge({
    name: 'container_sockets',
    description: 'Number of open sockets for the container.',
    unit: '{socket}',
    group: 'process',
    source:
      'links of /proc/<pid>/fd whose target starts with "socket", over the same entries as container_file_descriptors; absent where a link cannot be read (no CAP_SYS_PTRACE over the process)',
    explain: {
      formula: 'count of the /proc/<pid>/fd links of the processes of cgroup.procs whose target starts with "socket:"',
      inputs: [both('cgroup.procs'), both('/proc/<pid>/fd')],
    },
    points: (s) => one(s.process?.sockets),
  }),
  containerGauge({
    name: 'container_ulimits_soft',
    description: 'Soft ulimit values for the container root process. Unlimited if -1, except priority and nice',
    unit: '{limit}',
    attributes: ['ulimit'],
    group: 'process',
    source:
      '/proc/<root pid>/limits "Max open files" soft value (unlimited = -1); root pid = the sandbox pid, 1 for "/", else the process of cgroup.procs whose parent is outside the cgroup (cAdvisor knows it only for runtime containers)',
    explain: {
      formula: '/proc/<root pid>/limits, "Max open files", soft column (unlimited = -1)',
      inputs: [both('/proc/<pid>/limits', 'Max open files')],
      meaning: 'How many descriptors the container\'s main process may open; container_file_descriptors near it means the next open() fails with EMFILE.',
    },
    points: (s) => (s.process?.maxOpenFilesSoft === undefined ? NONE : [{ value: s.process.maxOpenFilesSoft, attributes: { ulimit: 'max_open_files' } }]),
  }),
];
