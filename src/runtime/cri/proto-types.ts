/**
 * TypeScript shapes of the CRI messages in api.proto as @grpc/proto-loader decodes them with
 * keepCase, longs: String, enums: String, defaults: true: snake_case names, 64-bit integers as
 * decimal strings, enums by name (or by number for a value our proto does not know), unset
 * sub-messages as null, unset scalars as their zero value, maps as plain objects.
 *
 * Only src/runtime/cri/ uses these; the rest of podpulse sees src/runtime/types.ts.
 * Request shapes are partial on purpose: proto-loader fills what is left out with defaults.
 */

type Int64 = string;
type Map = Record<string, string>;

export interface UInt64ValueMsg {
  value: Int64;
}

export interface VersionResponseMsg {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface StatusResponseMsg {
  status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } | null;
  info: Map;
}

export type NamespaceModeName = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOptionMsg {
  network: NamespaceModeName | number;
  pid: NamespaceModeName | number;
  ipc: NamespaceModeName | number;
  target_id: string;
}

export interface PodSandboxMetadataMsg {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export type PodSandboxStateName = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxMsg {
  id: string;
  metadata: PodSandboxMetadataMsg | null;
  state: PodSandboxStateName | number;
  created_at: Int64;
  labels: Map;
  annotations: Map;
  runtime_handler: string;
}

export interface PodSandboxStatusMsg {
  id: string;
  metadata: PodSandboxMetadataMsg | null;
  state: PodSandboxStateName | number;
  created_at: Int64;
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOptionMsg | null } | null } | null;
  labels: Map;
  annotations: Map;
  runtime_handler: string;
}

export interface PodSandboxStatusResponseMsg {
  status: PodSandboxStatusMsg | null;
  info: Map;
  timestamp: Int64;
}

export interface ImageSpecMsg {
  image: string;
  annotations: Map;
  user_specified_image: string;
}

export type ContainerStateName = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerMetadataMsg {
  name: string;
  attempt: number;
}

export interface ContainerMsg {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadataMsg | null;
  image: ImageSpecMsg | null;
  image_ref: string;
  state: ContainerStateName | number;
  created_at: Int64;
  labels: Map;
  annotations: Map;
  image_id: string;
}

export interface LinuxContainerResourcesMsg {
  cpu_period: Int64;
  cpu_quota: Int64;
  cpu_shares: Int64;
  memory_limit_in_bytes: Int64;
  oom_score_adj: Int64;
  cpuset_cpus: string;
  cpuset_mems: string;
}

export interface ContainerStatusMsg {
  id: string;
  metadata: ContainerMetadataMsg | null;
  state: ContainerStateName | number;
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  exit_code: number;
  image: ImageSpecMsg | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Map;
  annotations: Map;
  log_path: string;
  resources: { linux: LinuxContainerResourcesMsg | null } | null;
  image_id: string;
}

export interface ContainerStatusResponseMsg {
  status: ContainerStatusMsg | null;
  info: Map;
}

export interface CpuUsageMsg {
  timestamp: Int64;
  usage_core_nano_seconds: UInt64ValueMsg | null;
  usage_nano_cores: UInt64ValueMsg | null;
}

export interface MemoryUsageMsg {
  timestamp: Int64;
  working_set_bytes: UInt64ValueMsg | null;
  available_bytes: UInt64ValueMsg | null;
  usage_bytes: UInt64ValueMsg | null;
  rss_bytes: UInt64ValueMsg | null;
  page_faults: UInt64ValueMsg | null;
  major_page_faults: UInt64ValueMsg | null;
}

export interface ContainerStatsMsg {
  attributes: { id: string; metadata: ContainerMetadataMsg | null; labels: Map; annotations: Map } | null;
  cpu: CpuUsageMsg | null;
  memory: MemoryUsageMsg | null;
  writable_layer: {
    timestamp: Int64;
    fs_id: { mountpoint: string } | null;
    used_bytes: UInt64ValueMsg | null;
    inodes_used: UInt64ValueMsg | null;
  } | null;
}

export interface NetworkInterfaceUsageMsg {
  name: string;
  rx_bytes: UInt64ValueMsg | null;
  rx_errors: UInt64ValueMsg | null;
  tx_bytes: UInt64ValueMsg | null;
  tx_errors: UInt64ValueMsg | null;
}

export interface PodSandboxStatsMsg {
  attributes: { id: string; metadata: PodSandboxMetadataMsg | null; labels: Map; annotations: Map } | null;
  linux: {
    cpu: CpuUsageMsg | null;
    memory: MemoryUsageMsg | null;
    network: {
      timestamp: Int64;
      default_interface: NetworkInterfaceUsageMsg | null;
      interfaces: NetworkInterfaceUsageMsg[];
    } | null;
    process: { timestamp: Int64; process_count: UInt64ValueMsg | null } | null;
    containers: ContainerStatsMsg[];
  } | null;
}

export interface ImageMsg {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64;
  pinned: boolean;
}

// ---- Requests (partial: defaults fill the rest) ------------------------------------------------

export interface NamespaceOptionReq {
  network?: NamespaceModeName;
  pid?: NamespaceModeName;
  ipc?: NamespaceModeName;
}

export interface PodSandboxConfigReq {
  metadata: PodSandboxMetadataMsg;
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

export interface ContainerConfigReq {
  metadata: ContainerMetadataMsg;
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
