import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { globalFilesystems, isReportedFsType } from '../../src/procfs/filesystems.js';
import { parseMounts } from '../../src/procfs/mounts.js';

const CAPTURED = readFileSync(new URL('../fixtures/proc-process/proc/1/mountinfo', import.meta.url), 'utf8');

describe('parseMounts', () => {
  it('parses every line of a captured mountinfo, any type, escapes decoded', () => {
    const mounts = parseMounts(CAPTURED);
    expect(mounts).toHaveLength(35);
    expect(mounts[5]).toEqual({ major: 254, minor: 0, root: '/', mountPoint: '/', fsType: 'ext4', source: '/dev/vda' });
    expect(mounts.find((m) => m.fsType === 'nsfs')?.root).toMatch(/^net:\[\d+\]$/);
    expect(parseMounts('36 35 98:0 /a\\040b /mnt\\040x rw master:1 - ext3 /dev/my\\040disk rw\n')[0]).toMatchObject({ root: '/a b', mountPoint: '/mnt x', source: '/dev/my disk', major: 98 });
  });

  it('throws ParseError for a line without the separator or with a bad device', () => {
    expect(() => parseMounts('36 35 98:0 / /mnt rw ext3 /dev/root rw\n', '/proc/1/mountinfo')).toThrow(ParseError);
    expect(() => parseMounts('36 35 98 / /mnt rw - ext3 /dev/root rw\n')).toThrow(/major:minor/);
  });
});

describe('globalFilesystems (cAdvisor GetGlobalFsInfo)', () => {
  it('keeps the captured host\'s ext4 root, tmpfs by mount point and overlays by <source>_<major>-<minor>', () => {
    const fs = globalFilesystems(parseMounts(CAPTURED));
    const byDevice = new Map(fs.map((f) => [f.device, f]));
    expect(byDevice.get('/dev/vda')).toEqual({ device: '/dev/vda', mountPoint: '/', fsType: 'ext4', major: 254, minor: 0 });
    // /dev/shm is mounted twice: the later mount replaces the earlier, as cAdvisor's map does.
    expect(byDevice.get('/dev/shm')).toMatchObject({ fsType: 'tmpfs', major: 0, minor: 27 });
    expect(byDevice.get('/sys/fs/cgroup')).toMatchObject({ fsType: 'tmpfs' });
    expect(byDevice.get('overlay_0-41')).toMatchObject({ fsType: 'overlay', major: 0, minor: 41 });
    // No pseudo filesystem (proc, sysfs, devtmpfs, devpts, cgroup, nsfs) is reported.
    expect(new Set(fs.map((f) => f.fsType))).toEqual(new Set(['ext4', 'tmpfs', 'overlay']));
    expect(fs.filter((f) => f.fsType === 'overlay')).toHaveLength(9); // one per overlay mount line
  });

  it('skips bind mounts of a source already taken, but not tmpfs', () => {
    const fs = globalFilesystems(
      parseMounts(
        [
          '1 0 8:1 / / rw - ext4 /dev/sda1 rw',
          '2 1 8:1 /var/lib/kubelet /var/lib/kubelet rw - ext4 /dev/sda1 rw',
          '3 1 8:2 / /data rw - xfs /dev/sda2 rw',
          '4 1 0:50 / /run rw - tmpfs tmpfs rw',
          '5 1 0:51 / /run/user/0 rw - tmpfs tmpfs rw',
          '6 1 0:52 / /mnt/nfs rw - nfs4 server:/export rw',
          '7 1 0:53 / /mnt/btr rw - btrfs /dev/sdb rw',
          '8 1 0:54 / /sys rw - sysfs sysfs rw',
        ].join('\n'),
      ),
      (source) => (source === '/dev/sdb' ? { major: 8, minor: 16 } : undefined),
    );
    expect(fs.map((f) => [f.device, f.mountPoint, `${f.major}:${f.minor}`])).toEqual([
      ['/dev/sda1', '/', '8:1'],
      ['/dev/sda2', '/data', '8:2'],
      ['/run', '/run', '0:50'],
      ['/run/user/0', '/run/user/0', '0:51'],
      ['server:/export', '/mnt/nfs', '0:52'],
      ['/dev/sdb', '/mnt/btr', '8:16'],
    ]);
  });

  it('knows the types cAdvisor has a plugin for', () => {
    for (const t of ['ext2', 'ext4', 'xfs', 'vfat', 'tmpfs', 'overlay', 'btrfs', 'zfs', 'nfs', 'nfs4', 'squashfs']) expect(isReportedFsType(t), t).toBe(true);
    for (const t of ['proc', 'sysfs', 'cgroup2', 'devtmpfs', 'devpts', 'nsfs', 'fuse.sshfs', 'autofs']) expect(isReportedFsType(t), t).toBe(false);
  });
});
