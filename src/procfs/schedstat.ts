import { ParseError } from '../errors.js';
import { fields, parseUnsigned } from './numbers.js';

/**
 * /proc/<pid>/schedstat: three numbers of the task (for a pid: its main thread), cumulative since
 * the task started.
 *
 * Kernel doc: https://docs.kernel.org/scheduler/sched-stats.html (section "/proc/<pid>/schedstat")
 *
 * ```
 * 947676 519034 4
 * ```
 * 1) time spent on the cpu (ns), 2) time spent waiting on a runqueue (ns), 3) number of timeslices
 * run on this cpu. Kernels without CONFIG_SCHEDSTATS still print the line (zeros for the first two
 * unless sched_schedstats is on, depending on the version); more or fewer than three fields is malformed.
 */
export interface Schedstat {
  runNs: number;
  runqueueNs: number;
  runPeriods: number;
}

export function parseSchedstat(text: string, file = '/proc/<pid>/schedstat'): Schedstat {
  const f = fields(text);
  if (f.length !== 3) throw new ParseError(file, `expected 3 fields, got ${f.length}`);
  return {
    runNs: parseUnsigned(f[0], file, 'run time'),
    runqueueNs: parseUnsigned(f[1], file, 'runqueue time'),
    runPeriods: parseUnsigned(f[2], file, 'run periods'),
  };
}
