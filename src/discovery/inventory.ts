import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayout } from '../cgroup/layout.js';
import type { Logger } from '../log.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { runtimeKind, type RuntimeKind } from '../runtime/kind.js';
import type { Container, ContainerStatsSample, Pod, RuntimeVersion } from '../runtime/types.js';
import { forEachBounded, within } from './bounded.js';
import { cgroupPathFromSpec, parentOf } from './cgroups-path.js';
import { rawTreeChanged, walkRawCgroups, type RawWalkOptions, type RawWalkResult } from './raw-cgroups.js';
import type { ContainerLabel } from './container-labels.js';
import { joinTargets, OOM_KILLED, type ContainerEntry, type PodEntry } from './runtime-targets.js';
import { criErrorCode, WarnLimiter } from './source-errors.js';
import { StableTargets } from './stable-targets.js';
import type { TargetList, TargetProvider, FsUsageSample } from './target.js';
import type { SelfStats } from '../telemetry/self-stats.js';

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
  stats: SelfStats;
  log: Logger;
  now?: () => number;
  /** Status calls in flight at once (cri.concurrency). Default 4. */
  concurrency?: number;
  /**
   * Overall deadline of one CRI refresh (lists plus status calls), ms (cri.refreshTimeout). What is
   * not done by then waits for the next refresh, on a fresh connection. Default 15000.
   */
  refreshTimeoutMs?: number;
  /**
   * How long list() waits for a discovery round that has stopped making progress (no CRI answer
   * for this long) before it answers from the latest results, ms. Default 200: a hung runtime costs
   * a cycle at most this much, while one that keeps answering (hundreds of status calls at start-up)
   * is waited for, up to listMaxWaitMs, so the first cycle already has its labels.
   */
  listWaitMs?: number;
  /** The most list() ever waits for discovery, ms. Default 1000. */
  listMaxWaitMs?: number;
  /**
   * The same for the very first list(), ms. Default 5000: at start-up every container needs its status
   * call, and a cgroup reported before its labels arrive becomes a raw-identity series that ends a
   * cycle later (and that the SDK keeps carrying). Still only while the runtime keeps answering.
   */
  firstListMaxWaitMs?: number;
  /** Runtime labels every identity carries as container_label_* (metrics.containerLabels). Default none. */
  containerLabels?: readonly ContainerLabel[];
}

/** One CRI refresh; `over` once its overall deadline passed or the inventory closed. */
interface Round {
  over: boolean;
}

/**
 * containerd measures writable layers on its own schedule (about every 10 s), and ListContainerStats
 * costs ~0.2 s at 100 pods: asking more often than that only repeats the same figures.
 */
const FS_REFRESH_MS = 10_000;
/** A runtime failing the same way every cycle is said once per this long. */
const WARN_EVERY_MS = 5 * 60_000;
/**
 * A status call that failed is retried after this long, doubling up to STATUS_RETRY_MAX_MS: a
 * container whose shim is stuck must not hold a slot (and the refresh) for a full deadline every cycle.
 */
const STATUS_RETRY_MS = 5_000;
const STATUS_RETRY_MAX_MS = 60_000;
/** Longest synchronous stretch of the raw cgroup walk before it lets the event loop turn. */
const WALK_SLICE_MS = 5;
/**
 * The raw cgroup tree is read again in full at least this often even when nothing looked changed:
 * the backstop for what the per-cycle check (rawTreeChanged) cannot see, a cgroup removed and another
 * made under the same parent within one interval. cAdvisor re-lists its cgroups once a minute too.
 */
const FULL_WALK_MS = 60_000;

/**
 * Pods and containers from the runtime's CRI API, joined with the raw cgroup walk (joinTargets in
 * runtime-targets.ts says how, and which labels each gets).
 *
 * Each refresh lists sandboxes and containers (cheap) and asks verbose status only for ids not seen
 * before (pid, cgroup path, netns mode) or whose state changed (exit code, OOMKilled), caching by id
 * and dropping what disappeared.
 *
 * Discovery runs beside collection, never inside it: list() starts a CRI refresh and a raw walk
 * when none is running, waits for them only while the runtime keeps answering (listWaitMs of
 * silence, listMaxWaitMs at most), and answers from the latest results. So a runtime that hangs (a
 * socket that never answers, a status call stuck on a dead shim) costs labels for a while, never
 * cgroup data. Every CRI call has its deadline, status calls go `concurrency` at a time, a refresh
 * has an overall deadline, and a refresh still running is never started twice.
 *
 * When the runtime is unreachable the last known inventory keeps labelling the cgroups that still
 * exist, and the connection is retried every cycle, on a fresh channel after a deadline or
 * UNAVAILABLE; raw discovery goes on regardless.
 */
