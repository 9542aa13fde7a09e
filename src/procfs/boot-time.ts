import { ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { parseUnsigned } from './numbers.js';
import type { ProcFs } from './proc-fs.js';

/**
 * The boot time from /proc/stat's `btime` line (`btime 1764263400`), seconds since the epoch.
 * https://docs.kernel.org/filesystems/proc.html#miscellaneous-kernel-statistics-in-proc-stat
 */
export function parseBootTime(text: string, file = '/proc/stat'): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith('btime ')) continue;
    return parseUnsigned(line.slice('btime '.length).trim(), file, 'btime');
  }
  throw new ParseError(file, 'no btime line');
}

export function readBootTime(proc: ProcFs, reader: FileReader): number {
  const path = proc.path('stat');
  return parseBootTime(reader.read(path), path);
}
