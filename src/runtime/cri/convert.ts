/**
 * Pure CRI message → podpulse model conversions (no I/O, no clock). Input shapes are what
 * @grpc/proto-loader decodes (the `__Output` types generated from api.proto into generated/);
 * output is src/runtime/types.ts.
 *
 * Verbose info: with `verbose: true`, containerd (and CRI-O) put a JSON document under the
 * `info` key of the status response's `info` map, e.g. (containerd 1.6.20, abridged):
 *   {"pid":24044,"processStatus":"running","image":"localhost/busybox:1",
 *    "runtimeSpec":{"linux":{"cgroupsPath":"/kubepods/besteffort/pod2c46…/bc24a306…", …}, …}, …}
 *   {"sandboxID":"bc24a306…","pid":24102,"runtimeSpec":{"linux":{"cgroupsPath":"/kubepods/…/26818b24…"}}, …}
 * CRI-O (1.2x, server/sandbox_status.go and container_status.go) puts the same kind of document there:
 *   sandbox {"image":"registry.k8s.io/pause:3.9","pid":4711,"runtimeSpec":{…}}, or only {"runtimeSpec":{…}}
 *     when it runs the pod without an infra container (drop_infra_ctr: no pause process, no pid);
 *   container {"sandboxID":"…","pid":4790,"runtimeSpec":{…},"privileged":false}
 * with runtimeSpec.linux.cgroupsPath `<pod slice>:crio:<id>` (systemd) or `/kubepods/…/crio-<id>`
 * (cgroupfs) and CRI-O's own names in runtimeSpec.annotations (io.kubernetes.cri-o.Name, …ImageName,
 * …SandboxID).
 * Keys we do not use are ignored; a key we use holding the wrong type throws ParseError.
 */
import { ParseError } from '../../errors.js';
import type {
  Container,
  ContainerState,
  ContainerStatsSample,
  NetworkInterfaceSample,
  Pod,
  PodState,
  PodStatsSample,
  RuntimeStatus,
  RuntimeVersion,
} from '../types.js';
import type { Container__Output as ContainerMsg } from './generated/runtime/v1/Container.js';
import type { ContainerStats__Output as ContainerStatsMsg } from './generated/runtime/v1/ContainerStats.js';
import type { ContainerStatusResponse__Output as ContainerStatusResponseMsg } from './generated/runtime/v1/ContainerStatusResponse.js';
import type { CpuUsage__Output as CpuUsageMsg } from './generated/runtime/v1/CpuUsage.js';
import type { MemoryUsage__Output as MemoryUsageMsg } from './generated/runtime/v1/MemoryUsage.js';
import type { NetworkInterfaceUsage__Output as NetworkInterfaceUsageMsg } from './generated/runtime/v1/NetworkInterfaceUsage.js';
import type { PodSandbox__Output as PodSandboxMsg } from './generated/runtime/v1/PodSandbox.js';
import type { PodSandboxStats__Output as PodSandboxStatsMsg } from './generated/runtime/v1/PodSandboxStats.js';
import type { PodSandboxStatusResponse__Output as PodSandboxStatusResponseMsg } from './generated/runtime/v1/PodSandboxStatusResponse.js';
import type { StatusResponse__Output as StatusResponseMsg } from './generated/runtime/v1/StatusResponse.js';
import type { UInt64Value__Output as UInt64ValueMsg } from './generated/runtime/v1/UInt64Value.js';
import type { VersionResponse__Output as VersionResponseMsg } from './generated/runtime/v1/VersionResponse.js';

/** The kubelet records how often it restarted a container in this annotation. */
export const RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';

/** What verbose status info tells us beyond the typed status. */
export interface VerboseInfo {
  pid?: number;
  cgroupPath?: string;
  /** Sandbox only: the image its pause process runs. */
  image?: string;
  /** Container only: the sandbox it belongs to. */
  sandboxId?: string;
  /**
   * Container only: the image name the runtime resolved (spec annotation io.kubernetes.cri.image-name
   * with containerd, io.kubernetes.cri-o.ImageName with CRI-O).
   */
  imageName?: string;
  /** CRI-O: its name for the OCI container (spec annotation io.kubernetes.cri-o.Name). */
  specName?: string;
}

