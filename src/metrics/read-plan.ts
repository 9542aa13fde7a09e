import type { ReadPlan } from '../collection/read-plan.js';
import type { MetricGroup, MetricSpec } from './spec.js';

/** The sources the enabled metrics need (see collection/read-plan.ts). */
export function readPlanFor(specs: readonly MetricSpec[]): ReadPlan {
  const on = new Set<MetricGroup>(specs.map((s) => s.group));
  return {
    network: on.has('network'),
    processes: on.has('process'),
    taskStates: on.has('cpuLoad'),
    rootFilesystems: on.has('disk'),
    rootDiskIo: on.has('diskIO'),
  };
}
