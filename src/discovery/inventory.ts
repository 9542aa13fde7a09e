import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayout } from '../cgroup/layout.js';
import { AgentError, errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { countSourceError, type AgentStats, type ContainerIdentity, type FsUsageSample } from '../metrics/sample.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Container, ContainerStatsSample, Pod, RuntimeVersion } from '../runtime/types.js';
import { cgroupPathFromSpec, isPodCgroup, parentOf } from './cgroups-path.js';
import type { RawWalkOptions } from './raw-cgroups.js';
import { rawIdentity, rawTargets, type Target, type TargetList, type TargetProvider } from './target.js';

export interface RuntimeConnector {
  /** A runtime client, or undefined with the reason when no runtime can be found right now. */
  connect(): { runtime: ContainerRuntime; endpoint: string } | { reason: string };
}

export interface InventoryOptions {
  layout: CgroupLayout;
  raw: RawWalkOptions;
  connector: RuntimeConnector;
  /** Where the host's / is visible, to statfs the runtime's snapshotter directories. */
  rootfs: string;
  stats: AgentStats;
  log: Logger;
  now?: () => number;
}

interface PodEntry {
  pod: Pod;
  /** Sandbox cgroup, relative to the hierarchy roots. */
  cgroupPath?: string;
}

interface ContainerEntry {
  container: Container;
  cgroupPath?: string;
}

const OOM_REASON = 'OOMKilled';
/**
 * containerd measures writable layers on its own schedule (about every 10 s), and ListContainerStats
 * costs ~0.2 s at 100 pods: asking more often than that only repeats the same figures.
 */
const FS_REFRESH_MS = 10_000;

/**
 * Pods and containers from the runtime's CRI API, joined with the raw cgroup walk.
 *
 * Each cycle lists sandboxes and containers (cheap) and asks verbose status only for ids not seen
 * before (pid, cgroup path, netns mode) or whose state changed (exit code, OOMKilled), caching by id
 * and dropping what disappeared. Identity labels follow kubelet's /metrics/cadvisor: containers get
 * name=<container id>, image=<image as the pod spec named it>, container=<name>; sandboxes
 * container="" and image=<sandbox image>; pod-level cgroups only pod and namespace.
 *
 * When the runtime is unreachable the last known inventory keeps labelling the cgroups that still
 * exist, and the connection is retried every cycle; raw discovery goes on regardless.
 */
export class CriInventory implements TargetProvider {
  #opts: InventoryOptions;
  #runtime: ContainerRuntime | undefined;
  #endpoint = '';
  #lastReason: string | undefined;
  #up = false;
  #pods = new Map<string, PodEntry>();
  #containers = new Map<string, ContainerEntry>();
  /** pod uid + container name → ids of its instances that ended OOMKilled. */
  #oomKilled = new Map<string, Set<string>>();
  #fs = new Map<string, FsUsageSample>();
  #fsReadAt = -Infinity;
  #now: () => number;

  constructor(opts: InventoryOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  get connected(): boolean {
    return this.#up;
  }

  async list(): Promise<TargetList> {
    await this.#refresh();
    const raw = rawTargets(this.#opts.layout, this.#opts.raw);
    const byPath = new Map<string, Target>();
    for (const t of raw.targets) byPath.set(t.cgroupPath, t);
    const newest = this.#newestInstances();
    for (const t of this.#runtimeTargets(newest)) {
      const rawT = byPath.get(t.cgroupPath);
      byPath.set(t.cgroupPath, rawT?.netPid !== undefined && t.netPid === undefined ? { ...t, netPid: rawT.netPid } : t);
    }
    for (const t of this.#exitedTargets(newest)) byPath.set(`exited:${t.identity.name}`, t);
    return { targets: [...byPath.values()], truncated: raw.truncated };
  }

  async close(): Promise<void> {
    this.#runtime?.close();
    this.#runtime = undefined;
  }

  async #refresh(): Promise<void> {
    const { log, stats } = this.#opts;
    if (!this.#runtime) {
      const c = this.#opts.connector.connect();
      if ('reason' in c) {
        if (this.#lastReason !== c.reason) log.warn(`${c.reason}; collecting raw cgroups only, retrying every cycle`);
        this.#lastReason = c.reason;
        stats.criUp = false;
        return;
      }
      this.#runtime = c.runtime;
      this.#endpoint = c.endpoint;
    }
    const runtime = this.#runtime;
    let pods: Pod[];
    let containers: Container[];
    try {
      [pods, containers] = await Promise.all([runtime.listPods(), runtime.listContainers()]);
    } catch (err) {
      this.#down(err);
      return;
    }
    if (!this.#up) {
      let version: RuntimeVersion | undefined;
      try {
        version = await runtime.version();
      } catch {
        // the lists answered; the version is only for the log line
      }
      log.info(
        { endpoint: this.#endpoint, runtime: version ? `${version.runtimeName} ${version.runtimeVersion}` : 'unknown' },
        this.#lastReason === undefined ? 'connected to the container runtime' : 'container runtime is back',
      );
      this.#lastReason = undefined;
    }
    this.#up = true;
    stats.criUp = true;
    await this.#syncPods(runtime, pods);
    await this.#syncContainers(runtime, containers);
    const now = this.#now();
    if (now - this.#fsReadAt >= FS_REFRESH_MS) {
      this.#fsReadAt = now;
      await this.#syncFs(runtime);
    }
  }

  #down(err: unknown): void {
    const reason = `container runtime at ${this.#endpoint} not answering: ${err instanceof Error ? err.message : String(err)}`;
    if (this.#up || this.#lastReason === undefined) {
      this.#opts.log.warn(`${reason}; keeping the last known pods for labels, retrying every cycle`);
    }
    this.#lastReason = reason;
    this.#up = false;
    // A fresh client next cycle: grpc-js would otherwise back off reconnecting for up to two minutes.
    if ((err as { code?: string }).code === 'CRI_UNAVAILABLE') {
      this.#runtime?.close();
      this.#runtime = undefined;
    }
    this.#opts.stats.criUp = false;
    countSourceError(this.#opts.stats, 'cri', errorCode(err));
  }

  async #syncPods(runtime: ContainerRuntime, pods: Pod[]): Promise<void> {
    const listed = new Set(pods.map((p) => p.id));
    for (const id of this.#pods.keys()) if (!listed.has(id)) this.#pods.delete(id);
    // OOM counts live as long as their pod: a deleted pod's count would otherwise be kept forever.
    const podKeys = new Set(pods.flatMap((p) => [p.uid, p.id]));
    for (const key of this.#oomKilled.keys()) if (!podKeys.has(key.slice(0, key.lastIndexOf('/')))) this.#oomKilled.delete(key);
    for (const p of pods) {
      const known = this.#pods.get(p.id);
      if (known && known.pod.state === p.state) continue;
      try {
        const pod = await runtime.podStatus(p.id);
        const cgroupPath = pod.cgroupPath ? cgroupPathFromSpec(pod.cgroupPath) : undefined;
        this.#pods.set(p.id, cgroupPath ? { pod, cgroupPath } : { pod });
      } catch (err) {
        this.#statusFailed('pod', p.id, err);
      }
    }
  }

  async #syncContainers(runtime: ContainerRuntime, containers: Container[]): Promise<void> {
    const listed = new Set(containers.map((c) => c.id));
    for (const id of this.#containers.keys()) if (!listed.has(id)) this.#containers.delete(id);
    for (const c of containers) {
      const known = this.#containers.get(c.id);
      if (known && known.container.state === c.state) {
        // Cheap fields may change without a state change (the kubelet updates annotations).
        known.container = { ...known.container, annotations: c.annotations, ...(c.restartCount !== undefined ? { restartCount: c.restartCount } : {}) };
        continue;
      }
      try {
        const container = await runtime.containerStatus(c.id);
        const cgroupPath = container.cgroupPath ? cgroupPathFromSpec(container.cgroupPath) : undefined;
        this.#containers.set(c.id, cgroupPath ? { container, cgroupPath } : { container });
        if (container.state === 'exited' && container.reason === OOM_REASON) {
          const pod = this.#pods.get(container.podId)?.pod;
          const key = `${pod?.uid ?? container.podId}/${container.name}`;
          let ids = this.#oomKilled.get(key);
          if (!ids) this.#oomKilled.set(key, (ids = new Set()));
          if (!ids.has(container.id)) {
            ids.add(container.id);
            this.#opts.log.info({ container: container.name, pod: pod?.name, id: container.id }, 'container was OOM-killed');
          }
        }
      } catch (err) {
        this.#statusFailed('container', c.id, err);
      }
    }
  }

  /** Writable-layer usage from ListContainerStats; statfs of the snapshotter dir for capacity and inodes. */
  async #syncFs(runtime: ContainerRuntime): Promise<void> {
    let samples: ContainerStatsSample[];
    try {
      samples = await runtime.listContainerStats();
    } catch (err) {
      this.#fs.clear();
      countSourceError(this.#opts.stats, 'cri', errorCode(err));
      this.#opts.log.debug({ err: (err as Error).message }, 'ListContainerStats failed; no filesystem usage this cycle');
      return;
    }
    const capacity = new Map<string, { limitBytes?: number; inodesTotal?: number; inodesFree?: number }>();
    this.#fs.clear();
    for (const s of samples) {
      const layer = s.writableLayer;
      if (!layer?.mountpoint || layer.usedBytes === undefined) continue;
      let fsInfo = capacity.get(layer.mountpoint);
      if (!fsInfo) {
        fsInfo = statfsOf(join(this.#opts.rootfs, layer.mountpoint));
        capacity.set(layer.mountpoint, fsInfo);
      }
      this.#fs.set(s.id, { device: layer.mountpoint, usageBytes: layer.usedBytes, ...fsInfo });
    }
  }

  #statusFailed(kind: string, id: string, err: unknown): void {
    // NOT_FOUND: removed between the list and the status call; it will be gone from the next list.
    const status = (err as { status?: string }).status;
    if (status === 'NOT_FOUND') this.#opts.log.debug({ id }, `${kind} vanished before its status was read`);
    else this.#opts.log.warn({ id, err: err instanceof AgentError ? err.message : String(err) }, `${kind} status failed; will retry`);
  }

  #oomCount(pod: Pod | undefined, c: Container): number | undefined {
    const ids = this.#oomKilled.get(`${pod?.uid ?? c.podId}/${c.name}`);
    return ids ? ids.size : undefined;
  }

  /** Only the newest instance of a (pod, container name) carries the OOM count, so sums do not double it. */
  #newestInstances(): Set<string> {
    const newest = new Map<string, Container>();
    for (const { container: c } of this.#containers.values()) {
      const key = `${c.podId}/${c.name}`;
      const cur = newest.get(key);
      if (!cur || c.attempt > cur.attempt || (c.attempt === cur.attempt && c.createdAt > cur.createdAt)) newest.set(key, c);
    }
    return new Set([...newest.values()].map((c) => c.id));
  }

  #runtimeTargets(newest: Set<string>): Target[] {
    const out: Target[] = [];
    for (const { pod, cgroupPath } of this.#pods.values()) {
      if (!cgroupPath) continue;
      const sandbox: Target = {
        cgroupPath,
        identity: { id: cgroupPath, name: pod.id, image: pod.image ?? '', container: '', pod: pod.name, namespace: pod.namespace },
      };
      // A host-network pod's net/dev is the node's: reporting it would count host traffic as the pod's.
      if (pod.pid !== undefined && pod.pid > 0 && pod.hostNetwork !== true) sandbox.netPid = pod.pid;
      out.push(sandbox);
      const podCgroup = parentOf(cgroupPath);
      if (isPodCgroup(podCgroup, pod.uid)) {
        out.push({ cgroupPath: podCgroup, identity: { ...rawIdentity(podCgroup), pod: pod.name, namespace: pod.namespace } });
      }
    }
    for (const { container: c, cgroupPath } of this.#containers.values()) {
      if (!cgroupPath || c.state !== 'running') continue;
      const pod = this.#pods.get(c.podId)?.pod;
      const t: Target = { cgroupPath, identity: this.#identity(c, cgroupPath, pod) };
      const oom = newest.has(c.id) ? this.#oomCount(pod, c) : undefined;
      t.oomEvents = oom ?? 0;
      const fs = this.#fs.get(c.id);
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
  #exitedTargets(newest: Set<string>): Target[] {
    const out: Target[] = [];
    for (const { container: c, cgroupPath } of this.#containers.values()) {
      if (c.state === 'running' || !newest.has(c.id)) continue;
      const pod = this.#pods.get(c.podId)?.pod;
      const oom = this.#oomCount(pod, c);
      if (oom === undefined) continue;
      const id = cgroupPath ?? `/${c.id}`;
      out.push({ identity: this.#identity(c, id, pod), oomEvents: oom, cgroupless: true, cgroupPath: id });
    }
    return out;
  }

  #identity(c: Container, cgroupPath: string, pod: Pod | undefined): ContainerIdentity {
    return {
      id: cgroupPath,
      name: c.id,
      image: c.image,
      container: c.labels['io.kubernetes.container.name'] ?? c.name,
      pod: pod?.name ?? c.labels['io.kubernetes.pod.name'] ?? '',
      namespace: pod?.namespace ?? c.labels['io.kubernetes.pod.namespace'] ?? '',
    };
  }
}

function statfsOf(path: string): { limitBytes?: number; inodesTotal?: number; inodesFree?: number } {
  try {
    const s = statfsSync(path);
    return { limitBytes: s.blocks * s.bsize, inodesTotal: s.files, inodesFree: s.ffree };
  } catch {
    return {};
  }
}
