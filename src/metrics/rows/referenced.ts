/**
 * Referenced memory (cAdvisor kind "referenced_memory", opt-in). Read-only: unlike cAdvisor with
 * --referenced_reset_interval, podpulse never writes /proc/<pid>/clear_refs, so the value is what the
 * processes touched since their pages were last cleared by anyone (usually since they started).
 */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, one } from './row.js';

export const referencedRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_referenced_bytes',
    description: 'Container referenced bytes during last measurements cycle',
    unit: 'By',
    group: 'referenced_memory',
    source: '/proc/<pid>/smaps_rollup (else smaps) Referenced, summed over cgroup.procs of the cgroup and below; never clears refs',
    explain: {
      formula: "Σ over the processes of cgroup.procs (and below) of /proc/<pid>/smaps_rollup Referenced (kB × 1024)",
      inputs: [both('cgroup.procs'), both('/proc/<pid>/smaps_rollup', 'Referenced')],
      meaning: 'Memory the processes touched since their reference bits were last cleared; podpulse never clears them, so it approaches the resident set.',
    },
    points: (s) => one(s.referencedBytes),
  }),
];
