/**
 * `podpulse machine`: the node as cAdvisor's MachineInfo describes it, read by the same functions
 * that feed machine_* and the resource attributes (machine/machine-info.ts, machine-details.ts).
 * Needs no runtime and no cgroups: only the configured proc, sys and rootfs roots.
 */
import { FileReader } from '../fs/file-reader.js';
import { readMachineDetails, type MachineDetails } from '../machine/machine-details.js';
import { readMachineInfo, type MachineInfo, type MachineRoots } from '../machine/machine-info.js';
import type { Command } from './command.js';
import { bytes, table } from './format.js';

export type MachineReport = MachineInfo & MachineDetails;

export function machineReport(roots: MachineRoots, reader: FileReader): MachineReport {
  return { ...readMachineInfo(roots, reader), ...readMachineDetails(roots, reader) };
}

export const machineCommand: Command = {
  name: 'machine',
  summary: "the node's CPUs, memory, huge pages, NUMA nodes, caches, disks, network devices, filesystems, ids, kernel and OS",
  usage: 'machine [--json]',
  flags: { json: 'boolean' },
  positionals: [],
  async run(ctx) {
    const { paths } = ctx.config;
    const reader = new FileReader();
    try {
      const report = machineReport({ procRoot: paths.proc, sysRoot: paths.sys, rootfsRoot: paths.rootfs }, reader);
      ctx.out.write(ctx.args.values.json === true ? JSON.stringify(report, null, 2) + '\n' : machineText(report));
      return 0;
    } finally {
      reader.close();
    }
  },
};

const show = (v: string | number | undefined): string => (v === undefined ? '-' : String(v));

/** CPU numbers as a kernel cpu list: 0-3,8. */
function cpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === (cpus[j] as number) + 1) j++;
    parts.push(i === j ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',') || '-';
}

export function machineText(m: MachineReport): string {
  const lines = [
    `Hostname          ${show(m.hostname)}`,
    `OS                ${show(m.osImage)}`,
    `Kernel            ${show(m.kernelVersion)}`,
    `Machine ID        ${show(m.machineId)}`,
    `System UUID       ${show(m.systemUuid)}`,
    `Boot ID           ${show(m.bootId)}`,
    `CPU model         ${show(m.cpuModel)}`,
    `CPU frequency     ${m.cpuFrequencyHz === undefined ? '-' : `${(m.cpuFrequencyHz / 1e6).toFixed(0)} MHz`}`,
    `CPUs              ${show(m.cpuCores)} logical, ${show(m.physicalCores)} physical cores, ${show(m.sockets)} socket(s)`,
    `Memory            ${bytes(m.memoryBytes)}`,
    `Swap              ${bytes(m.swapBytes)}`,
    `Huge pages        ${m.hugepages.map((h) => `${h.count} × ${bytes(h.pageSizeBytes)}`).join(', ') || '-'}`,
    '',
  ];
  const section = (title: string, header: string[], rows: string[][]): void => {
    lines.push(`${title}:`);
    lines.push(rows.length === 0 ? '  (none found)' : table(header, rows).trimEnd().replace(/^/gm, '  '));
    lines.push('');
  };
  section('NUMA nodes', ['NODE', 'CPUS', 'MEMORY', 'HUGEPAGES'], m.numaNodes.map((n) => [String(n.id), cpuList(n.cpus), bytes(n.memoryBytes), n.hugepages.map((h) => `${h.count}×${bytes(h.pageSizeBytes)}`).join(',') || '-']));
  section('Caches', ['LEVEL', 'TYPE', 'SIZE', 'CPUS'], m.caches.map((c) => [`L${c.level}`, c.type, bytes(c.sizeBytes), cpuList(c.cpus)]));
  section('Disks', ['NAME', 'MAJ:MIN', 'SIZE', 'SCHEDULER'], m.disks.map((d) => [d.name, `${d.major}:${d.minor}`, bytes(d.sizeBytes), show(d.scheduler)]));
  section('Network devices', ['NAME', 'MAC', 'MTU', 'SPEED'], m.networkDevices.map((n) => [n.name, show(n.macAddress), show(n.mtu), n.speedMbps === undefined ? '-' : `${n.speedMbps} Mb/s`]));
  section('Filesystems', ['DEVICE', 'MOUNTPOINT', 'TYPE', 'CAPACITY', 'INODES'], m.filesystems.map((f) => [f.device, f.mountpoint, f.type, bytes(f.capacityBytes), show(f.inodes)]));
  return lines.join('\n').replace(/\n+$/, '\n');
}
