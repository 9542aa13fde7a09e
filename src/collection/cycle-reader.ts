import type { CgroupLayout } from '../cgroup/layout.js';
import { cgroupStartTime, readCgroup, type CgroupRead, type CgroupReadOptions, type CgroupLimits } from '../cgroup/read.js';
import type { FileFailure } from '../cgroup/limits.js';
import type { BlockIoDevice } from '../cgroup/stats.js';
import { targetKey, type ContainerIdentity, type Target, type TargetProvider } from '../discovery/target.js';
import { GoneError, errorCode } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import type { Logger } from '../log.js';
import { readMachineInfo, type MachineInfo, type MachineRoots } from '../machine/machine-info.js';
import type { ContainerSample, NetInterfaceSample, Snapshot, SnapshotSource } from './sample.js';
import { deviceNames } from '../procfs/diskstats.js';
import { isIgnoredInterface } from '../procfs/net-dev.js';
import { ProcFs, readDiskstats, readNetDev } from '../procfs/proc-fs.js';
import { MonotonicCounters } from './monotonic-counters.js';
import { READ_ALL, type ReadPlan } from './read-plan.js';
import type { SelfStats } from '../telemetry/self-stats.js';

export interface CycleReaderDeps {
  layout: CgroupLayout;
  reader: FileReader;
  roots: MachineRoots;
  targets: TargetProvider;
  stats: SelfStats;
  log: Logger;
  /** Optional sources to read; default READ_ALL. */
  plan?: ReadPlan;
  now?: () => number;
  /** Host facts and device names rarely change: re-read them this often. */
  slowRefreshMs?: number;
  /** A cgroup's limits and shares (CgroupLimits) rarely change: re-read them this often; default 60 s. */
  limitsRefreshMs?: number;
}

/** One warning line per (source, code) this often: a broken file on every cgroup must not flood the log. */
const WARN_EVERY_MS = 5 * 60_000;

/**
 * Reads every target's files once per cycle, synchronously, and turns them into samples. A target
 * that vanished mid-read is skipped quietly (debug). Every file is its own source: one that cannot
 * be read or parsed (or stat-ed, for the start time) loses only its own values, and is counted in
 * podpulse_source_errors_total{source,code} and logged (rate-limited); the rest of that target and
 * every other target are reported. Nothing here ever throws for one container's sake.
 */
export class CycleReader implements SnapshotSource {
  #deps: CycleReaderDeps;
  #proc: ProcFs;
  #plan: ReadPlan;
  #now: () => number;
  #devices = new Map<string, string>();
  #machine: MachineInfo | undefined;
  #slowReadAt = -Infinity;
  #startTimes = new Map<string, number>();
  /** Last cycle's CPU usage seconds per cgroup path, for cpuUsageCores. */
  #cpuBefore = new Map<string, { seconds: number; atMs: number }>();
  #ioCounters = new MonotonicCounters();
  #identities = new Map<string, ContainerIdentity>();
  /** Per cgroup path: its limits and when they were read (the now() clock). */
  #limits = new Map<string, { limits: CgroupLimits; readAtMs: number }>();
  /** Per warning key: when it was last logged, and how many were held back since. */
  #warned = new Map<string, { atMs: number; suppressed: number }>();

  constructor(deps: CycleReaderDeps) {
    this.#deps = deps;
    this.#proc = new ProcFs(deps.roots.procRoot);
    this.#now = deps.now ?? Date.now;
    this.#plan = deps.plan ?? READ_ALL;
  }

