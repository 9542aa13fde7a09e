import { join } from 'node:path';
import type { FileReader } from '../fs/file-reader.js';
import { parseCpuinfo, type Cpuinfo } from './cpuinfo.js';
import { parseDiskstats, type DiskStat } from './diskstats.js';
import { parseMeminfo, type Meminfo } from './meminfo.js';
import { parseNetDev, type NetDevInterface } from './net-dev.js';
import { parsePidStat, type PidStat } from './pid-stat.js';

/**
 * Where procfs is mounted: `/proc` on a host, `/host/proc` in a container, a fixture directory
 * in tests. The root is a value handed to every reader, never a constant inside one.
 */
export class ProcFs {
  readonly root: string;
  /** root, normalized, without a trailing slash ('' for '/'). */
  readonly #base: string;

  constructor(root: string) {
    this.root = root;
    const normal = join(root);
    this.#base = normal.endsWith('/') ? normal.slice(0, -1) : normal;
  }

  /** `path('self', 'net', 'dev')` → `<root>/self/net/dev`. */
  path(...parts: ReadonlyArray<string | number>): string {
    // Plain names (pids, file names) need no normalizing: concatenation is what path.join would
    // give here, at a fraction of its cost, for several files per process per cycle.
    let out = this.#base;
    for (const p of parts) {
      const s = String(p);
      if (s === '' || s === '.' || s === '..' || s.includes('/')) return join(this.root, ...parts.map(String));
      out += '/' + s;
    }
    return out === '' ? '/' : out;
  }
}

// Readers: one whole-file read, then the pure parser, with the real path in any ParseError.
// A missing file throws GoneError (for a pid: the process exited), anything else ReadError.

export function readMeminfo(proc: ProcFs, reader: FileReader): Meminfo {
  const path = proc.path('meminfo');
  return parseMeminfo(reader.read(path), path);
}

export function readCpuinfo(proc: ProcFs, reader: FileReader): Cpuinfo {
  const path = proc.path('cpuinfo');
  return parseCpuinfo(reader.read(path), path);
}

export function readDiskstats(proc: ProcFs, reader: FileReader): DiskStat[] {
  const path = proc.path('diskstats');
  return parseDiskstats(reader.read(path), path);
}

export function readPidStat(proc: ProcFs, pid: number, reader: FileReader): PidStat {
  const path = proc.path(pid, 'stat');
  return parsePidStat(reader.read(path), path);
}

/** Interfaces of the network namespace `pid` lives in (all pids of a pod share one). */
export function readNetDev(proc: ProcFs, pid: number, reader: FileReader): NetDevInterface[] {
  const path = proc.path(pid, 'net', 'dev');
  return parseNetDev(reader.read(path), path);
}
