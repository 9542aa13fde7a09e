import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GoneError, ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { parseSigned, parseUnsigned } from '../procfs/numbers.js';
import { parseCpuList } from './cpu-list.js';

/**
 * The host's CPU and NUMA topology from sysfs, as cAdvisor builds it for its cpu_topology metrics
 * (utils/sysinfo GetNodesInfo): NUMA nodes with their cores, each core's threads and caches, node
 * memory, huge pages per node and the node distance table.
 *
 * Kernel docs: https://docs.kernel.org/admin-guide/cputopology.html,
 * https://docs.kernel.org/ABI/stable/sysfs-devices-system-cpu (cache/index*),
 * https://docs.kernel.org/ABI/stable/sysfs-devices-node
 * ```
 * devices/system/node/node0/cpu0 -> ../../cpu/cpu0     devices/system/cpu/cpu0/topology/core_id      0
 * devices/system/node/node0/meminfo  "Node 0 MemTotal:  24683792 kB"   …/node0/distance  "10"
 * devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages  0
 * devices/system/cpu/cpu0/cache/index3/{level,type,size,shared_cpu_list}  3 Unified 491520K 0-1
 * ```
 */
export interface MachineTopology {
  /** machine_cpu_cache_capacity_bytes: coreId '' for a cache shared by the whole node. */
  caches: { nodeId: number; coreId: string; type: string; level: number; sizeBytes: number }[];
  /** machine_thread_siblings_count: one per online CPU, the number of threads of its core. */
  threads: { nodeId: number; coreId: number; threadId: number; siblings: number }[];
  /** Per NUMA node: machine_node_memory_capacity_bytes, machine_node_hugepages_count, machine_node_distance. */
  nodes: { id: number; memoryBytes?: number; hugepages: { pageSizeKb: number; count: number }[]; distances?: number[] }[];
}

interface Core {
  id: number;
  socket: number;
  threads: number[];
}

interface CacheInfo {
  id: number;
  sizeBytes: number;
  level: number;
  type: string;
  cpus: number;
}

export interface TopologyFailure {
  path: string;
  error: unknown;
}

/** `Node 0 MemTotal:       24683792 kB` → bytes. */
export function parseNodeMemTotal(text: string, file = 'node meminfo'): number {
  const m = /MemTotal:\s*(\d+) kB/.exec(text);
  if (m === null) throw new ParseError(file, 'no "MemTotal: <n> kB" line');
  return Number(m[1]) * 1024;
}

/** `10 21` → [10, 21]: distance to node 0, 1, … */
export function parseNodeDistance(text: string, file = 'node distance'): number[] {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new ParseError(file, 'empty');
  return tokens.map((t) => parseUnsigned(t, file, 'distance'));
}

/** A cache `size` file: `48K` (the kernel always prints kB with a K suffix) → bytes. */
export function parseCacheSize(text: string, file = 'cache size'): number {
  const m = /^(\d+)K$/.exec(text.trim());
  if (m === null) throw new ParseError(file, `expected <n>K, got ${JSON.stringify(text.trim())}`);
  return Number(m[1]) * 1024;
}

