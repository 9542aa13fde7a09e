import { ParseError } from '../errors.js';
import { parseUnsigned } from './numbers.js';

/** One line of /proc/<pid>/mountinfo (the fields the filesystem metrics need). */
export interface Mount {
  major: number;
  minor: number;
  /** Path inside the filesystem that is mounted here (`/` unless a subtree is bind-mounted). */
  root: string;
  /** Mount point as the kernel prints it, octal escapes (`\040`) decoded. */
  mountPoint: string;
  fsType: string;
  /** The mount source (`/dev/vda1`, `tmpfs`, `overlay`, `server:/export`), escapes decoded. */
  source: string;
}

function unescapeOctal(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))) : s;
}

/**
 * Parse /proc/<pid>/mountinfo, every filesystem type, in file order.
 * https://docs.kernel.org/filesystems/proc.html#proc-pid-mountinfo-information-about-mounts
 *
 * ```
 * 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * ```
 * Fields: mount id, parent id, major:minor, root, mount point, options, optional fields up to a lone
 * `-`, then fs type, source, super options. A line without the separator or a bad major:minor throws
 * ParseError (the kernel never prints one).
 */
export function parseMounts(text: string, file = '/proc/<pid>/mountinfo'): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || sep + 2 >= f.length) throw new ParseError(file, `expected "… - fstype source options", got ${JSON.stringify(line)}`);
    const dev = (f[2] ?? '').split(':');
    if (dev.length !== 2) throw new ParseError(file, `major:minor: got ${JSON.stringify(f[2])}`);
    out.push({
      major: parseUnsigned(dev[0], file, 'major'),
      minor: parseUnsigned(dev[1], file, 'minor'),
      root: unescapeOctal(f[3]!),
      mountPoint: unescapeOctal(f[4]!),
      fsType: f[sep + 1]!,
      source: unescapeOctal(f[sep + 2]!),
    });
  }
  return out;
}
