import { readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { FileReader } from '../fs/file-reader.js';
import { parseMeminfo } from '../procfs/meminfo.js';
import { ProcFs } from '../procfs/proc-fs.js';
import { parseCpuList } from './cpu-list.js';
import type { MachineRoots } from './machine-info.js';
import { parseDeviceMounts } from './mounted-filesystems.js';

export interface HugepagePool {
  pageSizeBytes: number;
  /** nr_hugepages: pages reserved in the pool. */
  count: number;
}

export interface NumaNode {
  id: number;
  cpus: number[];
  /** `Node N MemTotal` of the node's meminfo. */
  memoryBytes?: number;
  hugepages: HugepagePool[];
}

export interface CpuCache {
  /** 1, 2, 3 … */
  level: number;
  /** Data, Instruction or Unified. */
  type: string;
  sizeBytes: number;
  /** The CPUs that share this cache. */
  cpus: number[];
}

export interface DiskDevice {
  name: string;
  major: number;
  minor: number;
  sizeBytes: number;
  /** The active I/O scheduler (the bracketed one), when the queue has one. */
  scheduler?: string;
}

export interface NetworkDevice {
  name: string;
  macAddress?: string;
  mtu?: number;
  /** Link speed in Mbit/s; undefined when the driver does not know it (virtual devices print -1). */
  speedMbps?: number;
}

export interface FilesystemInfo {
  device: string;
  mountpoint: string;
  type: string;
  capacityBytes?: number;
  inodes?: number;
}

/**
 * The rest of cAdvisor's MachineInfo, for `podpulse machine`: CPU model and frequency, huge page
 * pools, NUMA nodes, caches, disks, network devices, filesystems and the OS. Each part reads its own
 * files under the configured roots and is left empty (or undefined) when they are missing: a
 * container without the host's /sys still gets the rest. Nothing is guessed.
 */
export interface MachineDetails {
  cpuModel?: string;
  /** cpufreq cpuinfo_max_freq of cpu0, else `cpu MHz` of /proc/cpuinfo. */
  cpuFrequencyHz?: number;
  hugepages: HugepagePool[];
  numaNodes: NumaNode[];
  caches: CpuCache[];
  disks: DiskDevice[];
  networkDevices: NetworkDevice[];
  filesystems: FilesystemInfo[];
  /** PRETTY_NAME of <rootfs>/etc/os-release. */
  osImage?: string;
}

/** Virtual block devices that are no disk of the machine (cAdvisor skips the same majors by name). */
const NOT_A_DISK = /^(loop|ram|zram|nbd|sr|fd)\d*/;

export function readMachineDetails(roots: MachineRoots, reader: FileReader): MachineDetails {
  const proc = new ProcFs(roots.procRoot);
  const cpuDir = join(roots.sysRoot, 'devices', 'system', 'cpu');
  const cpuinfo = reader.readOptional(proc.path('cpuinfo')) ?? '';
  const out: MachineDetails = {
    hugepages: part(() => readHugepages(join(roots.sysRoot, 'kernel', 'mm', 'hugepages'), reader)),
    numaNodes: part(() => readNumaNodes(roots.sysRoot, reader)),
    caches: part(() => readCaches(cpuDir, reader)),
    disks: part(() => readDisks(roots.sysRoot, reader)),
    networkDevices: part(() => readNetworkDevices(roots.sysRoot, reader)),
    filesystems: part(() => readFilesystems(proc, roots.rootfsRoot, reader)),
  };
  const model = cpuModelOf(cpuinfo);
  if (model) out.cpuModel = model;
  const maxKhz = numberIn(reader.readOptional(join(cpuDir, 'cpu0', 'cpufreq', 'cpuinfo_max_freq')));
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(cpuinfo)?.[1] ?? NaN);
  if (maxKhz !== undefined) out.cpuFrequencyHz = maxKhz * 1000;
  else if (Number.isFinite(mhz)) out.cpuFrequencyHz = Math.round(mhz * 1e6);
  const os = osImageOf(reader.readOptional(join(roots.rootfsRoot, 'etc', 'os-release')) ?? '');
  if (os !== undefined) out.osImage = os;
  return out;
}

/** One part's facts, or none when its files cannot be read (permissions, a half-mounted /sys). */
function part<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}

/** x86 `model name`; arm64 has none (its `CPU part` is a number, not a name). */
export function cpuModelOf(cpuinfo: string): string | undefined {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() || undefined;
}

/** PRETTY_NAME of an os-release file, unquoted. */
export function osImageOf(osRelease: string): string | undefined {
  const pretty = /^PRETTY_NAME=(.*)$/m.exec(osRelease)?.[1];
  return pretty === undefined ? undefined : pretty.replace(/^"(.*)"$/, '$1');
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}

/** A file holding one integer; undefined when missing or not a number. */
function numberIn(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** `hugepages-2048kB/nr_hugepages` directories (global in /sys/kernel/mm, per node under node<N>). */
function readHugepages(dir: string, reader: FileReader): HugepagePool[] {
  const out: HugepagePool[] = [];
  for (const name of list(dir)) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    const count = m ? numberIn(reader.readOptional(join(dir, name, 'nr_hugepages'))) : undefined;
    if (m && count !== undefined) out.push({ pageSizeBytes: Number(m[1]) * 1024, count });
  }
  return out.sort((a, b) => a.pageSizeBytes - b.pageSizeBytes);
}