export class CriInventory implements TargetProvider {
  #opts: InventoryOptions;
  #runtime: ContainerRuntime | undefined;
  #endpoint = '';
  #lastReason: string | undefined;
  #up = false;
  /** From the last Version answer; identity names follow it (CRI-O's differ from containerd's). */
  #kind: RuntimeKind | undefined;
  #pods = new Map<string, PodEntry>();
  #containers = new Map<string, ContainerEntry>();
  #fs = new Map<string, FsUsageSample>();
  #fsReadAt = -Infinity;
  /** "pod/<id>" or "container/<id>" → when its failed status call may be tried again, and the delay used. */
  #retryAt = new Map<string, { at: number; delayMs: number }>();
  #now: () => number;
  #concurrency: number;
  #refreshTimeoutMs: number;
  #listWaitMs: number;
  #listMaxWaitMs: number;
  /** performance.now() of the last CRI answer (or failure) or finished walk: list() waits while they come. */
  #progressAt = 0;
  #warn: WarnLimiter;
  #refreshing: Promise<void> | undefined;
  #round: Round | undefined;
  #fsJob: Promise<void> | undefined;
  #walking: Promise<void> | undefined;
  #walk: RawWalkResult | undefined;
  /** this.#now() when the last full walk started. */
  #walkedAt = -Infinity;
  /** The runtime listed a pod or container that was not there before, or dropped one: walk again. */
  #walkWanted = false;
  #listedIds: Record<'pod' | 'container', ReadonlySet<string>> = { pod: new Set(), container: new Set() };
  #stable = new StableTargets();
  #listed = false;
  #firstListMaxWaitMs: number;
  #closed = false;

  constructor(opts: InventoryOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.#refreshTimeoutMs = opts.refreshTimeoutMs ?? 15_000;
    this.#listWaitMs = opts.listWaitMs ?? 200;
    this.#listMaxWaitMs = Math.max(this.#listWaitMs, opts.listMaxWaitMs ?? 1000);
    this.#firstListMaxWaitMs = Math.max(this.#listMaxWaitMs, opts.firstListMaxWaitMs ?? 5000);
    this.#warn = new WarnLimiter(opts.log, WARN_EVERY_MS, this.#now);
  }

  get connected(): boolean {
    return this.#up;
  }

  /** The runtime's kind from its Version answer; undefined until one answered. */
  get runtimeKind(): RuntimeKind | undefined {
    return this.#kind;
  }

