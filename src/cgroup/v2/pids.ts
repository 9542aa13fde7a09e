/**
 * cgroup v2 pids.current / pids.max have the v1 format exactly (`3\n`, `max\n`), and are likewise
 * absent from the root cgroup. https://docs.kernel.org/admin-guide/cgroup-v2.html#pid-interface-files
 *   pids.current   `7\n`
 *   pids.max       `max\n` or `1024\n`
 */
export { parsePidsCurrent, parsePidsMax } from '../v1/pids.js';
