import { ParseError } from '../errors.js';
import { fields, parseUnsigned } from './numbers.js';

/**
 * One block device line of /proc/diskstats. Counters are cumulative since boot; sectors are
 * always 512 bytes here, whatever the device's sector size. Columns that the running kernel
 * does not print (discards since 4.18, flushes since 5.5) stay undefined.
 */
export interface DiskStat {
  major: number;
  minor: number;
  /** Kernel name as printed (`vda`, `nvme0n1p1`, `dm-0`). */
  name: string;
  /** `/dev/<name>`: the `device` label cAdvisor derives from this file. */
  device: string;
  readsCompleted?: number;
  readsMerged?: number;
  sectorsRead?: number;
  readTimeMs?: number;
  writesCompleted?: number;
  writesMerged?: number;
  sectorsWritten?: number;
  writeTimeMs?: number;
  ioInProgress?: number;
  ioTimeMs?: number;
  weightedIoTimeMs?: number;
  discardsCompleted?: number;
  discardsMerged?: number;
  sectorsDiscarded?: number;
  discardTimeMs?: number;
  flushesCompleted?: number;
  flushTimeMs?: number;
}

type Counter = Exclude<keyof DiskStat, 'major' | 'minor' | 'name' | 'device'>;

const COLUMNS: readonly Counter[] = [
  'readsCompleted',
  'readsMerged',
  'sectorsRead',
  'readTimeMs',
  'writesCompleted',
  'writesMerged',
  'sectorsWritten',
  'writeTimeMs',
  'ioInProgress',
  'ioTimeMs',
  'weightedIoTimeMs',
  'discardsCompleted',
  'discardsMerged',
  'sectorsDiscarded',
  'discardTimeMs',
  'flushesCompleted',
  'flushTimeMs',
];

/** Partitions on kernels before 2.6.25 printed only these four counters. */
const OLD_PARTITION_COLUMNS: readonly Counter[] = [
  'readsCompleted',
  'sectorsRead',
  'writesCompleted',
  'sectorsWritten',
];

/**
 * Parse /proc/diskstats.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/admin-guide/iostats.html
 *
 * ```
 *  254       0 vda 59244 22429 1324082 15424 4863 12890 1342720 2745 1 10692 18583 3456 26 60880 393 599 20
 *    7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 * ```
 * Blank lines are ignored; a line with fewer than 3 columns or a non-numeric value throws
 * ParseError. Columns beyond the 17 known ones are ignored.
 */
export function parseDiskstats(text: string, file = '/proc/diskstats'): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const f = fields(line);
    if (f.length === 0) continue;
    const name = f[2];
    if (name === undefined) throw new ParseError(file, `expected "major minor name …", got ${JSON.stringify(line)}`);
    const disk: DiskStat = {
      major: parseUnsigned(f[0], file, 'major'),
      minor: parseUnsigned(f[1], file, 'minor'),
      name,
      device: `/dev/${name}`,
    };
    const counters = f.length - 3;
    const columns = counters === OLD_PARTITION_COLUMNS.length ? OLD_PARTITION_COLUMNS : COLUMNS;
    const n = Math.min(counters, columns.length);
    for (let i = 0; i < n; i++) {
      const column = columns[i]!;
      disk[column] = parseUnsigned(f[i + 3], file, `${name} ${column}`);
    }
    out.push(disk);
  }
  return out;
}

/** `major:minor` → `/dev/<name>`, for labelling blkio / io.stat lines that only carry numbers. */
export function deviceNames(disks: readonly DiskStat[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const d of disks) names.set(`${d.major}:${d.minor}`, d.device);
  return names;
}
