/**
 * Pod and container lifecycle over CRI, for the tests and the soak (the agent never creates
 * anything, so these calls live in test/protos/cri-admin.proto, not in the agent's api.proto).
 * It takes podpulse-level option objects and builds the kubelet-like CRI configs itself, so test
 * code never writes proto messages.
 *
 * What "kubelet-like" means here (see the CRI facts notes, §3 and pitfalls 2, 3, 10):
 * - pods carry the `io.kubernetes.pod.{name,namespace,uid}` labels and containers also
 *   `io.kubernetes.container.name` and the `io.kubernetes.container.restartCount` annotation,
 *   as the kubelet sets them (containerd passes them through, it does not add them);
 * - every container repeats the pod's namespace modes (CRI's container default would share
 *   the pod's pid namespace otherwise);
 * - host-network pods get no hostname (runc refuses a hostname without a private UTS namespace);
 * - give every pod a `cgroupParent` (e.g. `/kubepods/besteffort/pod<uid>`): on containerd 1.6
 *   one pod without it makes ListPodSandboxStats fail for all pods.
 *
 * ```ts
 * const admin = new CriAdmin({ endpoint: sock });
 * const pod = { name: 'web', namespace: 'e2e', uid, cgroupParent: `/kubepods/besteffort/pod${uid}` };
 * const { podId, containerIds } = await admin.startPod(pod, [{ name: 'burn', image: 'localhost/busybox:1',
 *   command: ['sh', '-c', 'while :; do :; done'], resources: { cpuPeriod: 100000, cpuQuota: 50000 } }]);
 * …
 * await admin.teardownPod(podId);
 * admin.close();
 * ```
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CRI_LOADER_OPTIONS, CriConnection, type RuntimeV1 } from '../../src/runtime/cri/connection.js';

/**
 * test/protos/cri-admin.proto from here (vitest) and from dist/test/helpers/ (the soak runs the
 * compiled copy of this file from a checkout; the build does not copy test protos).
 */
const PROTO_CANDIDATES = [new URL('../protos/cri-admin.proto', import.meta.url), new URL('../../../test/protos/cri-admin.proto', import.meta.url)];

/** runtime.v1 from cri-admin.proto: a RuntimeService with only the lifecycle calls. */
export function loadCriAdminPackage(): RuntimeV1 {
  const path = PROTO_CANDIDATES.map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  if (!path) throw new Error(`cri-admin.proto not found (looked at ${PROTO_CANDIDATES.map((u) => fileURLToPath(u)).join(', ')})`);
  const def = protoLoader.loadSync(path, CRI_LOADER_OPTIONS);
  return (grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: RuntimeV1 } }).runtime.v1;
}

type Map = Record<string, string>;
type NamespaceModeName = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

interface NamespaceOptionReq {
  network?: NamespaceModeName;
  pid?: NamespaceModeName;
  ipc?: NamespaceModeName;
}

/** PodSandboxConfig of cri-admin.proto as proto-loader encodes it (unset fields take defaults). */
export interface PodSandboxConfigReq {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  hostname?: string;
  log_directory?: string;
  labels?: Map;
  annotations?: Map;
  linux?: {
    cgroup_parent?: string;
    security_context?: { namespace_options?: NamespaceOptionReq; privileged?: boolean };
    sysctls?: Map;
  };
}

/** ContainerConfig of cri-admin.proto; int64 fields as decimal strings. */
export interface ContainerConfigReq {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: { key: string; value: string }[];
  mounts?: { container_path: string; host_path: string; readonly?: boolean }[];
  labels?: Map;
  annotations?: Map;
  log_path?: string;
  linux?: {
    resources?: Partial<Record<'cpu_period' | 'cpu_quota' | 'cpu_shares' | 'memory_limit_in_bytes', string>>;
    security_context?: { namespace_options?: NamespaceOptionReq; privileged?: boolean };
  };
}

export type PodNamespaceMode = 'pod' | 'container' | 'node';

