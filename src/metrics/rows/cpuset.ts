/** cpuset settings (cAdvisor kind "cpuset", opt-in): cAdvisor exports memory_migrate only. */
import type { ContainerMetricSpec } from '../spec.js';
import { v1 } from './explain.js';
import { containerGauge, one } from './row.js';

export const cpusetRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_memory_migrate',
    description: 'Memory migrate status.',
    unit: '{status}',
    group: 'cpuset',
    source: 'v1 cpuset.memory_migrate (0 or 1), absent on v2',
    explain: {
      formula: 'v1: cpuset.memory_migrate',
      inputs: [v1('cpuset.memory_migrate')],
      meaning: 'One when the kernel moves the cgroup\'s pages along with a change of its allowed memory nodes, else zero.',
    },
    points: (s) => one(s.cgroup?.optIn?.memoryMigrate),
  }),
];
