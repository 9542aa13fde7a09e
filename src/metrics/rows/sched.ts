/** Scheduler statistics of a cgroup's processes (cAdvisor kind "sched", opt-in). */
import type { SchedTotals } from '../../collection/sample.js';
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerCounter, one } from './row.js';

const SOURCE = '/proc/<pid>/schedstat summed over cgroup.procs of the cgroup and below (exited processes kept), v1 and v2';

/** /proc/<pid>/schedstat: run time (ns), run-queue wait (ns), timeslices run. */
const FIELD = { runSeconds: 'field 1, ns / 1e9', runqueueSeconds: 'field 2, ns / 1e9', runPeriods: 'field 3' } as const;

function schedRow(name: string, description: string, unit: string, field: keyof typeof FIELD, pick: (t: SchedTotals) => number): ContainerMetricSpec {
  return containerCounter({
    name,
    description,
    unit,
    group: 'sched',
    source: SOURCE,
    explain: {
      formula: `Σ over the cgroup's processes (and those that exited) of /proc/<pid>/schedstat ${FIELD[field]}`,
      inputs: [both('cgroup.procs'), both('/proc/<pid>/schedstat')],
      meaning: 'How long the tasks ran and how long they waited for a CPU; a growing run-queue wait with idle quota means CPU contention on the node.',
    },
    points: (s) => one(s.sched && pick(s.sched)),
  });
}

export const schedRows: readonly ContainerMetricSpec[] = [
  schedRow('container_cpu_schedstat_run_seconds_total', 'Time duration the processes of the container have run on the CPU.', 's', 'runSeconds', (t) => t.runSeconds),
  schedRow(
    'container_cpu_schedstat_runqueue_seconds_total',
    'Time duration processes of the container have been waiting on a runqueue.',
    's',
    'runqueueSeconds',
    (t) => t.runqueueSeconds,
  ),
  schedRow('container_cpu_schedstat_run_periods_total', 'Number of times processes of the cgroup have run on the cpu', '{period}', 'runPeriods', (t) => t.runPeriods),
];
