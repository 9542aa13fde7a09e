import type { RuntimeKind } from '../runtime/kind.js';
import type { Container, Pod } from '../runtime/types.js';
import { isPodCgroup, parentOf } from './cgroups-path.js';
import { withContainerLabels, type ContainerLabel } from './container-labels.js';
import { CRIO_SANDBOX_CONTAINER, crioContainerName, crioSandboxName } from './crio-names.js';
import type { RawWalkResult } from './raw-cgroups.js';
import { rawIdentity, rawTargets, targetKey, type ContainerIdentity, type FsUsageSample, type Target, type TargetList } from './target.js';

/** The CRI reason of a container the OOM killer ended. */
export const OOM_KILLED = 'OOMKilled';

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
  fs: ReadonlyMap<string, FsUsageSample>;
  /** Which runtime answered (CRI Version); names follow it. Unknown = containerd's. */
  runtime?: RuntimeKind;
}

/** How identities are labelled beyond the runtime's answers. */
export interface JoinOptions {
  /** Allowlisted runtime labels (metrics.containerLabels), added to every identity; default none. */
  labels?: readonly ContainerLabel[];
}

/**
 * The raw walk joined with the runtime's view: every raw cgroup, relabelled where the runtime named
 * it; runtime-named cgroups are included whether or not the walk reached them (maxCgroups never cuts
 * them); exited OOM-killed containers as cgroupless targets. Identity labels follow kubelet's
 * /metrics/cadvisor: containers get name=<container id>, image=<image as the pod spec named it>,
 * container=<name>; sandboxes container="" and image=<sandbox image>; pod-level cgroups only pod and
 * namespace. With CRI-O, as kubelet's cAdvisor shows it: name=k8s_<container>_<pod>_<ns>_<uid>_<attempt>,
 * and the sandbox (infra container) name=k8s_POD_…, container="POD". A pod without a sandbox cgroup
 * (CRI-O without infra container) still gets its pod-level cgroup labelled, found above its
 * containers. With allowlisted labels (opts.labels) every identity carries them all: containers from
 * their own CRI labels, else their sandbox's; sandboxes and pod cgroups from the sandbox's; raw
 * cgroups "".
 */
export function joinTargets(walk: RawWalkResult, view: InventoryView, opts: JoinOptions = {}): TargetList {
  const labels = opts.labels ?? [];
  const raw = rawTargets(walk);
  const byPath = new Map<string, Target>();
  for (const t of raw.targets) byPath.set(t.cgroupPath, labels.length === 0 ? t : { ...t, identity: withContainerLabels(t.identity, labels) });
  const newest = newestInstances(view);
  for (const t of runtimeTargets(view, newest, labels)) {
    const rawT = byPath.get(t.cgroupPath);
    byPath.set(t.cgroupPath, rawT?.netPid !== undefined && t.netPid === undefined ? { ...t, netPid: rawT.netPid } : t);
  }
  for (const t of exitedTargets(view, newest, labels)) byPath.set(targetKey(t), t);
  return { targets: [...byPath.values()], truncated: raw.truncated };
}

/**
 * The newest instance of each (pod, container name). An older instance that ended OOMKilled stops
 * being reported once the kubelet created a newer one, as its cgroup is long gone (cAdvisor drops a
 * container's series with its cgroup).
 */
function newestInstances(view: InventoryView): Set<string> {
  const newest = new Map<string, Container>();
  for (const { container: c } of view.containers.values()) {
    const key = `${c.podId}/${c.name}`;
    const cur = newest.get(key);
    if (!cur || c.attempt > cur.attempt || (c.attempt === cur.attempt && c.createdAt > cur.createdAt)) newest.set(key, c);
  }
  return new Set([...newest.values()].map((c) => c.id));
}

