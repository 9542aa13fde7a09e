/** Memory pages per NUMA node (cAdvisor kind "memory_numa", opt-in). */
import type { NumaPagesByType } from '../../cgroup/stats.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, NONE } from './row.js';

const TYPES = ['file', 'anon', 'unevictable'] as const;

function numaPoints(byType: NumaPagesByType | undefined, scope: string, out: Point[]): void {
  if (byType === undefined) return;
  for (const type of TYPES) {
    for (const [node, pages] of byType[type] ?? []) out.push({ value: pages, attributes: { type, scope, node: String(node) } });
  }
}

export const numaRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_memory_numa_pages',
    description: 'Number of used pages per NUMA node',
    unit: '{page}',
    attributes: ['type', 'scope', 'node'],
    group: 'memory_numa',
    source: 'memory.numa_stat: v1 plain keys (scope container) and hierarchical_* (scope hierarchy); v2 bytes / page size, scope hierarchy only',
    explain: {
      formula: 'memory.numa_stat file=, anon=, unevictable= per node N<n> (v2: bytes / page size)',
      inputs: [both('memory.numa_stat')],
      meaning: 'Where the cgroup\'s memory sits across NUMA nodes; memory far from the CPUs that use it costs latency.',
    },
    points: (s) => {
      const numa = s.cgroup?.optIn?.numa;
      if (numa === undefined) return NONE;
      const out: Point[] = [];
      numaPoints(numa.container, 'container', out);
      numaPoints(numa.hierarchy, 'hierarchy', out);
      return out;
    },
  }),
];