export interface PodSpec {
  name: string;
  namespace: string;
  uid: string;
  attempt?: number;
  /** Cgroup parent, e.g. `/kubepods/besteffort/pod<uid>`; without it containerd uses `/k8s.io/<id>`. */
  cgroupParent?: string;
  /** Defaults to the pod name; always dropped for host-network pods. */
  hostname?: string;
  /** Directory for container logs on the host; without it the runtime writes no log files. */
  logDirectory?: string;
  /** Merged over the kubelet labels. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Share the node's network namespace (network mode NODE). */
  hostNetwork?: boolean;
  /** Default 'container' (the kubelet's default: no shared process namespace). */
  pidMode?: PodNamespaceMode;
  /** Default 'pod'. */
  ipcMode?: 'pod' | 'node';
  /** RuntimeClass handler; default the runtime's default. */
  runtimeHandler?: string;
}

export interface ContainerResourcesSpec {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitBytes?: number;
}

export interface ContainerSpec {
  name: string;
  /** Image reference as a pod spec would name it, e.g. `localhost/busybox:1`. */
  image: string;
  /** Replaces the image's entrypoint; with a command, the image's Cmd is not appended. */
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: Record<string, string>;
  mounts?: { containerPath: string; hostPath: string; readonly?: boolean }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  attempt?: number;
  /** Written to the io.kubernetes.container.restartCount annotation. Default 0. */
  restartCount?: number;
  /** Relative to the pod's logDirectory. Default `<name>/<attempt>.log` when the pod has one. */
  logPath?: string;
  resources?: ContainerResourcesSpec;
  privileged?: boolean;
}

const MODE: Record<PodNamespaceMode, NamespaceModeName> = { pod: 'POD', container: 'CONTAINER', node: 'NODE' };

function namespaceOptions(pod: PodSpec) {
  return {
    network: pod.hostNetwork ? MODE.node : MODE.pod,
    pid: MODE[pod.pidMode ?? 'container'],
    ipc: MODE[pod.ipcMode ?? 'pod'],
  };
}

function podLabels(pod: PodSpec): Record<string, string> {
  return {
    'io.kubernetes.pod.name': pod.name,
    'io.kubernetes.pod.namespace': pod.namespace,
    'io.kubernetes.pod.uid': pod.uid,
  };
}

/** The PodSandboxConfig the kubelet would send for this pod. */
export function toPodSandboxConfig(pod: PodSpec): PodSandboxConfigReq {
  const config: PodSandboxConfigReq = {
    metadata: { name: pod.name, uid: pod.uid, namespace: pod.namespace, attempt: pod.attempt ?? 0 },
    labels: { ...podLabels(pod), ...pod.labels },
    annotations: { 'kubernetes.io/config.source': 'podpulse-test', ...pod.annotations },
    linux: {
      cgroup_parent: pod.cgroupParent ?? '',
      security_context: { namespace_options: namespaceOptions(pod) },
    },
  };
  if (!pod.hostNetwork) config.hostname = pod.hostname ?? pod.name;
  if (pod.logDirectory) config.log_directory = pod.logDirectory;
  return config;
}

/** The ContainerConfig the kubelet would send for this container of `pod`. */
export function toContainerConfig(c: ContainerSpec, pod: PodSpec): ContainerConfigReq {
  const attempt = c.attempt ?? 0;
  const config: ContainerConfigReq = {
    metadata: { name: c.name, attempt },
    image: { image: c.image },
    labels: { 'io.kubernetes.container.name': c.name, ...podLabels(pod), ...c.labels },
    annotations: { 'io.kubernetes.container.restartCount': String(c.restartCount ?? 0), ...c.annotations },
    linux: {
      security_context: { namespace_options: namespaceOptions(pod), ...(c.privileged && { privileged: true }) },
    },
  };
  if (c.command) config.command = [...c.command];
  if (c.args) config.args = [...c.args];
  if (c.workingDir) config.working_dir = c.workingDir;
  if (c.env) config.envs = Object.entries(c.env).map(([key, value]) => ({ key, value }));
  if (c.mounts) {
    config.mounts = c.mounts.map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, readonly: m.readonly ?? false }));
  }
  if (c.logPath) config.log_path = c.logPath;
  else if (pod.logDirectory) config.log_path = `${c.name}/${attempt}.log`;
  const r = c.resources;
  if (r && config.linux) {
    const res: NonNullable<NonNullable<ContainerConfigReq['linux']>['resources']> = {};
    if (r.cpuPeriod !== undefined) res.cpu_period = String(r.cpuPeriod);
    if (r.cpuQuota !== undefined) res.cpu_quota = String(r.cpuQuota);
    if (r.cpuShares !== undefined) res.cpu_shares = String(r.cpuShares);
    if (r.memoryLimitBytes !== undefined) res.memory_limit_in_bytes = String(r.memoryLimitBytes);
    config.linux.resources = res;
  }
  return config;
}