function runtimeTargets(view: InventoryView, newest: Set<string>, labels: readonly ContainerLabel[]): Target[] {
  const out: Target[] = [];
  const crio = view.runtime === 'cri-o';
  const podCgroups = new Set<string>();
  const podLevel = (podCgroup: string, pod: Pod): void => {
    if (podCgroups.has(podCgroup)) return;
    podCgroups.add(podCgroup);
    out.push({
      cgroupPath: podCgroup,
      identity: withContainerLabels({ ...rawIdentity(podCgroup), pod: pod.name, namespace: pod.namespace }, labels, pod.labels),
      k8s: { role: 'pod', podUid: pod.uid },
    });
  };
  for (const { pod, cgroupPath } of view.pods.values()) {
    if (!cgroupPath) continue;
    const sandbox: Target = {
      cgroupPath,
      identity: withContainerLabels(
        {
          id: cgroupPath,
          name: crio ? crioSandboxName(pod) : pod.id,
          image: pod.image ?? '',
          container: crio ? CRIO_SANDBOX_CONTAINER : '',
          pod: pod.name,
          namespace: pod.namespace,
        },
        labels,
        pod.labels,
      ),
      k8s: { role: 'sandbox', podUid: pod.uid },
    };
    // A host-network pod's net/dev is the node's: reporting it would count host traffic as the pod's.
    if (pod.pid !== undefined && pod.pid > 0 && pod.hostNetwork !== true) sandbox.netPid = pod.pid;
    out.push(sandbox);
    const podCgroup = parentOf(cgroupPath);
    if (isPodCgroup(podCgroup, pod.uid)) podLevel(podCgroup, pod);
  }
  for (const { container: c, cgroupPath } of view.containers.values()) {
    if (!cgroupPath || c.state !== 'running') continue;
    const pod = view.pods.get(c.podId)?.pod;
    const t: Target = {
      cgroupPath,
      identity: withContainerLabels(identityOf(c, cgroupPath, pod, view.runtime), labels, c.labels, pod?.labels),
      k8s: { role: 'container', podUid: pod?.uid ?? c.labels['io.kubernetes.pod.uid'] ?? '' },
    };
    if (pod && isPodCgroup(parentOf(cgroupPath), pod.uid)) podLevel(parentOf(cgroupPath), pod);
    const fs = view.fs.get(c.id);
    if (fs) t.fs = [fs];
    if (c.restartCount !== undefined) t.restartCount = c.restartCount;
    out.push(t);
  }
  return out;
}

/**
 * Exited containers whose newest instance ended OOMKilled: their cgroup is already gone, so the
 * OOM counter is the only series they carry, labelled like the container was, until the kubelet
 * starts the next instance (collection/oom-counts.ts says which value).
 */
function exitedTargets(view: InventoryView, newest: Set<string>, labels: readonly ContainerLabel[]): Target[] {
  const out: Target[] = [];
  for (const { container: c, cgroupPath } of view.containers.values()) {
    if (c.state === 'running' || !newest.has(c.id) || c.reason !== OOM_KILLED) continue;
    const pod = view.pods.get(c.podId)?.pod;
    const id = cgroupPath ?? `/${c.id}`;
    const finishedAtMs = c.finishedAt === undefined || c.finishedAt <= 0n ? undefined : Number(c.finishedAt / 1_000_000n);
    out.push({
      identity: withContainerLabels(identityOf(c, id, pod, view.runtime), labels, c.labels, pod?.labels),
      oomKilledExit: finishedAtMs === undefined ? {} : { finishedAtMs },
      cgroupless: true,
      cgroupPath: id,
    });
  }
  return out;
}

function identityOf(c: Container, cgroupPath: string, pod: Pod | undefined, runtime?: RuntimeKind): ContainerIdentity {
  return {
    id: cgroupPath,
    name: runtime === 'cri-o' ? crioContainerName(c, pod) : c.id,
    image: c.image,
    container: c.labels['io.kubernetes.container.name'] ?? c.name,
    pod: pod?.name ?? c.labels['io.kubernetes.pod.name'] ?? '',
    namespace: pod?.namespace ?? c.labels['io.kubernetes.pod.namespace'] ?? '',
  };
}
