import type { Container, Pod } from '../runtime/types.js';
import { isPodCgroup, parentOf } from './cgroups-path.js';
import type { RawWalkResult } from './raw-cgroups.js';
import { rawIdentity, rawTargets, targetKey, type ContainerIdentity, type FsUsageSample, type Target, type TargetList } from './target.js';

export interface PodEntry {
  pod: Pod;
  /** Sandbox cgroup, relative to the hierarchy roots. */
  cgroupPath?: string;
}

export interface ContainerEntry {
  container: Container;
  cgroupPath?: string;
}

/** What the runtime told us, as of the last refresh. */
export interface InventoryView {
  pods: ReadonlyMap<string, PodEntry>;
  containers: ReadonlyMap<string, ContainerEntry>;
  /** pod uid + container name → ids of its instances that ended OOMKilled. */
  oomKilled: ReadonlyMap<string, ReadonlySet<string>>;
  fs: ReadonlyMap<string, FsUsageSample>;
}

/**
 * The raw walk joined with the runtime's view: every raw cgroup, relabelled where the runtime named
 * it; runtime-named cgroups are included whether or not the walk reached them (maxCgroups never cuts
 * them); exited OOM-killed containers as cgroupless targets. Identity labels follow kubelet's
 * /metrics/cadvisor: containers get name=<container id>, image=<image as the pod spec named it>,
 * container=<name>; sandboxes container="" and image=<sandbox image>; pod-level cgroups only pod and
 * namespace.
 */
export function joinTargets(walk: RawWalkResult, view: InventoryView): TargetList {
  const raw = rawTargets(walk);
  const byPath = new Map<string, Target>();
  for (const t of raw.targets) byPath.set(t.cgroupPath, t);
  const newest = newestInstances(view);
  for (const t of runtimeTargets(view, newest)) {
    const rawT = byPath.get(t.cgroupPath);
    byPath.set(t.cgroupPath, rawT?.netPid !== undefined && t.netPid === undefined ? { ...t, netPid: rawT.netPid } : t);
  }
  for (const t of exitedTargets(view, newest)) byPath.set(targetKey(t), t);
  return { targets: [...byPath.values()], truncated: raw.truncated };
}

function oomCount(view: InventoryView, pod: Pod | undefined, c: Container): number | undefined {
  const ids = view.oomKilled.get(`${pod?.uid ?? c.podId}/${c.name}`);
  return ids ? ids.size : undefined;
}

/** Only the newest instance of a (pod, container name) carries the OOM count, so sums do not double it. */
function newestInstances(view: InventoryView): Set<string> {
  const newest = new Map<string, Container>();
  for (const { container: c } of view.containers.values()) {
    const key = `${c.podId}/${c.name}`;
    const cur = newest.get(key);
    if (!cur || c.attempt > cur.attempt || (c.attempt === cur.attempt && c.createdAt > cur.createdAt)) newest.set(key, c);
  }
  return new Set([...newest.values()].map((c) => c.id));
}

function runtimeTargets(view: InventoryView, newest: Set<string>): Target[] {
  const out: Target[] = [];
  for (const { pod, cgroupPath } of view.pods.values()) {
    if (!cgroupPath) continue;
    const sandbox: Target = {
      cgroupPath,
      identity: { id: cgroupPath, name: pod.id, image: pod.image ?? '', container: '', pod: pod.name, namespace: pod.namespace },
      k8s: { role: 'sandbox', podUid: pod.uid },
    };
    // A host-network pod's net/dev is the node's: reporting it would count host traffic as the pod's.
    if (pod.pid !== undefined && pod.pid > 0 && pod.hostNetwork !== true) sandbox.netPid = pod.pid;
    out.push(sandbox);
    const podCgroup = parentOf(cgroupPath);
    if (isPodCgroup(podCgroup, pod.uid)) {
      out.push({ cgroupPath: podCgroup, identity: { ...rawIdentity(podCgroup), pod: pod.name, namespace: pod.namespace }, k8s: { role: 'pod', podUid: pod.uid } });
    }
  }
  for (const { container: c, cgroupPath } of view.containers.values()) {
    if (!cgroupPath || c.state !== 'running') continue;
    const pod = view.pods.get(c.podId)?.pod;
    const t: Target = { cgroupPath, identity: identityOf(c, cgroupPath, pod), k8s: { role: 'container', podUid: pod?.uid ?? c.labels['io.kubernetes.pod.uid'] ?? '' } };
    const oom = newest.has(c.id) ? oomCount(view, pod, c) : undefined;
    t.oomEvents = oom ?? 0;
    const fs = view.fs.get(c.id);
    if (fs) t.fs = [fs];
    if (c.restartCount !== undefined) t.restartCount = c.restartCount;
    if (c.startedAt !== undefined) t.startTimeSeconds = Number(c.startedAt / 1_000_000n) / 1000;
    out.push(t);
  }
  return out;
}

/**
 * Exited containers whose newest instance ended OOMKilled: their cgroup is already gone, so the
 * OOM counter is the only series they carry, labelled like the container was.
 */
function exitedTargets(view: InventoryView, newest: Set<string>): Target[] {
  const out: Target[] = [];
  for (const { container: c, cgroupPath } of view.containers.values()) {
    if (c.state === 'running' || !newest.has(c.id)) continue;
    const pod = view.pods.get(c.podId)?.pod;
    const oom = oomCount(view, pod, c);
    if (oom === undefined) continue;
    const id = cgroupPath ?? `/${c.id}`;
    out.push({ identity: identityOf(c, id, pod), oomEvents: oom, cgroupless: true, cgroupPath: id });
  }
  return out;
}

function identityOf(c: Container, cgroupPath: string, pod: Pod | undefined): ContainerIdentity {
  return {
    id: cgroupPath,
    name: c.id,
    image: c.image,
    container: c.labels['io.kubernetes.container.name'] ?? c.name,
    pod: pod?.name ?? c.labels['io.kubernetes.pod.name'] ?? '',
    namespace: pod?.namespace ?? c.labels['io.kubernetes.pod.namespace'] ?? '',
  };
}
