/**
 * The cgroup path a runtime spec names (runtimeSpec.linux.cgroupsPath), as a path relative to each
 * hierarchy root.
 *
 * cgroupfs driver: already a path, `/kubepods/burstable/pod<uid>/<id>`.
 * systemd driver: `slice:prefix:name`, e.g. `kubepods-burstable-pod<uid>.slice:cri-containerd:<id>`,
 * which systemd places at `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`
 * (every dash-separated prefix of a slice name is its parent slice).
 */
export function cgroupPathFromSpec(spec: string): string | undefined {
  const s = spec.trim();
  if (s === '') return undefined;
  if (!s.startsWith('/') && s.split(':').length === 3) {
    const [slice, prefix, name] = s.split(':') as [string, string, string];
    const unit = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
    return `${expandSlice(slice)}/${unit}`.replace(/^\/\//, '/');
  }
  return s.startsWith('/') ? s.replace(/\/+$/, '') || '/' : `/${s}`;
}

/** `a-b-c.slice` → `/a.slice/a-b.slice/a-b-c.slice`; `-.slice` (the root slice) → `/`. */
export function expandSlice(slice: string): string {
  if (slice === '' || slice === '-.slice') return '/';
  const base = slice.endsWith('.slice') ? slice.slice(0, -'.slice'.length) : slice;
  const parts = base.split('-');
  let path = '';
  let prefix = '';
  for (const part of parts) {
    prefix = prefix === '' ? part : `${prefix}-${part}`;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** The pod-level cgroup of a kubelet-managed pod: `.../pod<uid>` (cgroupfs) or `...-pod<uid_with_underscores>.slice` (systemd). */
export function isPodCgroup(path: string, uid: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === `pod${uid}` || base.endsWith(`-pod${uid.replace(/-/g, '_')}.slice`);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