function numbered(dir: string, prefix: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^${prefix}(\\d+)$`);
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * Reads the topology below `sysRoot`. A file that cannot be read or parsed is listed in `failures`
 * and only its piece is missing (a CPU without core_id is left out, as cAdvisor does; a node without
 * meminfo has no memory value). Without NUMA nodes in sysfs, CPUs are grouped by physical package,
 * as cAdvisor does; such nodes have no memory, huge page or distance values.
 */
export function readMachineTopology(sysRoot: string, reader: FileReader, failures: TopologyFailure[] = []): MachineTopology {
  const cpuRoot = join(sysRoot, 'devices', 'system', 'cpu');
  const nodeRoot = join(sysRoot, 'devices', 'system', 'node');
  const guard = <T>(path: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof GoneError)) failures.push({ path, error: err });
      return undefined;
    }
  };
  const file = (path: string, parse: (text: string, path: string) => number): number | undefined =>
    guard(path, () => parse(reader.read(path), path));
  const int = (text: string, path: string) => parseSigned(text.trim(), path, 'id');

  const online = (cpu: number) => reader.readOptional(join(cpuRoot, `cpu${cpu}`, 'online'))?.trim() !== '0';
  const coresOf = (cpus: readonly number[]): Core[] => {
    const cores: Core[] = [];
    for (const cpu of cpus) {
      if (!online(cpu)) continue;
      const dir = join(cpuRoot, `cpu${cpu}`, 'topology');
      const id = file(join(dir, 'core_id'), int);
      const socket = file(join(dir, 'physical_package_id'), int);
      if (id === undefined || socket === undefined) continue;
      let core = cores.find((c) => c.id === id && c.socket === socket);
      if (core === undefined) cores.push((core = { id, socket, threads: [] }));
      core.threads.push(cpu);
    }
    return cores;
  };

  const out: MachineTopology = { caches: [], threads: [], nodes: [] };
  const nodeIds = numbered(nodeRoot, 'node');
  const groups: { id: number; cores: Core[]; numa: boolean }[] = [];
  if (nodeIds.length > 0) {
    for (const id of nodeIds) groups.push({ id, cores: coresOf(numbered(join(nodeRoot, `node${id}`), 'cpu')), numa: true });
  } else {
    const bySocket = new Map<number, number[]>();
    for (const cpu of numbered(cpuRoot, 'cpu')) {
      const socket = file(join(cpuRoot, `cpu${cpu}`, 'topology', 'physical_package_id'), int);
      if (socket !== undefined) bySocket.set(socket, [...(bySocket.get(socket) ?? []), cpu]);
    }
    for (const [id, cpus] of [...bySocket].sort((a, b) => a[0] - b[0])) groups.push({ id, cores: coresOf(cpus), numa: false });
  }

  for (const group of groups) {
    for (const core of group.cores) {
      for (const thread of core.threads) out.threads.push({ nodeId: group.id, coreId: core.id, threadId: thread, siblings: core.threads.length });
    }
    addCaches(out, group.id, group.cores, (cpu) => cachesOf(join(cpuRoot, `cpu${cpu}`, 'cache'), reader, guard));
    if (!group.numa) continue;
    const dir = join(nodeRoot, `node${group.id}`);
    const node: MachineTopology['nodes'][number] = { id: group.id, hugepages: [] };
    const memory = file(join(dir, 'meminfo'), parseNodeMemTotal);
    if (memory !== undefined) node.memoryBytes = memory;
    const distances = guard(join(dir, 'distance'), () => parseNodeDistance(reader.read(join(dir, 'distance')), join(dir, 'distance')));
    if (distances !== undefined) node.distances = distances;
    for (const entry of listDir(join(dir, 'hugepages'))) {
      const m = /^hugepages-(\d+)kB$/.exec(entry);
      if (m === null) continue;
      const path = join(dir, 'hugepages', entry, 'nr_hugepages');
      const count = file(path, (t, p) => parseUnsigned(t.trim(), p, 'nr_hugepages'));
      if (count !== undefined) node.hugepages.push({ pageSizeKb: Number(m[1]), count });
    }
    node.hugepages.sort((a, b) => a.pageSizeKb - b.pageSizeKb);
    out.nodes.push(node);
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function cachesOf(dir: string, reader: FileReader, guard: <T>(path: string, read: () => T) => T | undefined): CacheInfo[] {
  const out: CacheInfo[] = [];
  for (const index of numbered(dir, 'index')) {
    const d = join(dir, `index${index}`);
    const cache = guard(d, (): CacheInfo => {
      const read = (name: string) => reader.read(join(d, name));
      // s390x has no cache id; 0 then, as cAdvisor leaves it.
      const idText = reader.readOptional(join(d, 'id'));
      return {
        id: idText === undefined ? 0 : parseUnsigned(idText.trim(), join(d, 'id'), 'id'),
        sizeBytes: parseCacheSize(read('size'), join(d, 'size')),
        level: parseUnsigned(read('level').trim(), join(d, 'level'), 'level'),
        type: read('type').trim(),
        cpus: parseCpuList(read('shared_cpu_list'), join(d, 'shared_cpu_list')).length,
      };
    });
    if (cache !== undefined) out.push(cache);
  }
  return out;
}

/**
 * cAdvisor's placement (addCacheInfo): per core, the caches its first thread sees. Level 1-2 caches
 * private to the core's threads belong to the core; level 3+ shared by every thread of the node is a
 * node cache (core_id ""); level 3+ shared by only some cores is an "uncore" cache listed per core.
 * Anything else (an L2 shared between cores) is not reported, as in cAdvisor.
 */
function addCaches(out: MachineTopology, nodeId: number, cores: readonly Core[], cachesFor: (cpu: number) => CacheInfo[]): void {
  const nodeCaches = new Set<string>();
  const nodeRows: MachineTopology['caches'] = [];
  for (const core of cores) {
    const perCore = core.threads.length;
    const perNode = cores.length * perCore;
    const uncore = new Set<string>();
    for (const c of cachesFor(core.threads[0]!)) {
      const key = `${c.id}/${c.sizeBytes}/${c.level}/${c.type}`;
      const row = { nodeId, coreId: String(core.id), type: c.type, level: c.level, sizeBytes: c.sizeBytes };
      if (c.level > 2) {
        if (c.cpus === perNode) {
          if (!nodeCaches.has(key)) nodeRows.push({ ...row, coreId: '' });
          nodeCaches.add(key);
        } else if (!uncore.has(key)) {
          uncore.add(key);
          out.caches.push(row);
        }
      } else if (c.cpus === perCore) {
        out.caches.push(row);
      }
    }
  }
  out.caches.push(...nodeRows);
}
