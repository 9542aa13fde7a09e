import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { machineReport, machineText } from '../../src/cli/machine.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { readMachineDetails } from '../../src/machine/machine-details.js';
import { parseDeviceMounts } from '../../src/machine/mounted-filesystems.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'proc-samples');

/** A two-node machine as sysfs and procfs show it (trimmed to the files that are read). */
function twoNodeMachine(): string {
  const cache = (level: string, type: string, size: string, shared: string) => ({ level, type, size, shared_cpu_list: shared });
  return writeTree({
    proc: {
      cpuinfo: 'processor\t: 0\nmodel name\t: Example CPU 9000\ncpu MHz\t\t: 2100.500\n\nprocessor\t: 1\nmodel name\t: Example CPU 9000\n',
      meminfo: 'MemTotal:  8192 kB\nSwapTotal: 0 kB\n',
      '1': { mountinfo: '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n28 27 254:16 / /data\\040disk rw - xfs /dev/vdb rw\n29 27 0:5 / /dev rw - devtmpfs udev rw\n30 27 254:0 /x /again rw - ext4 /dev/vda rw\n' },
    },
    sys: {
      kernel: { mm: { hugepages: { 'hugepages-2048kB': { nr_hugepages: '16\n' }, 'hugepages-1048576kB': { nr_hugepages: '1\n' } } } },
      devices: {
        system: {
          node: {
            node0: { cpulist: '0\n', meminfo: 'Node 0 MemTotal:       4096 kB\nNode 0 MemFree:  100 kB\n', hugepages: { 'hugepages-2048kB': { nr_hugepages: '8\n' } } },
            node1: { cpulist: '1\n', meminfo: 'Node 1 MemTotal:       4096 kB\n' },
            online: '0-1\n',
          },
          cpu: {
            cpu0: { cpufreq: { cpuinfo_max_freq: '3500000\n' }, cache: { index0: cache('1', 'Data', '32K', '0'), index1: cache('3', 'Unified', '16M', '0-1') } },
            cpu1: { cache: { index0: cache('1', 'Data', '32K', '1'), index1: cache('3', 'Unified', '16M', '0-1') } },
          },
        },
      },
      block: {
        vda: { dev: '254:0\n', size: '2097152\n', queue: { scheduler: 'none [mq-deadline] kyber\n' } },
        loop0: { dev: '7:0\n', size: '100\n' },
      },
      class: { net: { eth0: { address: '02:00:00:00:00:01\n', mtu: '1500\n', speed: '10000\n' }, lo: { address: '00:00:00:00:00:00\n' }, veth1: { address: '02:00:00:00:00:02\n', mtu: '1400\n', speed: '-1\n' } } },
    },
    rootfs: { etc: { 'os-release': 'NAME="Example"\nPRETTY_NAME="Example Linux 1.0"\n' } },
  });
}

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeTree(t);
});

describe('readMachineDetails on a synthetic two-node machine', () => {
  it('reads every part from its own files', () => {
    const root = twoNodeMachine();
    trees.push(root);
    const d = readMachineDetails({ procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: join(root, 'rootfs') }, new FileReader());
    expect(d.cpuModel).toBe('Example CPU 9000');
    expect(d.cpuFrequencyHz).toBe(3_500_000_000); // cpufreq max wins over cpuinfo's current MHz
    expect(d.hugepages).toEqual([{ pageSizeBytes: 2 * 1024 * 1024, count: 16 }, { pageSizeBytes: 1024 ** 3, count: 1 }]);
    expect(d.numaNodes).toEqual([
      { id: 0, cpus: [0], memoryBytes: 4096 * 1024, hugepages: [{ pageSizeBytes: 2 * 1024 * 1024, count: 8 }] },
      { id: 1, cpus: [1], memoryBytes: 4096 * 1024, hugepages: [] },
    ]);
    // The shared L3 is listed once.
    expect(d.caches).toEqual([
      { level: 1, type: 'Data', sizeBytes: 32 * 1024, cpus: [0] },
      { level: 3, type: 'Unified', sizeBytes: 16 * 1024 * 1024, cpus: [0, 1] },
      { level: 1, type: 'Data', sizeBytes: 32 * 1024, cpus: [1] },
    ]);
    expect(d.disks).toEqual([{ name: 'vda', major: 254, minor: 0, sizeBytes: 2097152 * 512, scheduler: 'mq-deadline' }]);
    expect(d.networkDevices).toEqual([
      { name: 'eth0', macAddress: '02:00:00:00:00:01', mtu: 1500, speedMbps: 10000 },
      { name: 'veth1', macAddress: '02:00:00:00:00:02', mtu: 1400 },
    ]);
    expect(d.filesystems.map((f) => [f.device, f.mountpoint, f.type])).toEqual([
      ['/dev/vda', '/', 'ext4'],
      ['/dev/vdb', '/data disk', 'xfs'],
    ]);
    expect(d.osImage).toBe('Example Linux 1.0');
  });

  it('falls back to cpuinfo MHz and leaves every missing part empty, not guessed', () => {
    const root = writeTree({ proc: { cpuinfo: 'processor\t: 0\ncpu MHz\t\t: 2600.000\n' }, sys: {}, rootfs: {} });
    trees.push(root);
    const d = readMachineDetails({ procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: join(root, 'rootfs') }, new FileReader());
    expect(d).toEqual({ cpuFrequencyHz: 2_600_000_000, hugepages: [], numaNodes: [], caches: [], disks: [], networkDevices: [], filesystems: [] });
  });
});

describe('podpulse machine on fixture roots and on this host', () => {
  it('reports the captured fixture machine (CPU counts, memory, ids, model)', () => {
    const m = machineReport({ procRoot: join(FIXTURES, 'proc'), sysRoot: join(FIXTURES, 'sys'), rootfsRoot: join(FIXTURES, 'rootfs') }, new FileReader());
    expect(m).toMatchObject({ cpuCores: 2, physicalCores: 2, sockets: 1, memoryBytes: 24684084 * 1024, cpuModel: 'AMD EPYC', machineId: '3d1219c7c4c5404aaa1f6d2a48adfda4' });
    expect(machineText(m)).toMatch(/^CPUs\s+2 logical, 2 physical cores, 1 socket\(s\)$/m);
  });

  it("agrees with node's os module, /proc and df on this host", () => {
    const m = machineReport({ procRoot: '/proc', sysRoot: '/sys', rootfsRoot: '/' }, new FileReader());
    expect(m.cpuCores).toBe(cpus().length);
    expect(m.cpuModel).toBe(cpus()[0]?.model.trim());
    expect(m.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const root = m.filesystems.find((f) => f.mountpoint === '/');
    const df = spawnSync('df', ['-B1', '--output=size', '/'], { encoding: 'utf8' });
    if (root !== undefined && df.status === 0) expect(root.capacityBytes).toBe(Number(df.stdout.trim().split('\n')[1]));
    expect(m.numaNodes.flatMap((n) => n.cpus).sort()).toEqual([...Array(cpus().length).keys()]);
  });
});

describe('parseDeviceMounts', () => {
  it('keeps device-backed mounts once each and unescapes blanks', () => {
    expect(parseDeviceMounts('27 1 8:1 / / rw - ext4 /dev/sda1 rw\n31 27 8:1 /b /b rw shared:1 - ext4 /dev/sda1 rw\n32 27 0:40 / /run rw - tmpfs tmpfs rw\n')).toEqual([
      { device: '/dev/sda1', major: 8, minor: 1, mountpoint: '/', type: 'ext4' },
    ]);
  });
});
