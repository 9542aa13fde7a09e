import { DEFAULT_MAX_PIDS_PER_CONTAINER, type ReadPlan } from '../collection/read-plan.js';
import type { MetricGroup, MetricSpec } from './spec.js';

/**
 * The sources the enabled metrics need (see collection/read-plan.ts). `groups` are the groups switched
 * on that have no rows of their own: percpu only changes the points of container_cpu_usage_seconds_total.
 */
export function readPlanFor(
  specs: readonly MetricSpec[],
  opts: { maxPidsPerContainer?: number; groups?: Partial<Record<MetricGroup, boolean>> } = {},
): ReadPlan {
  const on = new Set<MetricGroup>(specs.map((s) => s.group));
  const cpuUsage = specs.some((s) => s.name === 'container_cpu_usage_seconds_total');
  return {
    network: on.has('network'),
    processes: on.has('process'),
    taskStates: on.has('cpuLoad'),
    rootFilesystems: on.has('disk'),
    rootDiskIo: on.has('diskIO'),
    perProcess: on.has('per_process'),
    perCpu: cpuUsage && opts.groups?.percpu === true,
    sched: on.has('sched'),
    tcp: on.has('tcp'),
    udp: on.has('udp'),
    hugetlb: on.has('hugetlb'),
    numa: on.has('memory_numa'),
    cpuset: on.has('cpuset'),
    referencedMemory: on.has('referenced_memory'),
    pressureAvg: on.has('pressure_avg'),
    cpuTopology: on.has('cpu_topology'),
    maxPidsPerContainer: opts.maxPidsPerContainer ?? DEFAULT_MAX_PIDS_PER_CONTAINER,
  };
}
