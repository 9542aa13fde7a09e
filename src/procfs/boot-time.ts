import { ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { parseUnsigned } from './numbers.js';
import type { ProcFs } from './proc-fs.js';

/**
 * The boot time in Unix seconds: the `btime` line of /proc/stat. A process started at
 * btime + starttime / USER_HZ (/proc/<pid>/stat field 22).
 *
 * ```
 * cpu  2255 34 2290 22625563 6290 127 456 0 0 0
 * btime 1769154392
 * ```
 */
export function parseBootTime(text: string, file = '/proc/stat'): number {
  const m = /^btime[ \t]+(\S+)$/m.exec(text);
  if (m === null) throw new ParseError(file, 'no "btime" line');
  return parseUnsigned(m[1], file, 'btime');
}

export function readBootTime(proc: ProcFs, reader: FileReader): number {
  const path = proc.path('stat');
  return parseBootTime(reader.read(path), path);
}
