import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReadError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { parseCpuinfo } from '../procfs/cpuinfo.js';
import { ProcFs, readMeminfo } from '../procfs/proc-fs.js';
import { parseCpuList } from './cpu-list.js';
import { readCpuTopology } from './cpu-topology.js';
import { cpuModelOf, osImageOf } from './machine-details.js';

/** Mount points of the host's filesystems as the agent sees them (`/host/proc`, … in a pod). */
export interface MachineRoots {
  procRoot: string;
  sysRoot: string;
  /** The host's `/`, for /etc/machine-id. */
  rootfsRoot: string;
}

/**
 * Facts about the node behind cAdvisor's `machine_*` gauges and their `machine_id`, `system_uuid`,
 * `boot_id` labels. A field is undefined when its source is missing or unreadable; nothing is
 * guessed or defaulted.
 */
export interface MachineInfo {
  /** Online logical CPUs (machine_cpu_cores). */
  cpuCores?: number;
  /** machine_cpu_physical_cores */
  physicalCores?: number;
  /** machine_cpu_sockets */
  sockets?: number;
  /** /proc/meminfo MemTotal (machine_memory_bytes). */
  memoryBytes?: number;
  /** /proc/meminfo SwapTotal (machine_swap_bytes); undefined only if the line is missing, 0 without swap. */
  swapBytes?: number;
  machineId?: string;
  bootId?: string;
  /** DMI product UUID; needs root (the file is mode 0400) and DMI (absent on many VMs and ARM boards). */
  systemUuid?: string;
  kernelVersion?: string;
  hostname?: string;
  /** /proc/cpuinfo `model name` (x86; absent on arm64). */
  cpuModel?: string;
  /** PRETTY_NAME of <rootfs>/etc/os-release. */
  osImage?: string;
}

/**
 * Read MachineInfo from procfs, sysfs and the host root filesystem.
 *
 * /proc/meminfo and /proc/cpuinfo exist on every Linux system, so failing to read them means the
 * proc root is wrong: that throws (GoneError / ReadError). Every other source is optional.
 *
 * - cpuCores: the `cpu<N>` directories of /sys/devices/system/cpu that the `online` list names
 *   (the sysfs topology cAdvisor uses). Without the `online` file, a `cpu<N>` counts unless its own
 *   `online` file says 0 (cpu0 usually has none: it cannot go offline). Without sysfs, the number
 *   of `processor` entries in /proc/cpuinfo.
 * - physicalCores / sockets: /proc/cpuinfo `core id` per `physical id` and `physical id`, else the
 *   sysfs topology files of the online CPUs, else undefined.
 * - machineId: `<rootfs>/etc/machine-id`, else `<rootfs>/var/lib/dbus/machine-id` (an empty file
 *   or systemd's `uninitialized` placeholder counts as missing).
 */
export function readMachineInfo(roots: MachineRoots, reader: FileReader): MachineInfo {
  const proc = new ProcFs(roots.procRoot);
  const meminfo = readMeminfo(proc, reader);
  const cpuinfoPath = proc.path('cpuinfo');
  const cpuinfoText = reader.read(cpuinfoPath);
  const cpuinfo = parseCpuinfo(cpuinfoText, cpuinfoPath);

  const online = onlineCpus(roots.sysRoot, reader);
  const info: MachineInfo = {};
  const cpuCores = online !== undefined && online.length > 0 ? online.length : cpuinfo.processors;
  if (cpuCores > 0) info.cpuCores = cpuCores;

  let { physicalCores, sockets } = cpuinfo;
  if ((physicalCores === undefined || sockets === undefined) && online !== undefined) {
    const topology = readCpuTopology(roots.sysRoot, online, reader);
    physicalCores ??= topology.physicalCores;
    sockets ??= topology.sockets;
  }
  if (physicalCores !== undefined) info.physicalCores = physicalCores;
  if (sockets !== undefined) info.sockets = sockets;

  if (meminfo.MemTotal !== undefined) info.memoryBytes = meminfo.MemTotal;
  if (meminfo.SwapTotal !== undefined) info.swapBytes = meminfo.SwapTotal;

  setIfDefined(info, 'machineId', readMachineId(reader, roots.rootfsRoot));
  setIfDefined(info, 'bootId', readId(reader, proc.path('sys', 'kernel', 'random', 'boot_id')));
  setIfDefined(info, 'systemUuid', readUnprivileged(reader, join(roots.sysRoot, 'class', 'dmi', 'id', 'product_uuid')));
  setIfDefined(info, 'kernelVersion', readId(reader, proc.path('sys', 'kernel', 'osrelease')));
  setIfDefined(info, 'hostname', readId(reader, proc.path('sys', 'kernel', 'hostname')));
  setIfDefined(info, 'cpuModel', cpuModelOf(cpuinfoText));
  setIfDefined(info, 'osImage', osImageOf(reader.readOptional(join(roots.rootfsRoot, 'etc', 'os-release')) ?? ''));
  return info;
}

/**
 * Online CPU numbers that have a `cpu<N>` directory, or undefined without sysfs. The online list
 * alone is used when the directory cannot be listed (fixtures that only carry `online`).
 */
function onlineCpus(sysRoot: string, reader: FileReader): number[] | undefined {
  const cpuDir = join(sysRoot, 'devices', 'system', 'cpu');
  const onlinePath = join(cpuDir, 'online');
  const onlineText = reader.readOptional(onlinePath);
  const listed = onlineText === undefined ? undefined : parseCpuList(onlineText, onlinePath);
  const dirs = cpuDirectories(cpuDir);
  if (listed !== undefined) {
    if (dirs === undefined || dirs.length === 0) return listed;
    const present = new Set(dirs);
    return listed.filter((cpu) => present.has(cpu));
  }
  if (dirs === undefined) return undefined;
  return dirs.filter((cpu) => reader.readOptional(join(cpuDir, `cpu${cpu}`, 'online'))?.trim() !== '0');
}

function cpuDirectories(cpuDir: string): number[] | undefined {
  let names: string[];
  try {
    names = readdirSync(cpuDir);
  } catch {
    return undefined;
  }
  const cpus: number[] = [];
  for (const name of names) {
    const m = /^cpu(\d+)$/.exec(name);
    if (m !== null) cpus.push(Number(m[1]));
  }
  return cpus.sort((a, b) => a - b);
}

/** Trimmed one-line file; missing or empty → undefined. */
function readId(reader: FileReader, path: string): string | undefined {
  const value = reader.readOptional(path)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readMachineId(reader: FileReader, rootfs: string): string | undefined {
  for (const path of [join(rootfs, 'etc', 'machine-id'), join(rootfs, 'var', 'lib', 'dbus', 'machine-id')]) {
    const id = readId(reader, path);
    // systemd writes this placeholder on a first boot before the real ID is committed.
    if (id !== undefined && id !== 'uninitialized') return id;
  }
  return undefined;
}

/** Like readId, but a permission error (product_uuid as non-root) is "not available", not a failure. */
function readUnprivileged(reader: FileReader, path: string): string | undefined {
  try {
    return readId(reader, path);
  } catch (err) {
    if (err instanceof ReadError) return undefined;
    throw err;
  }
}

function setIfDefined<K extends keyof MachineInfo>(info: MachineInfo, key: K, value: MachineInfo[K] | undefined): void {
  if (value !== undefined) info[key] = value;
}
