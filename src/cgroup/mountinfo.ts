/**
 * /proc/<pid>/mountinfo, reduced to cgroup mounts.
 * https://docs.kernel.org/filesystems/proc.html#proc-pid-mountinfo-information-about-mounts
 *   `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu`
 *   `40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd`
 *   `41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate`
 * Fields: mount id, parent id, major:minor, root, mount point, mount options, optional fields
 * (`shared:N`, `master:N`, …) up to a lone `-`, then fs type, source, super options.
 */

export interface CgroupMount {
  /** Mount point as the kernel prints it, octal escapes (`\040`) decoded. */
  mountPoint: string;
  /** Path of the hierarchy that is mounted there; `/` unless a subtree is bind-mounted or a cgroup namespace hides the rest. */
  root: string;
  version: 1 | 2;
  /** v1: controllers from the super options (`cpu`, `cpuacct`, `name=systemd`, …); v2: always empty. */
  controllers: string[];
}

/** Super options of a v1 cgroup mount that are mount flags, not controllers. */
const V1_MOUNT_FLAGS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);

function unescapeOctal(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))) : s;
}

function v1Controllers(superOptions: string): string[] {
  const out: string[] = [];
  for (const opt of superOptions.split(',')) {
    if (opt === '' || V1_MOUNT_FLAGS.has(opt)) continue;
    // `name=systemd` names a controller-less hierarchy; other `k=v` options are settings (release_agent=…).
    if (opt.includes('=') && !opt.startsWith('name=')) continue;
    out.push(opt);
  }
  return out;
}

/** All cgroup (v1) and cgroup2 mounts, in file order. Other filesystems and malformed lines are skipped. */
export function parseMountinfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    // The kernel never prints a short line; skipping one keeps a reader of a foreign file lenient.
    if (sep < 0 || sep + 3 >= fields.length) continue;
    const fsType = fields[sep + 1]!;
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const version = fsType === 'cgroup2' ? 2 : 1;
    out.push({
      mountPoint: unescapeOctal(fields[4]!),
      root: unescapeOctal(fields[3]!),
      version,
      controllers: version === 1 ? v1Controllers(fields[sep + 3] ?? '') : [],
    });
  }
  return out;
}
