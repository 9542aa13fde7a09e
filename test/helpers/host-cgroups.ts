/**
 * What kind of cgroup host a mountinfo text describes, worked out independently of
 * src/cgroup/detect.ts so that tests of the live machine can say what the agent should find there
 * (v1, v2 or hybrid) instead of assuming the development machine's layout.
 *
 * Deliberately plain: a line's fields are split on spaces, the filesystem type follows the ` - `
 * separator, and a v1 hierarchy's controllers are its super options that name a kernel controller
 * (or `name=…`). Only mounts of a hierarchy's root (`/` in field 4) count, as in the agent.
 */

/** Controllers a v1 hierarchy can carry (Documentation/admin-guide/cgroup-v1 and /proc/cgroups). */
const V1_CONTROLLERS = new Set([
  'blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'misc', 'net_cls', 'net_prio',
  'perf_event', 'pids', 'rdma',
]);

export interface HostCgroups {
  /** `none` when no cgroup hierarchy root is mounted. */
  mode: 'v1' | 'v2' | 'hybrid' | 'none';
  /** Mount point of cgroup2, when mounted. */
  unified?: string;
  /** v1 controller (or `name=…`) → mount point of its hierarchy; empty on v2. */
  v1: Map<string, string>;
}

/** Undoes mountinfo's octal escapes (`\040` for a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function hostCgroupsFromMountinfo(text: string): HostCgroups {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields[3] !== '/') continue;
    const mountPoint = unescape(fields[4] ?? '');
    const fsType = fields[sep + 1];
    if (fsType === 'cgroup2') {
      unified ??= mountPoint;
    } else if (fsType === 'cgroup') {
      for (const opt of (fields[sep + 3] ?? '').split(',')) {
        if ((V1_CONTROLLERS.has(opt) || opt.startsWith('name=')) && !v1.has(opt)) v1.set(opt, mountPoint);
      }
    }
  }
  // A named hierarchy alone (name=systemd next to cgroup2) holds no statistics: not v1.
  const controllers = [...v1.keys()].some((c) => V1_CONTROLLERS.has(c));
  const mode = controllers ? (unified === undefined ? 'v1' : 'hybrid') : unified === undefined ? 'none' : 'v2';
  return { mode, ...(unified === undefined ? {} : { unified }), v1: mode === 'v2' || mode === 'none' ? new Map() : v1 };
}

/** What a read of the root cgroup must show on such a host. */
export interface RootCgroupExpectations {
  /** PSI comes from cgroup2 only (v2, or the unified mount of a hybrid host), when the kernel has it. */
  pressure: boolean;
  /** The file whose presence decides `pressure`, when there is a cgroup2 mount. */
  pressureFile?: string;
}

/**
 * PSI is read from `<cgroup2>/cpu.pressure` etc. A kernel built without CONFIG_PSI, or booted
 * with psi=0, has no such files; a v1-only host has no cgroup2 to read them from.
 */
export function rootCgroupExpectations(host: HostCgroups, exists: (path: string) => boolean): RootCgroupExpectations {
  if (host.unified === undefined || host.mode === 'v1' || host.mode === 'none') return { pressure: false };
  const pressureFile = `${host.unified.replace(/\/$/, '')}/cpu.pressure`;
  return { pressure: exists(pressureFile), pressureFile };
}

/**
 * Reads the root cgroup's CPU time in seconds the way the agent does on such a host: cpuacct.usage
 * (nanoseconds) of the v1 cpuacct hierarchy on v1 and hybrid hosts, `usage_usec` of cgroup2's
 * cpu.stat on v2. Throws when the host has neither.
 */
export function rootCpuSecondsReader(host: HostCgroups, read: (path: string) => string): () => number {
  const cpuacct = host.v1.get('cpuacct');
  if (host.mode !== 'v2' && cpuacct !== undefined) return () => Number(read(`${cpuacct}/cpuacct.usage`)) / 1e9;
  if (host.mode === 'v2' && host.unified !== undefined) {
    const file = `${host.unified.replace(/\/$/, '')}/cpu.stat`;
    return () => Number(/^usage_usec (\d+)$/m.exec(read(file))?.[1]) / 1e6;
  }
  throw new Error(`no cpuacct hierarchy and no cgroup2 on this ${host.mode} host`);
}
