/** machine_* rows (host facts). */
import type { MachineMetricSpec } from '../spec.js';
import { machineGauge, one } from './row.js';

export const machineRows: readonly MachineMetricSpec[] = [
  machineGauge({
    name: 'machine_cpu_cores',
    description: 'Number of logical CPU cores.',
    unit: '{cpu}',
    source: '/sys/devices/system/cpu/online, else /proc/cpuinfo',
    points: (m) => one(m.cpuCores),
  }),
  machineGauge({
    name: 'machine_cpu_physical_cores',
    description: 'Number of physical CPU cores.',
    unit: '{cpu}',
    source: '/proc/cpuinfo distinct (physical id, core id)',
    points: (m) => one(m.physicalCores),
  }),
  machineGauge({
    name: 'machine_cpu_sockets',
    description: 'Number of CPU sockets.',
    unit: '{socket}',
    source: '/proc/cpuinfo distinct physical id',
    points: (m) => one(m.sockets),
  }),
  machineGauge({
    name: 'machine_memory_bytes',
    description: 'Amount of memory installed on the machine.',
    unit: 'By',
    source: '/proc/meminfo MemTotal',
    points: (m) => one(m.memoryBytes),
  }),
  machineGauge({
    name: 'machine_swap_bytes',
    description: 'Amount of swap memory available on the machine.',
    unit: 'By',
    source: '/proc/meminfo SwapTotal',
    points: (m) => one(m.swapBytes),
  }),
];
