import { ParseError } from '../errors.js';
import { fields } from './numbers.js';

/** One row of /proc/<pid>/limits; -1 stands for "unlimited", as cAdvisor and limits.conf write it. */
export interface ResourceLimit {
  soft: number;
  hard: number;
}

const MAX_OPEN_FILES = 'Max open files';

function limitValue(token: string | undefined, file: string, what: string): number {
  if (token === 'unlimited') return -1;
  if (token === undefined || !/^\d+$/.test(token)) throw new ParseError(file, `${what}: expected a number or "unlimited", got ${JSON.stringify(token)}`);
  return Number(token);
}

/**
 * The "Max open files" row of /proc/<pid>/limits (RLIMIT_NOFILE), the only ulimit cAdvisor exports
 * (container_ulimits_soft{ulimit="max_open_files"}).
 *
 * ```
 * Limit                     Soft Limit           Hard Limit           Units
 * Max open files            1024                 1048576              files
 * ```
 * Names are fixed-width and contain spaces, so the row is found by its name and the values are the
 * blank-separated words after it. Undefined when the row is missing; ParseError when it is malformed.
 */
export function parseMaxOpenFiles(text: string, file = '/proc/<pid>/limits'): ResourceLimit | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(MAX_OPEN_FILES)) continue;
    const f = fields(line.slice(MAX_OPEN_FILES.length));
    if (f.length < 2) throw new ParseError(file, `${MAX_OPEN_FILES}: expected soft and hard values, got ${JSON.stringify(line)}`);
    return { soft: limitValue(f[0], file, 'soft limit'), hard: limitValue(f[1], file, 'hard limit') };
  }
  return undefined;
}
