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
  const fast = kernelForm(text, close, pid, comm);
  if (fast !== undefined) return fast;
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

/** The numeric fields parsePidStat keeps, by field number: u = unsigned, s = signed. */
const KEPT: ReadonlyArray<readonly [field: number, key: Exclude<keyof PidStat, 'pid' | 'comm' | 'state'>, sign: 'u' | 's']> = [
  [4, 'ppid', 's'],
  [5, 'pgrp', 's'],
  [6, 'session', 's'],
  [10, 'minflt', 'u'],
  [12, 'majflt', 'u'],
  [14, 'utimeTicks', 'u'],
  [15, 'stimeTicks', 'u'],
  [16, 'cutimeTicks', 's'],
  [17, 'cstimeTicks', 's'],
  [18, 'priority', 's'],
  [19, 'nice', 's'],
  [20, 'numThreads', 's'],
  [22, 'starttimeTicks', 'u'],
  [23, 'vsizeBytes', 'u'],
  [24, 'rssPages', 's'],
  [39, 'processor', 's'],
];

/**
 * parsePidStat of the fields after comm as the kernel writes them (do_task_stat: one space before
 * each field, a newline at the end, numbers of at most 15 digits), without splitting them into
 * strings; undefined for anything else (tabs, runs of blanks, odd characters, too few fields, a
 * kept field that is not a number), which the general path then parses or refuses.
 */
function kernelForm(text: string, close: number, pid: number, comm: string): PidStat | undefined {
  let end = text.length;
  if (end > close + 1 && text.charCodeAt(end - 1) === 10) end--;
  const values: number[] = [];
  let state = '';
  let field = 3;
  let kept = 0;
  for (let i = close + 1; i < end; field++) {
    if (text.charCodeAt(i) !== 32) return undefined;
    const start = ++i;
    while (i < end && text.charCodeAt(i) !== 32) i++;
    if (i === start) return undefined;
    if (field === 3) {
      const c = text.charCodeAt(start);
      if (i - start !== 1 || !((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return undefined;
      state = text[start]!;
      continue;
    }
    const want = KEPT[kept];
    if (want === undefined || want[0] !== field) {
      // Not kept: the general path does not look at it either, but it splits on tabs too.
      for (let k = start; k < i; k++) if (text.charCodeAt(k) === 9) return undefined;
      continue;
    }
    let k = start;
    const negative = text.charCodeAt(k) === 45;
    if (negative && want[2] === 'u') return undefined;
    if (negative) k++;
    if (i - k === 0 || i - k > 15) return undefined;
    let value = 0;
    for (; k < i; k++) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) return undefined;
      value = value * 10 + c;
    }
    values.push(negative && value !== 0 ? -value : value);
    kept++;
  }
  // Fields 3-24 at least (f.length >= 22 in the general path).
  if (field - 3 < 22) return undefined;
  const out: PidStat = {
    pid,
    comm,
    state,
    ppid: values[0]!,
    pgrp: values[1]!,
    session: values[2]!,
    minflt: values[3]!,
    majflt: values[4]!,
    utimeTicks: values[5]!,
    stimeTicks: values[6]!,
    cutimeTicks: values[7]!,
    cstimeTicks: values[8]!,
    priority: values[9]!,
    nice: values[10]!,
    numThreads: values[11]!,
    starttimeTicks: values[12]!,
    vsizeBytes: values[13]!,
    rssPages: values[14]!,
  };
  if (values.length > 15) out.processor = values[15]!;
  return out;
}