function readNumaNodes(sysRoot: string, reader: FileReader): NumaNode[] {
  const base = join(sysRoot, 'devices', 'system', 'node');
  const out: NumaNode[] = [];
  for (const name of list(base)) {
    const m = /^node(\d+)$/.exec(name);
    if (!m) continue;
    const dir = join(base, name);
    const cpulist = reader.readOptional(join(dir, 'cpulist'));
    const node: NumaNode = { id: Number(m[1]), cpus: cpulist === undefined ? [] : parseCpuList(cpulist, join(dir, 'cpulist')), hugepages: readHugepages(join(dir, 'hugepages'), reader) };
    // "Node 0 MemTotal:  24683792 kB": drop the "Node 0 " prefix and it is meminfo.
    const meminfo = reader.readOptional(join(dir, 'meminfo'));
    const total = meminfo === undefined ? undefined : parseMeminfo(meminfo.replace(/^Node \d+ /gm, ''), join(dir, 'meminfo')).MemTotal;
    if (total !== undefined) node.memoryBytes = total;
    out.push(node);
  }
  return out;
}

/** Distinct caches over all CPUs (a cache shared by two CPUs is listed once). */
function readCaches(cpuDir: string, reader: FileReader): CpuCache[] {
  const out = new Map<string, CpuCache>();
  for (const cpu of list(cpuDir).filter((n) => /^cpu\d+$/.test(n))) {
    const cacheDir = join(cpuDir, cpu, 'cache');
    for (const index of list(cacheDir).filter((n) => /^index\d+$/.test(n))) {
      const file = (f: string) => reader.readOptional(join(cacheDir, index, f))?.trim();
      const level = numberIn(file('level'));
      const type = file('type');
      const size = /^(\d+)([KMG]?)$/.exec(file('size') ?? '');
      const shared = file('shared_cpu_list');
      if (level === undefined || type === undefined || size === null || shared === undefined) continue;
      const key = `${level}/${type}/${shared}`;
      if (out.has(key)) continue;
      const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[size[2] as '' | 'K' | 'M' | 'G'];
      out.set(key, { level, type, sizeBytes: Number(size[1]) * unit, cpus: parseCpuList(shared, join(cacheDir, index, 'shared_cpu_list')) });
    }
  }
  return [...out.values()];
}

function readDisks(sysRoot: string, reader: FileReader): DiskDevice[] {
  const out: DiskDevice[] = [];
  for (const name of list(join(sysRoot, 'block'))) {
    if (NOT_A_DISK.test(name)) continue;
    const dir = join(sysRoot, 'block', name);
    const dev = /^(\d+):(\d+)$/.exec(reader.readOptional(join(dir, 'dev'))?.trim() ?? '');
    const sectors = numberIn(reader.readOptional(join(dir, 'size')));
    if (dev === null || sectors === undefined) continue;
    // `size` is in 512-byte sectors whatever the device's block size.
    const disk: DiskDevice = { name, major: Number(dev[1]), minor: Number(dev[2]), sizeBytes: sectors * 512 };
    const scheduler = /\[(\S+)\]/.exec(reader.readOptional(join(dir, 'queue', 'scheduler')) ?? '')?.[1];
    if (scheduler !== undefined) disk.scheduler = scheduler;
    out.push(disk);
  }
  return out;
}

function readNetworkDevices(sysRoot: string, reader: FileReader): NetworkDevice[] {
  const out: NetworkDevice[] = [];
  for (const name of list(join(sysRoot, 'class', 'net'))) {
    if (name === 'lo' || name === 'bonding_masters') continue;
    const dir = join(sysRoot, 'class', 'net', name);
    const device: NetworkDevice = { name };
    const mac = reader.readOptional(join(dir, 'address'))?.trim();
    const mtu = numberIn(reader.readOptional(join(dir, 'mtu')));
    // Reading speed of a link that is down fails with EINVAL: that is "unknown", not an error.
    let speed: number | undefined;
    try {
      speed = numberIn(reader.readOptional(join(dir, 'speed')));
    } catch {
      speed = undefined;
    }
    if (mac) device.macAddress = mac;
    if (mtu !== undefined) device.mtu = mtu;
    if (speed !== undefined && speed > 0) device.speedMbps = speed;
    out.push(device);
  }
  return out;
}

/** The host's device-backed mounts (pid 1's view), with statfs through the rootfs mount. */
function readFilesystems(proc: ProcFs, rootfs: string, reader: FileReader): FilesystemInfo[] {
  const mountinfo = reader.readOptional(proc.path(1, 'mountinfo'));
  if (mountinfo === undefined) return [];
  return parseDeviceMounts(mountinfo).map((m) => {
    const fs: FilesystemInfo = { device: m.device, mountpoint: m.mountpoint, type: m.type };
    try {
      const st = statfsSync(join(rootfs, m.mountpoint));
      fs.capacityBytes = st.blocks * st.bsize;
      fs.inodes = st.files;
    } catch {
      // Not visible through the rootfs mount: listed without sizes rather than guessed.
    }
    return fs;
  });
}
