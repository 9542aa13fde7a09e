import { ParseError } from '../errors.js';
import { parseUnsigned, fields } from './numbers.js';

/**
 * One `cpu` line of /proc/stat in USER_HZ ticks (sysconf(_SC_CLK_TCK), 100 on common kernels).
 * Columns appeared over time (iowait/irq/softirq in 2.6.0, steal 2.6.11, guest 2.6.24,
 * guest_nice 2.6.33), so the later ones are optional.
 */
export interface CpuTicks {
  userTicks: number;
  niceTicks: number;
  systemTicks: number;
  idleTicks: number;
  iowaitTicks?: number;
  irqTicks?: number;
  softirqTicks?: number;
  stealTicks?: number;
  guestTicks?: number;
  guestNiceTicks?: number;
}

export interface ProcStat {
  /** The aggregate `cpu` line. */
  total?: CpuTicks;
  /** `cpuN` lines keyed by N. Offline CPUs have no line, so the keys can have gaps. */
  perCpu: Map<number, CpuTicks>;
  /** Boot time, seconds since the epoch. */
  btime?: number;
  /** Context switches since boot. */
  ctxt?: number;
  /** Forks since boot. */
  processes?: number;
  procsRunning?: number;
  procsBlocked?: number;
}

const CPU_COLUMNS = [
  'userTicks',
  'niceTicks',
  'systemTicks',
  'idleTicks',
  'iowaitTicks',
  'irqTicks',
  'softirqTicks',
  'stealTicks',
  'guestTicks',
  'guestNiceTicks',
] as const;

type ScalarField = 'btime' | 'ctxt' | 'processes' | 'procsRunning' | 'procsBlocked';

const SCALARS: ReadonlyMap<string, ScalarField> = new Map([
  ['btime', 'btime'],
  ['ctxt', 'ctxt'],
  ['processes', 'processes'],
  ['procs_running', 'procsRunning'],
  ['procs_blocked', 'procsBlocked'],
]);

/**
 * Parse /proc/stat: the cpu lines and the scalar counters. `intr` and `softirq` are skipped.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/filesystems/proc.html#miscellaneous-kernel-statistics-in-proc-stat
 *
 * ```
 * cpu  3710 0 2145 53098 934 0 35 8 0 0
 * cpu0 1552 0 845 27499 96 0 8 2 0 0
 * btime 1795800803
 * ```
 * A cpu line with fewer than the four original columns throws ParseError.
 */
export function parseStat(text: string, file = '/proc/stat'): ProcStat {
  const out: ProcStat = { perCpu: new Map() };
  for (const line of text.split('\n')) {
    const f = fields(line);
    const key = f[0];
    if (key === undefined) continue;
    if (key.startsWith('cpu')) {
      const suffix = key.slice(3);
      if (suffix === '') {
        out.total = parseCpuTicks(f, file, key);
      } else if (/^\d+$/.test(suffix)) {
        out.perCpu.set(parseUnsigned(suffix, file, `${key} number`), parseCpuTicks(f, file, key));
      }
      continue;
    }
    const target = SCALARS.get(key);
    if (target !== undefined) out[target] = parseUnsigned(f[1], file, key);
  }
  return out;
}

function parseCpuTicks(f: string[], file: string, key: string): CpuTicks {
  const ticks: Partial<CpuTicks> = {};
  const n = Math.min(f.length - 1, CPU_COLUMNS.length);
  if (n < 4) throw new ParseError(file, `${key}: expected at least 4 columns, got ${n}`);
  for (let i = 0; i < n; i++) {
    const column = CPU_COLUMNS[i]!;
    ticks[column] = parseUnsigned(f[i + 1], file, `${key} ${column}`);
  }
  return ticks as CpuTicks;
}
