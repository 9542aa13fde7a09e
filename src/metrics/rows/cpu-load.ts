/**
 * Task states and the 10 s load averages (cAdvisor kind "cpuLoad"). cAdvisor takes these from
 * netlink taskstats only with --enable_load_reader, which the kubelet never sets, so kubelet's
 * /metrics/cadvisor reports them as 0; podpulse computes them for real from /proc/<tid>/stat of the
 * tasks directly in the cgroup (collection/process-reader.ts, collection/cpu-load.ts).
 */
import type { TaskStateName } from '../../procfs/task-state.js';
import type { ContainerSample } from '../../collection/sample.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { containerGauge, one, NONE } from './row.js';

const STATES: readonly TaskStateName[] = ['sleeping', 'running', 'stopped', 'uninterruptible'];

function taskStates(s: ContainerSample): readonly Point[] {
  const t = s.process?.taskStates;
  return t === undefined ? NONE : STATES.map((state) => ({ value: t[state], attributes: { state } }));
}

const LOAD_NOTE =
  'EWMA with decay exp(-Δt/10 s) over the cycles (Δt = time since the previous sample; the first sample is taken as is), ×1000 and truncated as cAdvisor stores it (a milli-load: 2 busy tasks → 2000). DIFFERS from kubelet, which always reports 0';

export const cpuLoadRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_cpu_load_average_10s',
    description: 'Value of container cpu load average over the last 10 seconds.',
    unit: '{task}',
    group: 'cpuLoad',
    source: `running tasks (state R in /proc/<tid>/stat of the cgroup's task list): ${LOAD_NOTE}`,
    points: (s) => one(s.process?.loadAverage10sMilli),
  }),
  containerGauge({
    name: 'container_cpu_load_d_average_10s',
    description: 'Value of container cpu load.d average over the last 10 seconds.',
    unit: '{task}',
    group: 'cpuLoad',
    source: `uninterruptible tasks (state D): ${LOAD_NOTE}`,
    points: (s) => one(s.process?.loadDAverage10sMilli),
  }),
  containerGauge({
    name: 'container_tasks_state',
    description: 'Number of tasks in given state.',
    unit: '{task}',
    attributes: ['state'],
    group: 'cpuLoad',
    source:
      'tasks of the cgroup (v2 cgroup.threads, v1 tasks; collection.maxPidsPerContainer at most) by /proc/<tid>/stat state: R running, S sleeping, D uninterruptible, T stopped (as the kernel\'s cgroupstats counts them). state="iowaiting" is not reported: /proc does not show in_iowait. DIFFERS from kubelet, which reports 0 for all five',
    points: taskStates,
  }),
];
