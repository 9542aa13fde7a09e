/**
 * Task states and the 10 s load averages (cAdvisor kind "cpuLoad"). cAdvisor takes these from
 * netlink taskstats only with --enable_load_reader, which the kubelet never sets, so kubelet's
 * /metrics/cadvisor reports them as 0; podpulse computes them for real from /proc/<tid>/stat of the
 * tasks directly in the cgroup (collection/process-reader.ts, collection/cpu-load.ts).
 */
import type { TaskStateName } from '../../procfs/task-state.js';
import type { ContainerSample } from '../../collection/sample.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerGauge, one, NONE } from './row.js';

const STATES: readonly TaskStateName[] = ['sleeping', 'running', 'stopped', 'uninterruptible'];

function taskStates(s: ContainerSample): readonly Point[] {
  const t = s.process?.taskStates;
  return t === undefined ? NONE : STATES.map((state) => ({ value: t[state], attributes: { state } }));
}

const LOAD_NOTE =
  'EWMA with decay exp(-Δt/10 s) over the cycles (Δt = time since the previous sample; the first sample is taken as is), ×1000 and truncated as cAdvisor stores it (a milli-load: 2 busy tasks → 2000)';
const KUBELET_ZERO = 'kubelet never enables cAdvisor\'s load reader, so its /metrics/cadvisor always reports 0; podpulse computes the value from the tasks\' /proc/<tid>/stat.';
/** The cgroup's task list (v2 cgroup.threads, v1 tasks) and each task's stat. */
const TASK_INPUTS = [v2('cgroup.threads'), v1('tasks'), { file: '/proc/<pid>/stat', key: 'state' }];

export const cpuLoadRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_cpu_load_average_10s',
    description: 'Value of container cpu load average over the last 10 seconds.',
    unit: '{task}',
    group: 'cpuLoad',
    source: `running tasks (state R in /proc/<tid>/stat of the cgroup's task list): ${LOAD_NOTE}`,
    cadvisorDifference: KUBELET_ZERO,
    explain: {
      formula: 'load ← load × e^(−Δt/10 s) + running × (1 − e^(−Δt/10 s)); reported × 1000, truncated',
      inputs: TASK_INPUTS,
      meaning: 'Like the host\'s load average, for this cgroup: 2000 means two tasks wanted a CPU on average over the last seconds.',
    },
    points: (s) => one(s.process?.loadAverage10sMilli),
  }),
  containerGauge({
    name: 'container_cpu_load_d_average_10s',
    description: 'Value of container cpu load.d average over the last 10 seconds.',
    unit: '{task}',
    group: 'cpuLoad',
    source: `uninterruptible tasks (state D): ${LOAD_NOTE}`,
    cadvisorDifference: KUBELET_ZERO,
    explain: {
      formula: 'the same EWMA over the tasks in state D (uninterruptible, usually waiting for I/O); × 1000',
      inputs: TASK_INPUTS,
      meaning: 'Tasks stuck in uninterruptible sleep, mostly waiting for disk or network storage.',
    },
    points: (s) => one(s.process?.loadDAverage10sMilli),
  }),
  containerGauge({
    name: 'container_tasks_state',
    description: 'Number of tasks in given state',
    unit: '{task}',
    attributes: ['state'],
    group: 'cpuLoad',
    source:
      'tasks of the cgroup (v2 cgroup.threads, v1 tasks; collection.maxPidsPerContainer at most) by /proc/<tid>/stat state: R running, S sleeping, D uninterruptible, T stopped (as the kernel\'s cgroupstats counts them). state="iowaiting" is not reported: /proc does not show in_iowait.',
    cadvisorDifference: 'kubelet reports 0 for every state (cAdvisor\'s load reader is off there); podpulse counts the tasks, and leaves out iowaiting, which /proc does not show.',
    explain: {
      formula: 'count of the tasks of the cgroup by the state field of /proc/<tid>/stat (R, S, D, T)',
      inputs: TASK_INPUTS,
    },
    points: taskStates,
  }),
];