/** Spec annotations runtimes put their own names in. */
const SPEC_ANNOTATIONS = {
  sandboxId: ['io.kubernetes.cri.sandbox-id', 'io.kubernetes.cri-o.SandboxID'],
  imageName: ['io.kubernetes.cri.image-name', 'io.kubernetes.cri-o.ImageName'],
  specName: ['io.kubernetes.cri-o.Name'],
} as const;

function nanos(value: string, what: string): bigint {
  try {
    return BigInt(value);
  } catch (err) {
    throw new ParseError(what, `not an integer: ${JSON.stringify(value)}`, { cause: err });
  }
}

/** CRI uses 0 for "has not happened yet". */
function optionalNanos(value: string, what: string): bigint | undefined {
  const ns = nanos(value, what);
  return ns === 0n ? undefined : ns;
}

function u64(w: UInt64ValueMsg | null | undefined): number | undefined {
  return w ? Number(w.value) : undefined;
}

function u64Exact(w: UInt64ValueMsg | null | undefined, what: string): bigint | undefined {
  return w ? nanos(w.value, what) : undefined;
}

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}

export function toPodState(state: string | number): PodState {
  return state === 'SANDBOX_READY' ? 'ready' : 'notready';
}

export function toContainerState(state: string | number): ContainerState {
  switch (state) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default:
      return 'unknown';
  }
}

/**
 * The kubelet writes a decimal count; the annotation is free-form metadata, so anything else
 * means "unknown" rather than a reason to drop the container.
 */
