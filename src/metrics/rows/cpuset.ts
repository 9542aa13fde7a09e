/** cpuset settings (cAdvisor kind "cpuset", opt-in): cAdvisor exports memory_migrate only. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, one } from './row.js';

export const cpusetRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_memory_migrate',
    description: 'Memory migrate status.',
    unit: '{status}',
    group: 'cpuset',
    source: 'v1 cpuset.memory_migrate (0 or 1; v2 has no such file)',
    points: (s) => one(s.cgroup?.optIn?.memoryMigrate),
  }),
];
