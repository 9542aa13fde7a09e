import { ParseError } from '../../errors.js';
import { singleToken } from '../parse.js';

/**
 * cgroup v1 cpuset.memory_migrate: `0` or `1`, whether a task's pages follow it to the cpuset's new
 * memory nodes (https://docs.kernel.org/admin-guide/cgroup-v1/cpusets.html, 1.4). cgroup v2's cpuset
 * controller has no such file: pages always stay where they are.
 */
export function parseMemoryMigrate(text: string, file = 'cpuset.memory_migrate'): number {
  const token = singleToken(text, file);
  if (token !== '0' && token !== '1') throw new ParseError(file, `expected 0 or 1, got ${JSON.stringify(token)}`);
  return Number(token);
}
