/**
 * podpulse's own model of what a container runtime reports. CRI proto messages never leave
 * src/runtime/cri/; everything else in the agent speaks these types.
 *
 * Time: every timestamp is **nanoseconds since the Unix epoch as a bigint** (`*At` fields).
 * That is CRI's own unit and precision (int64 ns), kept exact and directly comparable with OTLP
 * `time_unix_nano`. Convert with `Number(ns / 1_000_000n)` for milliseconds.
 *
 * Absent is not zero: a field the runtime did not report (a null wrapper message, a zero
 * timestamp meaning "not yet", a missing key in verbose info) stays undefined.
 */

export type PodState = 'ready' | 'notready';

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** A pod sandbox, from ListPodSandbox, enriched by PodSandboxStatus(verbose). */
export interface Pod {
  /** Sandbox id (64 hex with containerd). */
  id: string;
  /** From the sandbox metadata, which the kubelet always sets; prefer these over labels. */
  name: string;
  namespace: string;
  uid: string;
  /** How many times the kubelet recreated this sandbox. */
  attempt: number;
  state: PodState;
  /** Nanoseconds since the epoch. */
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RuntimeClass handler; undefined for the default. */
  runtimeHandler?: string;

  // Only from podStatus():
  /** Primary pod IP; undefined for host-network pods (the runtime reports ""). */
  ip?: string;
  /**
   * True when the pod shares the node's network namespace. Its /proc/<pid>/net/dev shows the
   * host's interfaces, so the agent must not attribute that traffic to the pod.
   */
  hostNetwork?: boolean;
  /** Host pid of the sandbox (pause) process; enters the pod's network namespace. */
  pid?: number;
  /**
   * The sandbox's cgroup path as given to the OCI runtime (runtimeSpec.linux.cgroupsPath), e.g.
   * `/kubepods/besteffort/pod<uid>/<sandbox id>` with the cgroupfs driver or
   * `kubepods-besteffort-pod<uid>.slice:cri-containerd:<id>` with the systemd driver.
   */
  cgroupPath?: string;
  /** Image the sandbox (pause) process runs. */
  image?: string;
  /**
   * The name the runtime gave the sandbox's OCI container, where it says so: CRI-O's spec annotation
   * `io.kubernetes.cri-o.Name`, `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`. Undefined with containerd.
   */
  specName?: string;
}

/** A container, from ListContainers, enriched by ContainerStatus(verbose). */
export interface Container {
  id: string;
  /** Sandbox id of the pod the container belongs to. */
  podId: string;
  name: string;
  /** How many times the kubelet recreated this container (metadata.attempt). */
  attempt: number;
  /** The image as the pod spec named it (e.g. `nginx:1.27`), never the resolved id/digest. */
  image: string;
  /** What the runtime resolved the image to: a repo digest, or an image id (`sha256:…`). */
  imageRef: string;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** From the kubelet's `io.kubernetes.container.restartCount` annotation. */
  restartCount?: number;

  // Only from containerStatus():
  /** Nanoseconds since the epoch; undefined until started. */
  startedAt?: bigint;
  /** Nanoseconds since the epoch; undefined until finished. */
  finishedAt?: bigint;
  /** Only once the container has finished. 137 with reason `OOMKilled` after an OOM kill. */
  exitCode?: number;
  /** e.g. `OOMKilled`, `Error`, `Completed`; undefined when the runtime gives none. */
  reason?: string;
  message?: string;
  /** Host pid of the container's init process; undefined (or 0 from the runtime) when not running. */
  pid?: number;
  /** runtimeSpec.linux.cgroupsPath, as for Pod.cgroupPath. */
  cgroupPath?: string;
  logPath?: string;
  /**
   * The name the runtime gave the OCI container, where it says so: CRI-O's spec annotation
   * `io.kubernetes.cri-o.Name`, `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`. Undefined with containerd.
   */
  specName?: string;
}

/** One ListContainerStats entry. Exited containers still appear, with cpu and memory absent. */
export interface ContainerStatsSample {
  id: string;
  /** Container name from the stats attributes. */
  name?: string;
  /** When the runtime sampled cpu (ns since the epoch). */
  timestamp?: bigint;
  /** Cumulative CPU time, all cores. Compute rates from this, not from usageNanoCores. */
  cpuUsageCoreNanoSeconds?: bigint;
  /** The runtime's own rate estimate between its calls; known to be unreliable at pod level. */
  cpuUsageNanoCores?: number;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
  /** containerd reports 0 when the container has no memory limit. */
  memoryAvailableBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  writableLayer?: {
    /** Snapshotter directory holding the layer (undefined when the runtime names none). */
    mountpoint?: string;
    /** Undefined until the runtime has measured the layer (containerd: periodic snapshot sync). */
    usedBytes?: number;
    inodesUsed?: number;
  };
}

export interface NetworkInterfaceSample {
  name: string;
  rxBytes?: number;
  txBytes?: number;
  rxErrors?: number;
  txErrors?: number;
}

/** One ListPodSandboxStats / PodSandboxStats entry. */
export interface PodStatsSample {
  id: string;
  name?: string;
  namespace?: string;
  uid?: string;
  cpuUsageCoreNanoSeconds?: bigint;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
  rssBytes?: number;
  /**
   * The default interface first, then any other reported interface (deduplicated by name).
   * Undefined when the runtime reports no network stats (host-network pods).
   */
  network?: NetworkInterfaceSample[];
  processCount?: number;
  containers: ContainerStatsSample[];
}

export interface RuntimeVersion {
  /** e.g. `containerd`. */
  runtimeName: string;
  /** e.g. `1.6.20~ds1`. */
  runtimeVersion: string;
  /** CRI API version the runtime speaks, e.g. `v1`. */
  apiVersion: string;
}

export interface RuntimeCondition {
  /** `RuntimeReady`, `NetworkReady`, or a runtime-specific type. */
  type: string;
  status: boolean;
  reason?: string;
  message?: string;
}

export interface RuntimeStatus {
  runtimeReady: boolean;
  networkReady: boolean;
  conditions: RuntimeCondition[];
}
