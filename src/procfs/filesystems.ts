import type { Mount } from './mounts.js';

/**
 * Which mounts cAdvisor reports on the root container "/" (fs.GetGlobalFsInfo, v0.55.1 fs/fs.go
 * processMounts + the fs/* plugins), and the `device` label each gets.
 */
export interface GlobalFilesystem {
  /** The `device` label: the mount source, the mount point for tmpfs, `<source>_<major>-<minor>` for overlay. */
  device: string;
  mountPoint: string;
  fsType: string;
  major: number;
  minor: number;
}

/** Filesystem types cAdvisor's vfs plugin takes besides ext*. */
const VFS_TYPES = new Set(['xfs', 'squashfs', 'f2fs', 'jfs', 'reiserfs', 'hfs', 'hfsplus', 'ntfs', 'vfat', 'fat', 'msdos', 'exfat', 'udf', 'iso9660']);

/**
 * Whether a plugin of cAdvisor handles this type: ext*, the VFS_TYPES, tmpfs, overlay, btrfs, zfs
 * and nfs*. (devicemapper is Docker's thin pool, never a mount type, and is not reported.)
 */
export function isReportedFsType(fsType: string): boolean {
  return fsType.startsWith('ext') || VFS_TYPES.has(fsType) || fsType.startsWith('nfs') || ['tmpfs', 'overlay', 'btrfs', 'zfs'].includes(fsType);
}

/**
 * The filesystems of "/" in mountinfo order, one per device label (a later mount of the same label
 * replaces the earlier one, as cAdvisor's map does):
 *  - a mount whose source was already taken is a bind mount and skipped, except for tmpfs;
 *  - tmpfs is labelled by its mount point (every tmpfs is its own filesystem), overlay by
 *    `<source>_<major>-<minor>`;
 *  - btrfs reports major 0 in mountinfo; `btrfsDevice(source)` may give the block device's numbers;
 *  - the mount of `/` is then set as its source's entry whatever its type, when its type is reported.
 * cAdvisor drops an entry whose type no plugin handles when it stats it; here it is never listed.
 */
export function globalFilesystems(mounts: readonly Mount[], btrfsDevice?: (source: string) => { major: number; minor: number } | undefined): GlobalFilesystem[] {
  const byDevice = new Map<string, GlobalFilesystem>();
  for (const m of mounts) {
    if (!isReportedFsType(m.fsType)) continue;
    if (byDevice.has(m.source) && m.fsType !== 'tmpfs') continue;
    let device = m.source;
    let { major, minor } = m;
    if (m.fsType === 'tmpfs') device = m.mountPoint;
    else if (m.fsType === 'overlay') device = `${m.source}_${m.major}-${m.minor}`;
    else if (m.fsType === 'btrfs' && m.major === 0 && m.source.startsWith('/dev/')) {
      const real = btrfsDevice?.(m.source);
      if (real) ({ major, minor } = real);
    }
    byDevice.set(device, { device, mountPoint: m.mountPoint, fsType: m.fsType, major, minor });
  }
  const root = mounts.find((m) => m.mountPoint === '/');
  if (root && isReportedFsType(root.fsType)) {
    byDevice.set(root.source, { device: root.source, mountPoint: '/', fsType: root.fsType, major: root.major, minor: root.minor });
  }
  return [...byDevice.values()];
}
