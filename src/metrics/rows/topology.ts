/** machine_* CPU and NUMA topology (cAdvisor kind "cpu_topology", opt-in), from sysfs. */
import type { MachineFacts } from '../../collection/sample.js';
import type { MachineMetricSpec, Point } from '../spec.js';
import { machineGauge, NONE } from './row.js';

type Topology = NonNullable<MachineFacts['topology']>;

function topologyRow(row: Omit<Parameters<typeof machineGauge>[0], 'points'> & { points: (t: Topology) => Point[] }): MachineMetricSpec {
  const { points, ...rest } = row;
  return { ...machineGauge({ ...rest, points: (m) => (m.topology === undefined ? NONE : points(m.topology)) }), group: 'cpu_topology' };
}

export const topologyRows: readonly MachineMetricSpec[] = [
  topologyRow({
    name: 'machine_cpu_cache_capacity_bytes',
    description: 'Cache size in bytes assigned to NUMA node and CPU core.',
    unit: 'By',
    attributes: ['node_id', 'core_id', 'type', 'level'],
    source: '/sys/devices/system/cpu/cpu<N>/cache/index<M>/{size,level,type,shared_cpu_list}; core_id "" for a node-wide cache',
    points: (t) => t.caches.map((c) => ({ value: c.sizeBytes, attributes: { node_id: String(c.nodeId), core_id: c.coreId, type: c.type, level: String(c.level) } })),
  }),
  topologyRow({
    name: 'machine_thread_siblings_count',
    description: 'Number of CPU thread siblings.',
    unit: '{thread}',
    attributes: ['node_id', 'core_id', 'thread_id'],
    source: '/sys/devices/system/node/node<N>/cpu<M> and cpu<M>/topology/{core_id,physical_package_id}',
    points: (t) =>
      t.threads.map((th) => ({ value: th.siblings, attributes: { node_id: String(th.nodeId), core_id: String(th.coreId), thread_id: String(th.threadId) } })),
  }),
  topologyRow({
    name: 'machine_node_memory_capacity_bytes',
    description: 'Amount of memory assigned to NUMA node.',
    unit: 'By',
    attributes: ['node_id'],
    source: '/sys/devices/system/node/node<N>/meminfo MemTotal',
    points: (t) => t.nodes.filter((n) => n.memoryBytes !== undefined).map((n) => ({ value: n.memoryBytes!, attributes: { node_id: String(n.id) } })),
  }),
  topologyRow({
    name: 'machine_node_hugepages_count',
    description: 'Numer of hugepages assigned to NUMA node.',
    unit: '{page}',
    attributes: ['node_id', 'page_size'],
    source: '/sys/devices/system/node/node<N>/hugepages/hugepages-<kB>kB/nr_hugepages; page_size in kB',
    points: (t) => t.nodes.flatMap((n) => n.hugepages.map((h) => ({ value: h.count, attributes: { node_id: String(n.id), page_size: String(h.pageSizeKb) } }))),
  }),
  topologyRow({
    name: 'machine_node_distance',
    description: 'Distance between NUMA node and target NUMA node.',
    unit: '{distance}',
    attributes: ['node_id', 'target_node_id'],
    source: '/sys/devices/system/node/node<N>/distance (target = position in the list)',
    points: (t) =>
      t.nodes.flatMap((n) => (n.distances ?? []).map((d, i) => ({ value: d, attributes: { node_id: String(n.id), target_node_id: String(i) } }))),
  }),
];
