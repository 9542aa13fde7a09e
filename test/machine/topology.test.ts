/**
 * readMachineTopology (group cpu_topology) against the sysfs files captured in
 * test/fixtures/host-v1-optin, inline edge cases, and this machine's live /sys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { parseCpuList } from '../../src/machine/cpu-list.js';
import { parseCacheSize, parseNodeDistance, parseNodeMemTotal, readMachineTopology, type TopologyFailure } from '../../src/machine/topology.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

describe('topology parsers', () => {
  it('node meminfo, distance and cache size', () => {
    expect(parseNodeMemTotal('Node 0 MemTotal:       24683792 kB\nNode 0 MemFree: 1 kB\n')).toBe(24683792 * 1024);
    expect(parseNodeDistance('10 21\n')).toEqual([10, 21]);
    expect(parseCacheSize('491520K\n')).toBe(491520 * 1024);
    expect(() => parseCacheSize('32M')).toThrow(ParseError);
    expect(() => parseNodeMemTotal('nothing')).toThrow(ParseError);
    expect(() => parseNodeDistance('')).toThrow(ParseError);
  });
});

describe('readMachineTopology', () => {
  it('on the captured VM: 2 single-thread cores on node 0, private L1d/L1i/L2, one node-wide L3', () => {
    const failures: TopologyFailure[] = [];
    const t = readMachineTopology('test/fixtures/host-v1-optin/sys', new FileReader(), failures);
    expect(failures).toEqual([]);
    expect(t.threads).toEqual([
      { nodeId: 0, coreId: 0, threadId: 0, siblings: 1 },
      { nodeId: 0, coreId: 1, threadId: 1, siblings: 1 },
    ]);
    const caches = t.caches.map((c) => `${c.coreId}/${c.level}/${c.type}=${c.sizeBytes / 1024}K`);
    expect(caches).toEqual(['0/1/Data=48K', '0/1/Instruction=64K', '0/2/Unified=2048K', '1/1/Data=48K', '1/1/Instruction=64K', '1/2/Unified=2048K', '/3/Unified=491520K']);
    expect(t.nodes).toEqual([
      {
        id: 0,
        memoryBytes: 24683792 * 1024,
        distances: [10],
        hugepages: [
          { pageSizeKb: 2048, count: 0 },
          { pageSizeKb: 1048576, count: 0 },
        ],
      },
    ]);
  });

  it('without NUMA nodes in sysfs, groups CPUs by package (no node memory); a CPU without core_id is left out', () => {
    const root = writeTree({
      devices: {
        system: {
          cpu: {
            cpu0: { topology: { core_id: '0\n', physical_package_id: '0\n' } },
            cpu1: { topology: { core_id: '0\n', physical_package_id: '0\n' } },
            cpu2: { topology: { physical_package_id: '1\n' } },
            cpu3: { topology: { core_id: '5\n', physical_package_id: '1\n' }, online: '0\n' },
          },
        },
      },
    });
    try {
      const t = readMachineTopology(root, new FileReader());
      expect(t.threads).toEqual([
        { nodeId: 0, coreId: 0, threadId: 0, siblings: 2 },
        { nodeId: 0, coreId: 0, threadId: 1, siblings: 2 },
      ]);
      expect(t.nodes).toEqual([]);
      expect(t.caches).toEqual([]);
    } finally {
      removeTree(root);
    }
  });

  it('a malformed file is a failure that loses only its piece', () => {
    const root = writeTree({
      devices: {
        system: {
          cpu: { cpu0: { topology: { core_id: '0\n', physical_package_id: '0\n' } } },
          node: { node0: { meminfo: 'garbage\n', distance: '10\n', cpu0: {} } },
        },
      },
    });
    try {
      const failures: TopologyFailure[] = [];
      const t = readMachineTopology(root, new FileReader(), failures);
      expect(t.nodes).toEqual([{ id: 0, distances: [10], hugepages: [] }]);
      expect(t.threads).toHaveLength(1);
      expect(failures.map((f) => f.path.slice(root.length))).toEqual(['/devices/system/node/node0/meminfo']);
    } finally {
      removeTree(root);
    }
  });

  it('on this machine: one thread per online CPU, every NUMA node, memory equal to the node meminfo', () => {
    const t = readMachineTopology('/sys', new FileReader());
    const online = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
    expect(t.threads.map((th) => th.threadId).sort((a, b) => a - b)).toEqual(online);
    const nodes = readdirSync('/sys/devices/system/node').filter((n) => /^node\d+$/.test(n));
    expect(t.nodes.map((n) => `node${n.id}`).sort()).toEqual(nodes.sort());
    for (const n of t.nodes) {
      const kb = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync(`/sys/devices/system/node/node${n.id}/meminfo`, 'utf8'))?.[1]);
      expect(n.memoryBytes).toBe(kb * 1024);
      expect(n.distances).toHaveLength(nodes.length);
    }
    for (const th of t.threads) {
      const siblings = parseCpuList(readFileSync(`/sys/devices/system/cpu/cpu${th.threadId}/topology/thread_siblings_list`, 'utf8'));
      expect(th.siblings, `cpu${th.threadId}`).toBe(siblings.length);
    }
  });
});
