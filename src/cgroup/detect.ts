import { join } from 'node:path';
import { AgentError, GoneError, ReadError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import type { CgroupLayout } from './layout.js';
import { parseMountinfo, type CgroupMount } from './mountinfo.js';

/** Where the host's /proc and /sys are visible to us (`/proc` and `/sys`, or `/host/proc`, `/host/sys`). */
export interface HostRoots {
  procRoot: string;
  sysRoot: string;
}

/**
 * Mount points in mountinfo are paths in the mount namespace that printed them (the host's, for
 * pid 1). Those under /sys are re-rooted onto `sysRoot`; others are kept as printed, since no
 * configured root tells us where they are visible.
 */
export function rebaseMountPoint(mountPoint: string, sysRoot: string): string {
  if (mountPoint === '/sys' || mountPoint.startsWith('/sys/')) {
    return join(sysRoot, mountPoint.slice('/sys'.length));
  }
  return mountPoint;
}

/**
 * Better mount of the same hierarchy: one under /sys (it can be re-rooted) over one elsewhere; on a
 * tie the first listed wins, which is the original mount rather than a later bind mount.
 */
function preferred(current: CgroupMount | undefined, candidate: CgroupMount): boolean {
  if (current === undefined) return true;
  const underSys = (m: CgroupMount) => m.mountPoint === '/sys' || m.mountPoint.startsWith('/sys/');
  return !underSys(current) && underSys(candidate);
}

/**
 * Builds the layout from parsed cgroup mounts (pure).
 *
 * Mounts whose root is not `/` (a bind-mounted subtree, or mountinfo printed from inside a nested
 * cgroup namespace) are ignored: the cgroup paths podpulse resolves come from the runtime and are
 * relative to the hierarchy root, which such a mount does not show, and CgroupLayout has no place
 * to record the offset. The agent is meant to read the host's pid 1 mountinfo, where roots are `/`.
 *
 * Mode: v1 controllers and cgroup2 → hybrid; only cgroup2 → v2; only v1 → v1. A v1 mount that
 * carries no controller (`name=systemd` alone) does not make a host v1 or hybrid: it holds no
 * statistics. Returns undefined when no usable hierarchy is mounted.
 */
export function layoutFromMounts(mounts: readonly CgroupMount[], sysRoot: string): CgroupLayout | undefined {
  const byController = new Map<string, CgroupMount>();
  let unified: CgroupMount | undefined;
  for (const mount of mounts) {
    if (mount.root !== '/') continue;
    if (mount.version === 2) {
      if (preferred(unified, mount)) unified = mount;
      continue;
    }
    for (const controller of mount.controllers) {
      if (preferred(byController.get(controller), mount)) byController.set(controller, mount);
    }
  }
  const v1 = new Map<string, string>();
  for (const [controller, mount] of byController) v1.set(controller, rebaseMountPoint(mount.mountPoint, sysRoot));
  const hasV1 = [...v1.keys()].some((c) => !c.startsWith('name='));
  if (!hasV1 && unified === undefined) return undefined;
  const mode = hasV1 ? (unified === undefined ? 'v1' : 'hybrid') : 'v2';
  const layout: CgroupLayout = { mode, v1: mode === 'v2' ? new Map() : v1 };
  if (unified !== undefined) layout.unified = rebaseMountPoint(unified.mountPoint, sysRoot);
  return layout;
}

function tryMountinfo(path: string, reader: FileReader): string | undefined {
  try {
    return reader.read(path);
  } catch (err) {
    // Without CAP_SYS_PTRACE over pid 1, or with a private pid namespace and no host /proc.
    if (err instanceof GoneError || err instanceof ReadError) return undefined;
    throw err;
  }
}

/**
 * Finds the cgroup hierarchies from `<procRoot>/1/mountinfo`, falling back to `<procRoot>/self/mountinfo`.
 * pid 1 comes first because in a container given the host's /proc, pid 1 is the host init, whose
 * mount namespace has the host's cgroup mounts; our own may show only a container view.
 * Throws AgentError CGROUP_NOT_FOUND when neither file shows a usable cgroup mount.
 */
export function detectCgroupLayout(roots: HostRoots, reader: FileReader): CgroupLayout {
  const candidates = [join(roots.procRoot, '1', 'mountinfo'), join(roots.procRoot, 'self', 'mountinfo')];
  for (const path of candidates) {
    const text = tryMountinfo(path, reader);
    if (text === undefined) continue;
    const layout = layoutFromMounts(parseMountinfo(text), roots.sysRoot);
    if (layout !== undefined) return layout;
  }
  throw new AgentError('CGROUP_NOT_FOUND', `no cgroup or cgroup2 mount with root "/" in ${candidates.join(' or ')}`);
}
