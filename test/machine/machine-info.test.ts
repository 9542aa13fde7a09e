import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GoneError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { readMachineInfo, type MachineRoots } from '../../src/machine/machine-info.js';
import { hostMachineId } from '../helpers/host-machine-id.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/proc-samples', import.meta.url));

const X86_TWO_CORES =
  'processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nphysical id\t: 0\ncore id\t\t: 1\n\n';
const ARM64_FOUR = [0, 1, 2, 3].map((n) => `processor\t: ${n}\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n`).join('\n');
const MEMINFO = 'MemTotal:        2048 kB\nMemFree:         1024 kB\nSwapTotal:        512 kB\n';

/** Build a throwaway proc/sys/rootfs tree from relative path → content. */
function tree(files: Record<string, string>): MachineRoots & { base: string } {
  const base = mkdtempSync(join(tmpdir(), 'podpulse-machine-'));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(base, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  for (const dir of ['proc', 'sys', 'rootfs']) mkdirSync(join(base, dir), { recursive: true });
  return { base, procRoot: join(base, 'proc'), sysRoot: join(base, 'sys'), rootfsRoot: join(base, 'rootfs') };
}

const trees: string[] = [];
function track<T extends { base: string }>(t: T): T {
  trees.push(t.base);
  return t;
}
afterEach(() => {
  for (const base of trees.splice(0)) rmSync(base, { recursive: true, force: true });
});

describe('readMachineInfo on the captured fixtures', () => {
  it('reads every field this VM has and leaves system_uuid undefined (no DMI here)', () => {
    const info = readMachineInfo(
      { procRoot: join(FIXTURES, 'proc'), sysRoot: join(FIXTURES, 'sys'), rootfsRoot: join(FIXTURES, 'rootfs') },
      new FileReader(),
    );
    expect(info).toEqual({
      cpuCores: 2,
      physicalCores: 2,
      sockets: 1,
      memoryBytes: 24684084 * 1024,
      swapBytes: 0,
      machineId: '3d1219c7c4c5404aaa1f6d2a48adfda4',
      bootId: 'ae0bacda-841c-4d45-87d4-b06edf59b248',
      kernelVersion: '6.18.44-fc-v669',
      hostname: 'vm',
      cpuModel: 'AMD EPYC',
    });
  });
});

describe('readMachineInfo on synthetic trees', () => {
  const reader = new FileReader();

  it('falls back to sysfs topology when cpuinfo has no core id / physical id (arm64)', () => {
    const files: Record<string, string> = {
      'proc/meminfo': MEMINFO,
      'proc/cpuinfo': ARM64_FOUR,
      'sys/devices/system/cpu/online': '0-3\n',
    };
    // Two clusters of two cores; physical_package_id as arm64 kernels report it.
    for (const [cpu, pkg, core] of [[0, 0, 0], [1, 0, 1], [2, 1, 0], [3, 1, 1]] as const) {
      files[`sys/devices/system/cpu/cpu${cpu}/topology/physical_package_id`] = `${pkg}\n`;
      files[`sys/devices/system/cpu/cpu${cpu}/topology/core_id`] = `${core}\n`;
    }
    const info = readMachineInfo(track(tree(files)), reader);
    expect(info).toMatchObject({ cpuCores: 4, physicalCores: 4, sockets: 2 });
  });

  it('leaves physicalCores and sockets undefined when neither cpuinfo nor sysfs has topology', () => {
    const t = track(tree({ 'proc/meminfo': MEMINFO, 'proc/cpuinfo': ARM64_FOUR }));
    const info = readMachineInfo(t, reader);
    expect(info.cpuCores).toBe(4); // cpuinfo processor count: no sysfs at all
    expect(info.physicalCores).toBeUndefined();
    expect(info.sockets).toBeUndefined();
  });

  it('counts only the online CPUs that have a cpu<N> directory', () => {
    const t = track(
      tree({
        'proc/meminfo': MEMINFO,
        'proc/cpuinfo': X86_TWO_CORES,
        'sys/devices/system/cpu/online': '0-1,4\n',
        'sys/devices/system/cpu/cpu0/topology/core_id': '0\n',
        'sys/devices/system/cpu/cpu4/topology/core_id': '4\n',
        'sys/devices/system/cpu/cpu7/topology/core_id': '7\n',
      }),
    );
    expect(readMachineInfo(t, reader).cpuCores).toBe(2); // cpu0 and cpu4; cpu1 has no dir, cpu7 is offline
  });

  it('without an online list, counts cpu<N> directories whose own online file is not 0', () => {
    const t = track(
      tree({
        'proc/meminfo': MEMINFO,
        'proc/cpuinfo': X86_TWO_CORES,
        'sys/devices/system/cpu/cpu0/topology/core_id': '0\n',
        'sys/devices/system/cpu/cpu1/online': '1\n',
        'sys/devices/system/cpu/cpu2/online': '0\n',
      }),
    );
    expect(readMachineInfo(t, reader).cpuCores).toBe(2);
  });

  it('uses the online list alone when it is the only sysfs file', () => {
    const t = track(tree({ 'proc/meminfo': MEMINFO, 'proc/cpuinfo': X86_TWO_CORES, 'sys/devices/system/cpu/online': '0-5\n' }));
    const info = readMachineInfo(t, reader);
    expect(info.cpuCores).toBe(6);
    expect(info.physicalCores).toBe(2); // cpuinfo wins over sysfs, as in cAdvisor
  });

  it('reads memory and swap in bytes; SwapTotal missing stays undefined', () => {
    const withSwap = readMachineInfo(track(tree({ 'proc/meminfo': MEMINFO, 'proc/cpuinfo': X86_TWO_CORES })), reader);
    expect(withSwap.memoryBytes).toBe(2048 * 1024);
    expect(withSwap.swapBytes).toBe(512 * 1024);
    const noSwapLine = readMachineInfo(
      track(tree({ 'proc/meminfo': 'MemTotal:        2048 kB\n', 'proc/cpuinfo': X86_TWO_CORES })),
      reader,
    );
    expect(noSwapLine.swapBytes).toBeUndefined();
  });

  it('takes machine-id from /etc, then /var/lib/dbus, skipping an empty or uninitialized /etc file', () => {
    const base = { 'proc/meminfo': MEMINFO, 'proc/cpuinfo': X86_TWO_CORES };
    const both = tree({ ...base, 'rootfs/etc/machine-id': 'aaaa\n', 'rootfs/var/lib/dbus/machine-id': 'bbbb\n' });
    expect(readMachineInfo(track(both), reader).machineId).toBe('aaaa');
    const empty = tree({ ...base, 'rootfs/etc/machine-id': '', 'rootfs/var/lib/dbus/machine-id': 'bbbb\n' });
    expect(readMachineInfo(track(empty), reader).machineId).toBe('bbbb');
    const uninit = tree({ ...base, 'rootfs/etc/machine-id': 'uninitialized\n', 'rootfs/var/lib/dbus/machine-id': 'cccc\n' });
    expect(readMachineInfo(track(uninit), reader).machineId).toBe('cccc');
    const dbusOnly = tree({ ...base, 'rootfs/var/lib/dbus/machine-id': 'dddd\n' });
    expect(readMachineInfo(track(dbusOnly), reader).machineId).toBe('dddd');
  });

  it('reads system_uuid, boot_id, kernel version and hostname when present', () => {
    const t = track(
      tree({
        'proc/meminfo': MEMINFO,
        'proc/cpuinfo': X86_TWO_CORES,
        'proc/sys/kernel/random/boot_id': '11111111-2222-3333-4444-555555555555\n',
        'proc/sys/kernel/osrelease': '5.15.0-105-generic\n',
        'proc/sys/kernel/hostname': 'node-a\n',
        'sys/class/dmi/id/product_uuid': 'EC2A1B2C-0000-1111-2222-333344445555\n',
      }),
    );
    expect(readMachineInfo(t, reader)).toMatchObject({
      bootId: '11111111-2222-3333-4444-555555555555',
      kernelVersion: '5.15.0-105-generic',
      hostname: 'node-a',
      systemUuid: 'EC2A1B2C-0000-1111-2222-333344445555',
    });
  });

  it('leaves every optional field undefined (never a made-up value) when only meminfo and cpuinfo exist', () => {
    const info = readMachineInfo(track(tree({ 'proc/meminfo': MEMINFO, 'proc/cpuinfo': X86_TWO_CORES })), reader);
    expect(info).toEqual({ cpuCores: 2, physicalCores: 2, sockets: 1, memoryBytes: 2048 * 1024, swapBytes: 512 * 1024 });
  });

  it('leaves cpuCores undefined when no source counts a CPU', () => {
    const info = readMachineInfo(track(tree({ 'proc/meminfo': MEMINFO, 'proc/cpuinfo': '' })), reader);
    expect(info.cpuCores).toBeUndefined();
  });

  it('throws GoneError when the proc root has no meminfo (wrong root)', () => {
    const t = track(tree({ 'proc/cpuinfo': X86_TWO_CORES }));
    expect(() => readMachineInfo(t, reader)).toThrow(GoneError);
  });
});

describe('readMachineInfo on this host', () => {
  const machineId = hostMachineId();
  it(`agrees with node:os and the files it reads (machine id: ${machineId.source})`, () => {
    const info = readMachineInfo({ procRoot: '/proc', sysRoot: '/sys', rootfsRoot: '/' }, new FileReader());
    expect(info.cpuCores).toBe(cpus().length);
    expect(info.memoryBytes).toBe(totalmem());
    expect(info.kernelVersion).toBe(release());
    expect(info.hostname).toBe(hostname());
    expect(info.bootId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Absent on a host without either file: never made up.
    expect(info.machineId).toBe(machineId.id);
    expect(info.swapBytes).toBeGreaterThanOrEqual(0);
    expect(info.sockets).toBeGreaterThanOrEqual(1);
    expect(info.physicalCores).toBeGreaterThanOrEqual(1);
    expect(info.physicalCores).toBeLessThanOrEqual(info.cpuCores ?? 0);
  });
});
