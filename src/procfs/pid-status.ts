import { ParseError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { fields, parseUnsigned } from './numbers.js';
import type { ProcFs } from './proc-fs.js';

/** The fields of /proc/<pid>/status that `podpulse ps` and the per_process group use, in base units. */
export interface PidStatus {
  name: string;
  /** One letter, as in /proc/<pid>/stat. */
  state: string;
  ppid: number;
  /** Real, effective, saved and filesystem uid. */
  uids: readonly [number, number, number, number];
  /** VmRSS in bytes; undefined for kernel threads and zombies (the kernel prints no Vm* lines for them). */
  rssBytes?: number;
  /** VmSize in bytes; undefined as VmRSS. */
  vszBytes?: number;
  threads: number;
}

/**
 * Parse /proc/<pid>/status.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/filesystems/proc.html (table 1-2)
 *
 * ```
 * Name:	sh
 * State:	S (sleeping)
 * PPid:	0
 * Uid:	0	0	0	0
 * VmSize:	    1372 kB
 * VmRSS:	     876 kB
 * Threads:	1
 * ```
 * Name is everything after the tab (it may contain spaces; the kernel escapes newlines and
 * backslashes). A missing Name, State, PPid, Uid or Threads line throws ParseError.
 */
export function parsePidStatus(text: string, file = '/proc/<pid>/status'): PidStatus {
  const lines = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lines.set(line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, ''));
  }
  const need = (key: string): string => {
    const v = lines.get(key);
    if (v === undefined) throw new ParseError(file, `no "${key}:" line`);
    return v;
  };
  const kb = (key: string): number | undefined => {
    const v = lines.get(key);
    if (v === undefined) return undefined;
    const [n, unit] = fields(v);
    if (unit !== 'kB') throw new ParseError(file, `${key}: expected "<n> kB", got ${JSON.stringify(v)}`);
    return parseUnsigned(n, file, key) * 1024;
  };
  const state = need('State').trim().charAt(0);
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError(file, `State: expected a letter, got ${JSON.stringify(need('State'))}`);
  const uid = fields(need('Uid')).map((t, i) => parseUnsigned(t, file, `Uid[${i}]`));
  if (uid.length !== 4) throw new ParseError(file, `Uid: expected 4 numbers, got ${uid.length}`);
  const out: PidStatus = {
    name: need('Name'),
    state,
    ppid: parseUnsigned(need('PPid').trim(), file, 'PPid'),
    uids: [uid[0]!, uid[1]!, uid[2]!, uid[3]!],
    threads: parseUnsigned(need('Threads').trim(), file, 'Threads'),
  };
  const rss = kb('VmRSS');
  const vsz = kb('VmSize');
  if (rss !== undefined) out.rssBytes = rss;
  if (vsz !== undefined) out.vszBytes = vsz;
  return out;
}

export function readPidStatus(proc: ProcFs, pid: number, reader: FileReader): PidStatus {
  const path = proc.path(pid, 'status');
  return parsePidStatus(reader.read(path), path);
}
