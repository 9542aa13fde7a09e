import type { RawWalkResult } from './raw-cgroups.js';

/** kubelet /metrics/cadvisor identity labels; "" where unknown, never missing. */
export interface ContainerIdentity {
  id: string;
  name: string;
  image: string;
  container: string;
  pod: string;
  namespace: string;
  /**
   * Opt-in runtime labels (metrics.containerLabels, see container-labels.ts): the same keys on every
   * container identity of an inventory, after the ones above, "" where a container lacks the label.
   */
  [label: `container_label_${string}`]: string;
}

/**
 * What a runtime-named target is in Kubernetes terms, beside its kubelet labels: the semconv profile
 * builds its k8s.pod.* / container.* resources from it. Not a label itself (the cadvisor identity
 * stays exactly kubelet's six labels). `podUid` is the CRI PodSandboxMetadata.uid, "" when unknown.
 */
export interface K8sRef {
  role: 'container' | 'sandbox' | 'pod';
  podUid: string;
}

/** Writable-layer (or other) filesystem usage of a container, keyed by device. */
export interface FsUsageSample {
  device: string;
  usageBytes?: number;
  limitBytes?: number;
  /** Bytes of that filesystem available to unprivileged users (statfs bavail), for container.filesystem.available. */
  availableBytes?: number;
  inodesTotal?: number;
  inodesFree?: number;
}

/** One thing to collect this cycle: a cgroup plus everything known about who it is. */
export interface Target {
  cgroupPath: string;
  identity: ContainerIdentity;
  /** Set for targets the runtime named (containers, sandboxes, pod cgroups); raw cgroups have none. */
  k8s?: K8sRef;
  /** A pid inside the network namespace this series owns (sandbox pid, 1 for `/`). */
  netPid?: number;
  fs?: readonly FsUsageSample[];
  /**
   * Set on an exited container that ended OOMKilled (with `cgroupless`): the cycle reader continues
   * its container_oom_events_total past the cgroup's removal (collection/oom-counts.ts).
   */
  oomKilledExit?: { finishedAtMs?: number };
  /** The kubelet's restart count of this container (CRI annotation). */
  restartCount?: number;
  /** An exited container whose cgroup is gone: only its OOM count is reported. */
  cgroupless?: boolean;
}

export interface TargetList {
  targets: Target[];
  /** Raw discovery hit discovery.maxCgroups. */
  truncated: boolean;
}

export interface TargetProvider {
  /** The targets of this cycle; returns promptly, from the latest discovery results. */
  list(): Promise<TargetList>;
}

/**
 * What names a target from cycle to cycle (one key format for discovery and the cycle reader): its
 * cgroup path, or for an exited container whose cgroup is gone, its name (the container id) under a
 * prefix no cgroup path has (those start with '/'). An exited container may share its old cgroup
 * path with a new instance that runs in it, so the path alone would not do.
 */
export function targetKey(t: Target): string {
  return t.cgroupless ? `exited:${t.identity.name}` : t.cgroupPath;
}

export function rawIdentity(cgroupPath: string): ContainerIdentity {
  return { id: cgroupPath, name: '', image: '', container: '', pod: '', namespace: '' };
}

/** Without a container runtime: every cgroup is a container whose id is its path (cAdvisor's raw handler). */
export function rawTargets({ paths, truncated }: RawWalkResult): TargetList {
  return {
    truncated,
    // The root cgroup's network is the host's: pid 1 lives in the host network namespace.
    targets: paths.map((p) => (p === '/' ? { cgroupPath: p, identity: rawIdentity(p), netPid: 1 } : { cgroupPath: p, identity: rawIdentity(p) })),
  };
}
