/**
 * Block-device filesystems from a mountinfo file (/proc/1/mountinfo: the host's mount namespace,
 * also when the agent runs in a container with the host's /proc mounted).
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/filesystems/proc.html (3.5 /proc/<pid>/mountinfo)
 *
 * ```
 * 27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
 * ```
 * Fields: id, parent, major:minor, root, mount point, options, optional fields ended by `-`, then
 * type, source, super options. Mount points escape blanks as `\040`. Only sources under /dev/ count
 * (tmpfs, overlay, proc, … have no device); a device mounted twice is listed once, at its first
 * mount point, as cAdvisor does.
 */
export interface MountedFilesystem {
  device: string;
  major: number;
  minor: number;
  mountpoint: string;
  type: string;
}

export function parseDeviceMounts(text: string): MountedFilesystem[] {
  const out: MountedFilesystem[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0) continue;
    const source = f[dash + 2] ?? '';
    const mm = /^(\d+):(\d+)$/.exec(f[2] ?? '');
    if (!source.startsWith('/dev/') || mm === null || seen.has(source)) continue;
    seen.add(source);
    out.push({
      device: source,
      major: Number(mm[1]),
      minor: Number(mm[2]),
      mountpoint: (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
      type: f[dash + 1] ?? '',
    });
  }
  return out;
}