export interface CriAdminOptions {
  /** `unix:///…/containerd.sock` or a bare absolute socket path. */
  endpoint: string;
  /** Deadline per call, ms. Default 60000 (sandbox creation runs CNI; slow under load). */
  timeoutMs?: number;
}

/** Test-only CRI lifecycle client. See the module comment for the kubelet conventions it applies. */
export class CriAdmin {
  readonly #conn: CriConnection;
  readonly #timeoutMs: number;

  constructor(opts: CriAdminOptions) {
    this.#conn = new CriConnection({ endpoint: opts.endpoint, criPackage: loadCriAdminPackage() });
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** RunPodSandbox; resolves with the sandbox id. */
  async runPod(pod: PodSpec): Promise<string> {
    const res = await this.#conn.call<{ pod_sandbox_id: string }>(
      'RunPodSandbox',
      { config: toPodSandboxConfig(pod), runtime_handler: pod.runtimeHandler ?? '' },
      this.#timeoutMs,
    );
    return res.pod_sandbox_id;
  }

  /** CreateContainer in sandbox `podId` (which was run from `pod`); resolves with the container id. */
  async createContainer(podId: string, pod: PodSpec, container: ContainerSpec): Promise<string> {
    const res = await this.#conn.call<{ container_id: string }>(
      'CreateContainer',
      { pod_sandbox_id: podId, config: toContainerConfig(container, pod), sandbox_config: toPodSandboxConfig(pod) },
      this.#timeoutMs,
    );
    return res.container_id;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.#conn.call('StartContainer', { container_id: containerId }, this.#timeoutMs);
  }

  /** StopContainer: SIGTERM, then SIGKILL after `graceSeconds` (0 = kill at once). */
  async stopContainer(containerId: string, graceSeconds = 0): Promise<void> {
    await this.#conn.call('StopContainer', { container_id: containerId, timeout: String(graceSeconds) }, this.#timeoutMs);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.#conn.call('RemoveContainer', { container_id: containerId }, this.#timeoutMs);
  }

  async stopPod(podId: string): Promise<void> {
    await this.#conn.call('StopPodSandbox', { pod_sandbox_id: podId }, this.#timeoutMs);
  }

  /** RemovePodSandbox; the runtime removes the pod's containers with it. */
  async removePod(podId: string): Promise<void> {
    await this.#conn.call('RemovePodSandbox', { pod_sandbox_id: podId }, this.#timeoutMs);
  }

  /** Runs the sandbox, then creates and starts each container in order. */
  async startPod(pod: PodSpec, containers: ContainerSpec[]): Promise<{ podId: string; containerIds: string[] }> {
    const podId = await this.runPod(pod);
    const containerIds: string[] = [];
    for (const c of containers) {
      const id = await this.createContainer(podId, pod, c);
      await this.startContainer(id);
      containerIds.push(id);
    }
    return { podId, containerIds };
  }

  /**
   * StopPodSandbox + RemovePodSandbox. The pod-level cgroup parent stays behind on the host
   * (the kubelet removes it, not the runtime); callers that created one should rmdir it.
   */
  async teardownPod(podId: string): Promise<void> {
    await this.stopPod(podId);
    await this.removePod(podId);
  }

  close(): void {
    this.#conn.close();
  }
}
