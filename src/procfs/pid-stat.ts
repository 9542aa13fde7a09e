import { ParseError } from '../errors.js';
import { fields, parseSigned, parseUnsigned } from './numbers.js';

/**
 * The fields of /proc/<pid>/stat that we use, in the kernel's units (ticks are USER_HZ,
 * sysconf(_SC_CLK_TCK); rss is in pages, sysconf(_SC_PAGESIZE)).
 */
export interface PidStat {
  pid: number;
  /** Executable name, up to 15 bytes; may contain spaces and parentheses. */
  comm: string;
  /** One letter: R, S, D, Z, T, t, X, I, … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  minflt: number;
  majflt: number;
  utimeTicks: number;
  stimeTicks: number;
  /** Signed in the kernel (long). */
  cutimeTicks: number;
  cstimeTicks: number;
  /** Negative for real-time tasks (-2 … -100). */
  priority: number;
  /** -20 … 19. */
  nice: number;
  numThreads: number;
  /** Start time in ticks after boot: start = btime + starttimeTicks / USER_HZ. */
  starttimeTicks: number;
  vsizeBytes: number;
  rssPages: number;
  /** CPU last run on (field 39, since 2.2.8); undefined on shorter lines. */
  processor?: number;
}

/**
 * Parse /proc/<pid>/stat.
 *
 * Kernel doc: https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 * (https://www.kernel.org/doc/html/latest/filesystems/proc.html, table 1-4)
 *
 * ```
 * 6147 (cat) R 6139 6139 3132 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 30156 3133440 378 18446744073709551615 …
 * 42 (a) (b c) d) S 1 42 42 0 -1 …
 * ```
 * comm is whatever lies between the first `(` and the LAST `)`: a process can name itself
 * `a) (b c) d`, and splitting on spaces would then read `(b` as the state. Fields after rss
 * (field 24) are optional; fewer fields than that throw ParseError.
 */
export function parsePidStat(text: string, file = '/proc/<pid>/stat'): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) throw new ParseError(file, 'no "(comm)" field');
  const pid = parseUnsigned(text.slice(0, open).trim(), file, 'pid');
  const comm = text.slice(open + 1, close);
  // f[0] is field 3 (state), so field n is f[n - 3].
  const f = fields(text.slice(close + 1));
  if (f.length < 22) throw new ParseError(file, `expected at least 24 fields, got ${f.length + 2}`);
  const u = (n: number, what: string): number => parseUnsigned(f[n - 3], file, what);
  const s = (n: number, what: string): number => parseSigned(f[n - 3], file, what);
  const state = f[0]!;
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError(file, `state: expected one letter, got ${JSON.stringify(state)}`);
  const out: PidStat = {
    pid,
    comm,
    state,
    ppid: s(4, 'ppid'),
    pgrp: s(5, 'pgrp'),
    session: s(6, 'session'),
    minflt: u(10, 'minflt'),
    majflt: u(12, 'majflt'),
    utimeTicks: u(14, 'utime'),
    stimeTicks: u(15, 'stime'),
    cutimeTicks: s(16, 'cutime'),
    cstimeTicks: s(17, 'cstime'),
    priority: s(18, 'priority'),
    nice: s(19, 'nice'),
    numThreads: s(20, 'num_threads'),
    starttimeTicks: u(22, 'starttime'),
    vsizeBytes: u(23, 'vsize'),
    rssPages: s(24, 'rss'),
  };
  if (f.length >= 39 - 2) out.processor = s(39, 'processor');
  return out;
}