  async collect(): Promise<Snapshot> {
    const started = performance.now();
    const { stats } = this.#deps;
    this.#refreshSlowFacts();
    const { targets, truncated } = await this.#deps.targets.list();
    if (truncated) this.#warn('discovery', 'raw cgroup discovery reached discovery.maxCgroups; deeper or later cgroups are not reported');
    const nowMs = this.#now();
    const containers: ContainerSample[] = [];
    const livePaths = new Set<string>();
    const liveIdentities = new Set<string>();
    const readOpts: CgroupReadOptions = { deviceName: (major, minor) => this.#devices.get(`${major}:${minor}`) };
    for (const t of targets) {
      if (t.cgroupless) {
        const key = targetKey(t);
        liveIdentities.add(key);
        containers.push({ identity: this.#stableIdentity(key, t.identity), ...(t.oomEvents !== undefined ? { oomEvents: t.oomEvents } : {}) });
        continue;
      }
      let sample: ContainerSample | undefined;
      try {
        sample = this.#sample(t, nowMs, readOpts);
      } catch (err) {
        // Only a bug gets here (the readers keep each file's failure to that file): skip this target only.
        this.#sourceError('cgroup', `cgroup ${t.cgroupPath}`, err);
      }
      if (sample === undefined) continue;
      livePaths.add(t.cgroupPath);
      liveIdentities.add(targetKey(t));
      containers.push(sample);
    }
    for (const path of this.#startTimes.keys()) if (!livePaths.has(path)) this.#startTimes.delete(path);
    for (const path of this.#cpuBefore.keys()) if (!livePaths.has(path)) this.#cpuBefore.delete(path);
    for (const path of this.#limits.keys()) if (!livePaths.has(path)) this.#limits.delete(path);
    this.#ioCounters.endCycle();
    for (const key of this.#identities.keys()) if (!liveIdentities.has(key)) this.#identities.delete(key);
    this.#deps.reader.sweep();
    const seconds = (performance.now() - started) / 1000;
    stats.recordCycle(seconds, containers.length);
    return { containers, ...(this.#machine ? { machine: this.#machine } : {}), agent: stats };
  }

  /** One cgroup-backed target's sample; undefined when its cgroup vanished. */
  #sample(t: Target, nowMs: number, readOpts: CgroupReadOptions): ContainerSample | undefined {
    let read: CgroupRead;
    try {
      read = this.#readCgroup(t.cgroupPath, nowMs, readOpts);
    } catch (err) {
      if (!(err instanceof GoneError)) throw err;
      this.#deps.log.debug({ cgroup: t.cgroupPath }, 'cgroup vanished during the read; skipped');
      return undefined;
    }
    this.#fileFailures(read.failures);
    const cgroup = read.stats;
    if (cgroup.io && this.#deps.layout.mode !== 'v2') this.#keepIoMonotonic(t.cgroupPath, cgroup.io);
    const sample: ContainerSample = { identity: this.#stableIdentity(targetKey(t), t.identity), cgroup, lastSeenSeconds: nowMs / 1000 };
    const start = t.startTimeSeconds ?? this.#startTime(t.cgroupPath);
    if (start !== undefined) sample.startTimeSeconds = start;
    if (t.netPid !== undefined && this.#plan.network) {
      const network = this.#network(t.netPid, t.cgroupPath);
      if (network) sample.network = network;
    }
    if (t.fs) sample.fs = t.fs;
    if (t.k8s) sample.k8s = t.k8s;
    this.#cpuRate(t.cgroupPath, cgroup.cpu?.usageSeconds, nowMs, sample);
    if (t.oomEvents !== undefined) sample.oomEvents = t.oomEvents;
    if (t.restartCount !== undefined) sample.restartCount = t.restartCount;
    return sample;
  }

  /** Δ usage / Δ time since the previous cycle; nothing on the first cycle or when the counter went back (a new cgroup under the same path). */
  #cpuRate(cgroupPath: string, seconds: number | undefined, nowMs: number, sample: ContainerSample): void {
    if (seconds === undefined) return;
    const before = this.#cpuBefore.get(cgroupPath);
    this.#cpuBefore.set(cgroupPath, { seconds, atMs: nowMs });
    if (before && nowMs > before.atMs && seconds >= before.seconds) sample.cpuUsageCores = (seconds - before.seconds) / ((nowMs - before.atMs) / 1000);
  }

  #fileFailures(failures: readonly FileFailure[]): void {
    for (const f of failures) this.#sourceError('cgroup', f.path, f.error);
  }

  #refreshSlowFacts(): void {
    const now = this.#now();
    if (now - this.#slowReadAt < (this.#deps.slowRefreshMs ?? 5 * 60_000)) return;
    this.#slowReadAt = now;
    try {
      this.#machine = readMachineInfo(this.#deps.roots, this.#deps.reader);
    } catch (err) {
      this.#sourceError('proc', 'machine info', err);
    }
    try {
      this.#devices = deviceNames(readDiskstats(this.#proc, this.#deps.reader));
    } catch (err) {
      this.#sourceError('proc', 'diskstats', err);
    }
  }

  /**
   * Reads the limit files only on a cgroup's first read and once they are limitsRefreshMs old. A clock
   * that stepped back also counts as old, so a wall-clock correction cannot freeze the cached limits.
   */
  #readCgroup(cgroupPath: string, nowMs: number, opts: CgroupReadOptions): CgroupRead {
    const cached = this.#limits.get(cgroupPath);
    const age = cached === undefined ? -1 : nowMs - cached.readAtMs;
    if (cached !== undefined && age >= 0 && age < (this.#deps.limitsRefreshMs ?? 60_000)) {
      return readCgroup(this.#deps.layout, cgroupPath, this.#deps.reader, { ...opts, limits: cached.limits });
    }
    const read = readCgroup(this.#deps.layout, cgroupPath, this.#deps.reader, opts);
    this.#limits.set(cgroupPath, { limits: read.limits, readAtMs: nowMs });
    return read;
  }

  /**
   * The same identity object for a series every cycle while its labels stay the same: the metric
   * side reuses attribute objects per identity (metrics/attribute-sets.ts).
   */
  #stableIdentity(key: string, identity: ContainerIdentity): ContainerIdentity {
    const known = this.#identities.get(key);
    if (
      known &&
      known.id === identity.id &&
      known.name === identity.name &&
      known.image === identity.image &&
      known.container === identity.container &&
      known.pod === identity.pod &&
      known.namespace === identity.namespace
    ) {
      return known;
    }
    this.#identities.set(key, identity);
    return identity;
  }

  /** v1 recursive blkio forgets removed descendants; see MonotonicCounters. */
  #keepIoMonotonic(cgroupPath: string, io: BlockIoDevice[]): void {
    for (const d of io) {
      const key = `${cgroupPath}\u0000${d.major}:${d.minor}\u0000`;
      if (d.readBytes !== undefined) d.readBytes = this.#ioCounters.value(key + 'rb', d.readBytes);
      if (d.writeBytes !== undefined) d.writeBytes = this.#ioCounters.value(key + 'wb', d.writeBytes);
      if (d.reads !== undefined) d.reads = this.#ioCounters.value(key + 'r', d.reads);
      if (d.writes !== undefined) d.writes = this.#ioCounters.value(key + 'w', d.writes);
    }
  }

  #startTime(cgroupPath: string): number | undefined {
    let t = this.#startTimes.get(cgroupPath);
    if (t === undefined) {
      const failures: FileFailure[] = [];
      t = cgroupStartTime(this.#deps.layout, cgroupPath, failures);
      this.#fileFailures(failures);
      if (t !== undefined) this.#startTimes.set(cgroupPath, t);
    }
    return t;
  }

  #network(pid: number, cgroupPath: string): NetInterfaceSample[] | undefined {
    try {
      return readNetDev(this.#proc, pid, this.#deps.reader)
        .filter((i) => !isIgnoredInterface(i.name))
        .map((i) => ({
          name: i.name,
          rxBytes: i.rxBytes,
          rxPackets: i.rxPackets,
          rxErrors: i.rxErrs,
          rxDropped: i.rxDrop,
          txBytes: i.txBytes,
          txPackets: i.txPackets,
          txErrors: i.txErrs,
          txDropped: i.txDrop,
        }));
    } catch (err) {
      if (err instanceof GoneError) {
        this.#deps.log.debug({ pid, cgroup: cgroupPath }, 'process vanished before its net/dev was read');
      } else {
        this.#sourceError('proc', `net/dev of pid ${pid}`, err);
      }
      return undefined;
    }
  }

  #sourceError(source: string, what: string, err: unknown): void {
    const code = errorCode(err);
    this.#deps.stats.countSourceError(source, code);
    const message = err instanceof Error ? err.message : String(err);
    // `what` is a path or a name; the typed errors name their file already.
    const msg = message.includes(what) ? message : `${what}: ${message}`;
    this.#warn(`${source}\u0000${code}`, msg, { source, code });
  }

  /**
   * One line per key every WARN_EVERY_MS; the next line says how many were held back, so the log
   * shows the first example and the scale, never one line per file per cycle.
   */
  #warn(key: string, msg: string, extra: Record<string, unknown> = {}): void {
    const now = this.#now();
    const last = this.#warned.get(key);
    if (last !== undefined && now - last.atMs >= 0 && now - last.atMs < WARN_EVERY_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#warned.set(key, { atMs: now, suppressed: 0 });
    this.#deps.log.warn(suppressed > 0 ? { ...extra, suppressedSinceLast: suppressed } : extra, msg);
  }
}
