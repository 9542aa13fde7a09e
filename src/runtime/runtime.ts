import type {
  Container,
  ContainerStatsSample,
  Pod,
  PodStatsSample,
  RuntimeStatus,
  RuntimeVersion,
} from './types.js';

/**
 * What podpulse needs from a container runtime. The CRI implementation is `CriRuntime`
 * (cri/client.ts); tests may implement this directly.
 *
 * Every method rejects with `RuntimeCallError` (runtime-error.ts): code `CRI_UNAVAILABLE` when
 * the runtime cannot be reached, `CRI_CALL` for any other failure (its `status` names the gRPC
 * status, e.g. `NOT_FOUND` when the object vanished between a list and a status call).
 */
export interface ContainerRuntime {
  /** Runtime name and versions (CRI Version). */
  version(): Promise<RuntimeVersion>;
  /** RuntimeReady / NetworkReady conditions (CRI Status). */
  status(): Promise<RuntimeStatus>;
  /** All pod sandboxes, ready or not (CRI ListPodSandbox). Fields from podStatus stay undefined. */
  listPods(): Promise<Pod[]>;
  /** All containers in any state (CRI ListContainers). Fields from containerStatus stay undefined. */
  listContainers(): Promise<Container[]>;
  /**
   * One pod with its verbose details: pid, cgroupPath, hostNetwork, ip and sandbox image
   * (CRI PodSandboxStatus, verbose).
   */
  podStatus(podId: string): Promise<Pod>;
  /**
   * One container with its verbose details: pid, cgroupPath, startedAt, finishedAt, exitCode,
   * reason (CRI ContainerStatus, verbose).
   */
  containerStatus(containerId: string): Promise<Container>;
  /** Runtime-side stats of every container (CRI ListContainerStats). */
  listContainerStats(): Promise<ContainerStatsSample[]>;
  /**
   * Runtime-side stats of every pod (CRI ListPodSandboxStats). containerd 1.6 fails this call
   * as a whole when any pod has no cgroup parent; use podSandboxStats per pod then.
   */
  listPodSandboxStats(): Promise<PodStatsSample[]>;
  /** Runtime-side stats of one pod (CRI PodSandboxStats). */
  podSandboxStats(podId: string): Promise<PodStatsSample>;
  /** Releases the connection. Calls in flight and further calls reject. */
  close(): void;
}