export function restartCountOf(annotations: Record<string, string>): number | undefined {
  const raw = annotations[RESTART_COUNT_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Reads the JSON document under `info["info"]` of a verbose status response. `what` names the
 * response in errors (e.g. `PodSandboxStatus(bc24…).info`). Absent or empty info → {}.
 */
export function parseVerboseInfo(info: Record<string, string>, what: string): VerboseInfo {
  const raw = info['info'];
  if (raw === undefined || raw === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw new ParseError(what, `info is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ParseError(what, 'info is not a JSON object');
  const d = doc as Record<string, unknown>;
  const out: VerboseInfo = {};

  if (d['pid'] !== undefined && d['pid'] !== null) {
    const pid = d['pid'];
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 0) {
      throw new ParseError(what, `pid is not a non-negative integer: ${JSON.stringify(pid)}`);
    }
    // A stopped sandbox or exited container reports pid 0: there is no process.
    if (pid > 0) out.pid = pid;
  }

  const spec = d['runtimeSpec'];
  if (spec !== undefined && spec !== null) {
    if (typeof spec !== 'object') throw new ParseError(what, 'runtimeSpec is not an object');
    const linux = (spec as Record<string, unknown>)['linux'];
    if (linux !== undefined && linux !== null) {
      if (typeof linux !== 'object') throw new ParseError(what, 'runtimeSpec.linux is not an object');
      const cg = (linux as Record<string, unknown>)['cgroupsPath'];
      if (cg !== undefined && cg !== null) {
        if (typeof cg !== 'string') throw new ParseError(what, 'runtimeSpec.linux.cgroupsPath is not a string');
        if (cg !== '') out.cgroupPath = cg;
      }
    }
    const annotations = (spec as Record<string, unknown>)['annotations'];
    if (annotations && typeof annotations === 'object') {
      for (const [field, keys] of Object.entries(SPEC_ANNOTATIONS) as [keyof typeof SPEC_ANNOTATIONS, readonly string[]][]) {
        for (const key of keys) {
          const v = (annotations as Record<string, unknown>)[key];
          if (typeof v === 'string' && v !== '') {
            out[field] = v;
            break;
          }
        }
      }
    }
  }

  const image = d['image'];
  if (image !== undefined && image !== null) {
    if (typeof image !== 'string') throw new ParseError(what, 'image is not a string');
    if (image !== '') out.image = image;
  }

  const sandboxId = d['sandboxID'];
  if (sandboxId !== undefined && sandboxId !== null) {
    if (typeof sandboxId !== 'string') throw new ParseError(what, 'sandboxID is not a string');
    if (sandboxId !== '') out.sandboxId = sandboxId;
  }
  return out;
}

export function toRuntimeVersion(msg: VersionResponseMsg): RuntimeVersion {
  return { runtimeName: msg.runtime_name, runtimeVersion: msg.runtime_version, apiVersion: msg.runtime_api_version };
}

export function toRuntimeStatus(msg: StatusResponseMsg): RuntimeStatus {
  const conditions = (msg.status?.conditions ?? []).map((c) => {
    const reason = nonEmpty(c.reason);
    const message = nonEmpty(c.message);
    return { type: c.type, status: c.status, ...(reason && { reason }), ...(message && { message }) };
  });
  const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status);
  return { runtimeReady: isTrue('RuntimeReady'), networkReady: isTrue('NetworkReady'), conditions };
}

/** A ListPodSandbox item. */
export function toPod(msg: PodSandboxMsg): Pod {
  const pod: Pod = {
    id: msg.id,
    name: msg.metadata?.name ?? '',
    namespace: msg.metadata?.namespace ?? '',
    uid: msg.metadata?.uid ?? '',
    attempt: msg.metadata?.attempt ?? 0,
    state: toPodState(msg.state),
    createdAt: nanos(msg.created_at, `PodSandbox(${msg.id}).created_at`),
    labels: { ...msg.labels },
    annotations: { ...msg.annotations },
  };
  const handler = nonEmpty(msg.runtime_handler);
  if (handler) pod.runtimeHandler = handler;
  return pod;
}

/** A verbose PodSandboxStatus response. */
export function toPodFromStatus(msg: PodSandboxStatusResponseMsg): Pod {
  const s = msg.status;
  if (!s) throw new ParseError('PodSandboxStatus', 'response has no status');
  const what = `PodSandboxStatus(${s.id})`;
  const pod: Pod = {
    id: s.id,
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    uid: s.metadata?.uid ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: toPodState(s.state),
    createdAt: nanos(s.created_at, `${what}.created_at`),
    labels: { ...s.labels },
    annotations: { ...s.annotations },
  };
  const handler = nonEmpty(s.runtime_handler);
  if (handler) pod.runtimeHandler = handler;
  const ip = nonEmpty(s.network?.ip ?? '');
  if (ip) pod.ip = ip;
  const netMode = s.linux?.namespaces?.options?.network;
  if (netMode !== undefined) pod.hostNetwork = netMode === 'NODE';
  const info = parseVerboseInfo(msg.info, `${what}.info`);
  if (info.pid !== undefined) pod.pid = info.pid;
  if (info.cgroupPath !== undefined) pod.cgroupPath = info.cgroupPath;
  if (info.image !== undefined) pod.image = info.image;
  if (info.specName !== undefined) pod.specName = info.specName;
  return pod;
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{64}$/;

/**
 * The image as the pod spec named it. The kubelet passes the resolved image id in `image` and the
 * pod spec's name in `user_specified_image` (CRI fields of Kubernetes 1.30+). Older kubelets leave
 * the latter empty: then an id in `image` is replaced by the name the runtime resolved it from
 * (containerd's `io.kubernetes.cri.image-name` spec annotation, verbose status only), never shown raw.
 */
function imageName(spec: { image: string; user_specified_image: string } | null, resolvedName?: string): string {
  if (!spec) return resolvedName ?? '';
  if (spec.user_specified_image !== '') return spec.user_specified_image;
  if (IMAGE_ID.test(spec.image) && resolvedName) return resolvedName;
  return spec.image;
}

/** A ListContainers item. */
export function toContainer(msg: ContainerMsg): Container {
  const c: Container = {
    id: msg.id,
    podId: msg.pod_sandbox_id,
    name: msg.metadata?.name ?? '',
    attempt: msg.metadata?.attempt ?? 0,
    image: imageName(msg.image),
    imageRef: msg.image_ref,
    state: toContainerState(msg.state),
    createdAt: nanos(msg.created_at, `Container(${msg.id}).created_at`),
    labels: { ...msg.labels },
    annotations: { ...msg.annotations },
  };
  const restarts = restartCountOf(msg.annotations);
  if (restarts !== undefined) c.restartCount = restarts;
  return c;
}

/**
 * A verbose ContainerStatus response. ContainerStatus carries no sandbox id; it comes from the
 * verbose info (`sandboxID`, or the spec's `io.kubernetes.cri.sandbox-id` annotation) and is ''
 * when neither is there (the client then looks it up).
 */
export function toContainerFromStatus(msg: ContainerStatusResponseMsg): Container {
  const s = msg.status;
  if (!s) throw new ParseError('ContainerStatus', 'response has no status');
  const what = `ContainerStatus(${s.id})`;
  const info = parseVerboseInfo(msg.info, `${what}.info`);
  const state = toContainerState(s.state);
  const c: Container = {
    id: s.id,
    podId: info.sandboxId ?? '',
    name: s.metadata?.name ?? '',
    attempt: s.metadata?.attempt ?? 0,
    image: imageName(s.image, info.imageName),
    imageRef: s.image_ref,
    state,
    createdAt: nanos(s.created_at, `${what}.created_at`),
    labels: { ...s.labels },
    annotations: { ...s.annotations },
  };
  const restarts = restartCountOf(s.annotations);
  if (restarts !== undefined) c.restartCount = restarts;
  const startedAt = optionalNanos(s.started_at, `${what}.started_at`);
  if (startedAt !== undefined) c.startedAt = startedAt;
  const finishedAt = optionalNanos(s.finished_at, `${what}.finished_at`);
  if (finishedAt !== undefined) c.finishedAt = finishedAt;
  // exit_code is 0 by default while running; it only means something once the container finished.
  if (state === 'exited' || finishedAt !== undefined) c.exitCode = s.exit_code;
  const reason = nonEmpty(s.reason);
  if (reason) c.reason = reason;
  const message = nonEmpty(s.message);
  if (message) c.message = message;
  const logPath = nonEmpty(s.log_path);
  if (logPath) c.logPath = logPath;
  if (info.pid !== undefined) c.pid = info.pid;
  if (info.cgroupPath !== undefined) c.cgroupPath = info.cgroupPath;
  if (info.specName !== undefined) c.specName = info.specName;
  return c;
}

function cpuFields(cpu: CpuUsageMsg | null, what: string): Pick<ContainerStatsSample, 'timestamp' | 'cpuUsageCoreNanoSeconds' | 'cpuUsageNanoCores'> {
  if (!cpu) return {};
  const out: Pick<ContainerStatsSample, 'timestamp' | 'cpuUsageCoreNanoSeconds' | 'cpuUsageNanoCores'> = {};
  const ts = optionalNanos(cpu.timestamp, `${what}.cpu.timestamp`);
  if (ts !== undefined) out.timestamp = ts;
  const total = u64Exact(cpu.usage_core_nano_seconds, `${what}.cpu.usage_core_nano_seconds`);
  if (total !== undefined) out.cpuUsageCoreNanoSeconds = total;
  const rate = u64(cpu.usage_nano_cores);
  if (rate !== undefined) out.cpuUsageNanoCores = rate;
  return out;
}

type MemoryFields = Pick<
  ContainerStatsSample,
  'memoryWorkingSetBytes' | 'memoryUsageBytes' | 'memoryAvailableBytes' | 'rssBytes' | 'pageFaults' | 'majorPageFaults'
>;

function memoryFields(mem: MemoryUsageMsg | null): MemoryFields {
  if (!mem) return {};
  const pairs: [keyof MemoryFields, UInt64ValueMsg | null][] = [
    ['memoryWorkingSetBytes', mem.working_set_bytes],
    ['memoryUsageBytes', mem.usage_bytes],
    ['memoryAvailableBytes', mem.available_bytes],
    ['rssBytes', mem.rss_bytes],
    ['pageFaults', mem.page_faults],
    ['majorPageFaults', mem.major_page_faults],
  ];
  const out: MemoryFields = {};
  for (const [key, w] of pairs) {
    const v = u64(w);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A ListContainerStats entry (or one of PodSandboxStats' containers). */
export function toContainerStats(msg: ContainerStatsMsg): ContainerStatsSample {
  const id = msg.attributes?.id;
  if (!id) throw new ParseError('ContainerStats', 'entry has no attributes.id');
  const what = `ContainerStats(${id})`;
  const out: ContainerStatsSample = { id, ...cpuFields(msg.cpu, what), ...memoryFields(msg.memory) };
  const name = nonEmpty(msg.attributes?.metadata?.name ?? '');
  if (name) out.name = name;
  const wl = msg.writable_layer;
  if (wl) {
    const layer: NonNullable<ContainerStatsSample['writableLayer']> = {};
    const mountpoint = nonEmpty(wl.fs_id?.mountpoint ?? '');
    if (mountpoint) layer.mountpoint = mountpoint;
    // containerd measures snapshot usage in a periodic sync; until the first one it sends
    // timestamp 0 with zero usage, which means "not measured yet", not an empty layer.
    if (wl.timestamp !== '0') {
      const used = u64(wl.used_bytes);
      if (used !== undefined) layer.usedBytes = used;
      const inodes = u64(wl.inodes_used);
      if (inodes !== undefined) layer.inodesUsed = inodes;
    }
    out.writableLayer = layer;
  }
  return out;
}

function toInterface(n: NetworkInterfaceUsageMsg): NetworkInterfaceSample {
  const out: NetworkInterfaceSample = { name: n.name };
  const rx = u64(n.rx_bytes);
  if (rx !== undefined) out.rxBytes = rx;
  const tx = u64(n.tx_bytes);
  if (tx !== undefined) out.txBytes = tx;
  const rxErr = u64(n.rx_errors);
  if (rxErr !== undefined) out.rxErrors = rxErr;
  const txErr = u64(n.tx_errors);
  if (txErr !== undefined) out.txErrors = txErr;
  return out;
}

/** A ListPodSandboxStats entry or a PodSandboxStats response's stats. */
export function toPodStats(msg: PodSandboxStatsMsg): PodStatsSample {
  const a = msg.attributes;
  if (!a || !a.id) throw new ParseError('PodSandboxStats', 'entry has no attributes.id');
  const what = `PodSandboxStats(${a.id})`;
  const linux = msg.linux;
  const out: PodStatsSample = { id: a.id, containers: (linux?.containers ?? []).map(toContainerStats) };
  if (a.metadata) {
    out.name = a.metadata.name;
    out.namespace = a.metadata.namespace;
    out.uid = a.metadata.uid;
  }
  if (!linux) return out;
  const cpu = cpuFields(linux.cpu, what);
  if (cpu.cpuUsageCoreNanoSeconds !== undefined) out.cpuUsageCoreNanoSeconds = cpu.cpuUsageCoreNanoSeconds;
  const mem = memoryFields(linux.memory);
  if (mem.memoryWorkingSetBytes !== undefined) out.memoryWorkingSetBytes = mem.memoryWorkingSetBytes;
  if (mem.memoryUsageBytes !== undefined) out.memoryUsageBytes = mem.memoryUsageBytes;
  if (mem.rssBytes !== undefined) out.rssBytes = mem.rssBytes;

  const net = linux.network;
  if (net) {
    const all = [...(net.default_interface ? [net.default_interface] : []), ...net.interfaces];
    const seen = new Set<string>();
    const ifaces: NetworkInterfaceSample[] = [];
    for (const n of all) {
      if (seen.has(n.name)) continue;
      seen.add(n.name);
      ifaces.push(toInterface(n));
    }
    if (ifaces.length > 0) out.network = ifaces;
  }
  const procs = u64(linux.process?.process_count);
  if (procs !== undefined) out.processCount = procs;
  return out;
}