  async list(): Promise<TargetList> {
    if (!this.#closed) {
      const started = performance.now();
      const refresh = this.#startRefresh();
      const walk = this.#startWalk();
      // The very first walk has nothing older to answer with; it is bounded by maxCgroups and yields.
      if (!this.#walk) await walk;
      const maxWaitMs = this.#listed ? this.#listMaxWaitMs : this.#firstListMaxWaitMs;
      this.#listed = true;
      await this.#whileProgressing(Promise.all([refresh, walk]), started, maxWaitMs);
    }
    return this.#targets();
  }

  /** Waits for `done` while answers keep coming (idle < listWaitMs), never past maxWaitMs. */
  async #whileProgressing(done: Promise<unknown>, started: number, maxWaitMs: number): Promise<void> {
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const now = performance.now();
      const idleLeft = this.#listWaitMs - (now - Math.max(this.#progressAt, started));
      const left = Math.min(idleLeft, maxWaitMs - (now - started));
      if (left <= 0) return;
      await within(done, left);
    }
  }

  #progress(): void {
    this.#progressAt = performance.now();
  }

  /**
   * Runs a CRI refresh, a raw walk and (when due) the filesystem stats to the end, each under its
   * own deadline, so the next list() answers from them (for one-shot collection).
   */
  async refreshNow(): Promise<void> {
    if (this.#closed) return;
    this.#walkWanted = true;
    await this.#walking; // one started before may have found nothing to do
    await Promise.all([this.#startRefresh(), this.#startWalk()]);
    await this.#fsJob;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#round) this.#round.over = true;
    // Cancels calls in flight: nothing keeps waiting on the runtime after this.
    this.#runtime?.close();
    this.#runtime = undefined;
  }

  #targets(): TargetList {
    const joined = joinTargets(
      this.#walk ?? { paths: ['/'], truncated: false },
      { pods: this.#pods, containers: this.#containers, fs: this.#fs, ...(this.#kind ? { runtime: this.#kind } : {}) },
      { labels: this.#opts.containerLabels ?? [] },
    );
    return { targets: this.#stable.keep(joined.targets), truncated: joined.truncated };
  }

  /**
   * The raw walk in progress, or a new one when one is due: the first, one asked for (refreshNow, a
   * changed CRI list), every FULL_WALK_MS, or when a directory the last walk read has since gained or
   * lost a subdirectory (one stat each, rawTreeChanged). So a new cgroup is seen at the next cycle,
   * at the latest FULL_WALK_MS later when its parent's subdirectory count did not change. Pod
   * cgroups the runtime named are walked first.
   */
  #startWalk(): Promise<void> {
    if (this.#walking) return this.#walking;
    const { layout, raw, stats, log } = this.#opts;
    const last = this.#walk;
    this.#walking = (async () => {
      const due = last === undefined || this.#walkWanted || this.#now() - this.#walkedAt >= FULL_WALK_MS || this.#now() < this.#walkedAt;
      if (!due && !(await rawTreeChanged(last, WALK_SLICE_MS))) return;
      // Cleared before the walk: a change the runtime reports meanwhile asks for the next one.
      this.#walkWanted = false;
      this.#walkedAt = this.#now();
      const first = new Set<string>();
      for (const { cgroupPath } of this.#pods.values()) if (cgroupPath) first.add(parentOf(cgroupPath));
      const r = await walkRawCgroups(layout, raw, { first: [...first], sliceMs: WALK_SLICE_MS });
      this.#progress();
      this.#walk = r;
      if (r.truncated) stats.recordDiscoveryTruncation();
    })()
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'raw cgroup walk failed; keeping the previous one'))
      .finally(() => {
        this.#walking = undefined;
      });
    return this.#walking;
  }

  /** The CRI refresh in progress, or a new one under the overall deadline. */
  #startRefresh(): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    const round: Round = { over: false };
    this.#round = round;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!round.over) this.#overdue(round);
        resolve();
      }, this.#refreshTimeoutMs);
      timer.unref();
    });
    const work = this.#refresh(round).catch((err: unknown) => {
      this.#opts.log.warn({ err: (err as Error).message }, 'CRI refresh failed unexpectedly; retrying next cycle');
    });
    this.#refreshing = Promise.race([work, deadline]).finally(() => {
      clearTimeout(timer);
      round.over = true;
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** The refresh ran out of time: let it go, and start the next one on a fresh channel. */
  #overdue(round: Round): void {
    round.over = true;
    this.#opts.stats.countSourceError('cri', 'DEADLINE_EXCEEDED');
    this.#warn.warn(
      'cri/refresh/DEADLINE_EXCEEDED',
      { endpoint: this.#endpoint, deadlineMs: this.#refreshTimeoutMs, code: 'DEADLINE_EXCEEDED' },
      'CRI refresh did not finish in time; labels come from the last one, retrying on a new connection',
    );
    this.#runtime?.close();
    this.#runtime = undefined;
  }

  async #refresh(round: Round): Promise<void> {
    const { log, stats } = this.#opts;
    if (!this.#runtime) {
      const c = this.#opts.connector.connect();
      if ('reason' in c) {
        if (this.#lastReason !== c.reason) log.warn(`${c.reason}; collecting raw cgroups only, retrying every cycle`);
        this.#lastReason = c.reason;
        stats.recordCriUp(false);
        return;
      }
      this.#runtime = c.runtime;
      this.#endpoint = c.endpoint;
      // Connected is not up: up means it answered.
      stats.recordCriUp(false, { ifUnknown: true });
    }
    const runtime = this.#runtime;
    const [pods, containers] = await Promise.allSettled([runtime.listPods(), runtime.listContainers()]);
    this.#progress();
    if (round.over) return;
    if (pods.status === 'rejected' && containers.status === 'rejected') {
      this.#down(runtime, pods.reason);
      return;
    }
    // One list failing alone costs only what it lists: the other half is kept as it was.
    for (const [r, rpc] of [[pods, 'ListPodSandbox'], [containers, 'ListContainers']] as const) {
      if (r.status === 'rejected') this.#callFailed(rpc, r.reason, 'the last known ones keep their labels');
    }
    if (!this.#up || this.#kind === undefined) {
      let version: RuntimeVersion | undefined;
      try {
        version = await runtime.version();
      } catch {
        // the lists answered; without a version the names stay containerd's until a Version call answers
      }
      this.#progress();
      if (round.over) return;
      if (version) this.#kind = runtimeKind(version.runtimeName);
      if (!this.#up) {
        log.info(
          { endpoint: this.#endpoint, runtime: version ? `${version.runtimeName} ${version.runtimeVersion}` : 'unknown' },
          this.#lastReason === undefined ? 'connected to the container runtime' : 'container runtime is back',
        );
      }
      this.#lastReason = undefined;
    }
    this.#up = true;
    stats.recordCriUp(true);
    if (pods.status === 'fulfilled') await this.#syncPods(runtime, pods.value, round);
    if (round.over) return;
    if (containers.status === 'fulfilled') await this.#syncContainers(runtime, containers.value, round);
    this.#startFs(runtime);
  }

  /** Writable-layer stats on their own schedule and deadline, beside the refresh. */
  #startFs(runtime: ContainerRuntime): void {
    const now = this.#now();
    if (this.#fsJob || this.#closed || now - this.#fsReadAt < FS_REFRESH_MS) return;
    this.#fsReadAt = now;
    this.#fsJob = this.#syncFs(runtime).finally(() => {
      this.#fsJob = undefined;
    });
  }

  #down(runtime: ContainerRuntime, err: unknown): void {
    const reason = `container runtime at ${this.#endpoint} not answering: ${err instanceof Error ? err.message : String(err)}`;
    const code = criErrorCode(err);
    if (this.#up || this.#lastReason === undefined) {
      this.#opts.log.warn({ code }, `${reason}; keeping the last known pods for labels, retrying every cycle`);
    }
    this.#lastReason = reason;
    this.#up = false;
    // A fresh client next cycle. After UNAVAILABLE grpc-js would back off reconnecting for up to two
    // minutes; after a deadline the connection itself may be the wedged part (a runtime that accepted
    // and then stopped answering), and only a new one can tell.
    if ((err as { code?: string }).code === 'CRI_UNAVAILABLE' || code === 'DEADLINE_EXCEEDED') {
      runtime.close();
      if (this.#runtime === runtime) this.#runtime = undefined;
    }
    this.#opts.stats.recordCriUp(false);
    this.#opts.stats.countSourceError('cri', code);
  }

  async #syncPods(runtime: ContainerRuntime, pods: Pod[], round: Round): Promise<void> {
    const listed = new Set(pods.map((p) => p.id));
    this.#noteChange('pod', listed);
    for (const id of this.#pods.keys()) if (!listed.has(id)) this.#pods.delete(id);
    this.#forgetRetries('pod', listed);
    const todo = pods.filter((p) => this.#pods.get(p.id)?.pod.state !== p.state && this.#mayRetry('pod', p.id));
    await forEachBounded(
      todo,
      this.#concurrency,
      async (p) => {
        let pod: Pod;
        try {
          pod = await runtime.podStatus(p.id);
        } catch (err) {
          this.#progress();
          if (!round.over) this.#statusFailed('pod', p.id, err);
          return;
        }
        this.#progress();
        if (round.over) return;
        this.#retryAt.delete(`pod/${p.id}`);
        const cgroupPath = pod.cgroupPath ? cgroupPathFromSpec(pod.cgroupPath) : undefined;
        this.#pods.set(p.id, cgroupPath ? { pod, cgroupPath } : { pod });
      },
      () => round.over,
    );
  }

  async #syncContainers(runtime: ContainerRuntime, containers: Container[], round: Round): Promise<void> {
    const listed = new Set(containers.map((c) => c.id));
    this.#noteChange('container', listed);
    for (const id of this.#containers.keys()) if (!listed.has(id)) this.#containers.delete(id);
    const todo: Container[] = [];
    for (const c of containers) {
      const known = this.#containers.get(c.id);
      if (known && known.container.state === c.state) {
        // Cheap fields may change without a state change (the kubelet updates annotations).
        known.container = { ...known.container, annotations: c.annotations, ...(c.restartCount !== undefined ? { restartCount: c.restartCount } : {}) };
      } else if (this.#mayRetry('container', c.id)) {
        todo.push(c);
      }
    }
    this.#forgetRetries('container', listed);
    await forEachBounded(todo, this.#concurrency, (c) => this.#containerStatus(runtime, c.id, round), () => round.over);
  }

  /** One container's verbose status; a failure costs only this container's labels, until next time. */
  async #containerStatus(runtime: ContainerRuntime, id: string, round: Round): Promise<void> {
    let container: Container;
    try {
      container = await runtime.containerStatus(id);
    } catch (err) {
      this.#progress();
      if (!round.over) this.#statusFailed('container', id, err);
      return;
    }
    this.#progress();
    if (round.over) return;
    this.#retryAt.delete(`container/${id}`);
    const cgroupPath = container.cgroupPath ? cgroupPathFromSpec(container.cgroupPath) : undefined;
    this.#containers.set(id, cgroupPath ? { container, cgroupPath } : { container });
    // Status is asked once per state change, so this is said once per kill.
    if (container.state === 'exited' && container.reason === OOM_KILLED) {
      const pod = this.#pods.get(container.podId)?.pod;
      this.#opts.log.info({ container: container.name, pod: pod?.name, id: container.id }, 'container was OOM-killed');
    }
  }

  /** Writable-layer usage from ListContainerStats; statfs of the snapshotter dir for capacity and inodes. */
  async #syncFs(runtime: ContainerRuntime): Promise<void> {
    let samples: ContainerStatsSample[];
    try {
      samples = await runtime.listContainerStats();
    } catch (err) {
      this.#fs.clear();
      // CANCELLED: we closed that connection ourselves (shutdown, or a refresh past its deadline).
      if (this.#closed || criErrorCode(err) === 'CANCELLED') return;
      this.#callFailed('ListContainerStats', err, 'no writable-layer usage until it answers');
      return;
    }
    const capacity = new Map<string, ReturnType<typeof statfsOf>>();
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

  /** A list that differs from the last one (an id added or gone) asks for a raw walk next cycle. */
  #noteChange(kind: 'pod' | 'container', listed: ReadonlySet<string>): void {
    const last = this.#listedIds[kind];
    this.#listedIds[kind] = listed;
    if (last.size !== listed.size) {
      this.#walkWanted = true;
      return;
    }
    for (const id of listed) {
      if (!last.has(id)) {
        this.#walkWanted = true;
        return;
      }
    }
  }

  #mayRetry(kind: 'pod' | 'container', id: string): boolean {
    const r = this.#retryAt.get(`${kind}/${id}`);
    return r === undefined || this.#now() >= r.at;
  }

  /** Retry times of ids no longer listed are dropped with them. */
  #forgetRetries(kind: 'pod' | 'container', listed: ReadonlySet<string>): void {
    for (const key of this.#retryAt.keys()) {
      if (key.startsWith(`${kind}/`) && !listed.has(key.slice(kind.length + 1))) this.#retryAt.delete(key);
    }
  }

  #statusFailed(kind: 'pod' | 'container', id: string, err: unknown): void {
    // NOT_FOUND: removed between the list and the status call; it will be gone from the next list.
    const code = criErrorCode(err);
    if (code === 'NOT_FOUND') {
      this.#opts.log.debug({ id }, `${kind} vanished before its status was read`);
      return;
    }
    const key = `${kind}/${id}`;
    const prev = this.#retryAt.get(key)?.delayMs;
    const delayMs = prev === undefined ? STATUS_RETRY_MS : Math.min(prev * 2, STATUS_RETRY_MAX_MS);
    this.#retryAt.set(key, { at: this.#now() + delayMs, delayMs });
    this.#callFailed(kind === 'pod' ? 'PodSandboxStatus' : 'ContainerStatus', err, `that ${kind} goes unlabelled until a retry (after 5 s, doubling up to 1 min) gets its status`, { id });
  }

  /** Counts a failed CRI call by its code and says so once per rpc and code every few minutes. */
  #callFailed(rpc: string, err: unknown, consequence: string, fields: Record<string, unknown> = {}): void {
    const code = criErrorCode(err);
    this.#opts.stats.countSourceError('cri', code);
    this.#warn.warn(
      `cri/${rpc}/${code}`,
      { ...fields, rpc, code, err: err instanceof Error ? err.message : String(err) },
      `CRI ${rpc} failed (${code}); ${consequence} (said once per ${WARN_EVERY_MS / 60_000} min per rpc and code)`,
    );
  }
}

function statfsOf(path: string): { limitBytes?: number; availableBytes?: number; inodesTotal?: number; inodesFree?: number } {
  try {
    const s = statfsSync(path);
    return { limitBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, inodesTotal: s.files, inodesFree: s.ffree };
  } catch {
    return {};
  }
}
