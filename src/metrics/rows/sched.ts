/** Scheduler statistics of a cgroup's processes (cAdvisor kind "sched", opt-in). */
import type { SchedTotals } from '../../collection/sample.js';
import type { ContainerMetricSpec } from '../spec.js';
import { containerCounter, one } from './row.js';

const SOURCE = '/proc/<pid>/schedstat summed over cgroup.procs of the cgroup and below (exited processes kept), v1 and v2';

function schedRow(name: string, description: string, unit: string, pick: (t: SchedTotals) => number): ContainerMetricSpec {
  return containerCounter({ name, description, unit, group: 'sched', source: SOURCE, points: (s) => one(s.sched && pick(s.sched)) });
}

export const schedRows: readonly ContainerMetricSpec[] = [
  schedRow('container_cpu_schedstat_run_seconds_total', 'Time duration the processes of the container have run on the CPU.', 's', (t) => t.runSeconds),
  schedRow(
    'container_cpu_schedstat_runqueue_seconds_total',
    'Time duration processes of the container have been waiting on a runqueue.',
    's',
    (t) => t.runqueueSeconds,
  ),
  schedRow('container_cpu_schedstat_run_periods_total', 'Number of times processes of the cgroup have run on the cpu.', '{period}', (t) => t.runPeriods),
];
