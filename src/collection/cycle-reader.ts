import type { CgroupLayout } from '../cgroup/layout.js';
import { cgroupStartTime, readCgroup, type CgroupRead, type CgroupReadOptions, type CgroupLimits } from '../cgroup/read.js';
import type { FileFailure } from '../cgroup/limits.js';
import type { BlockIoDevice } from '../cgroup/stats.js';
import { sameIdentity } from '../discovery/stable-targets.js';
import { targetKey, type ContainerIdentity, type Target, type TargetProvider } from '../discovery/target.js';
import { GoneError, errorCode } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import type { Logger } from '../log.js';
import { readMachineInfo, type MachineInfo, type MachineRoots } from '../machine/machine-info.js';
import type { ContainerSample, MachineFacts, NetInterfaceSample, Snapshot, SnapshotSource } from './sample.js';
import { deviceNames } from '../procfs/diskstats.js';
import { isIgnoredInterface } from '../procfs/net-dev.js';
import { ProcFs, readDiskstats, readNetDev } from '../procfs/proc-fs.js';
import { readBootTime } from '../procfs/boot-time.js';
import { readPidStat } from '../procfs/proc-fs.js';
import type { PidStat } from '../procfs/pid-stat.js';
import { OomCounts } from './oom-counts.js';
import { MonotonicCounters } from './monotonic-counters.js';
import { USER_HZ, busiest, readCgroupProcesses, readProcessSample, type ProcessSample } from './processes.js';
import { OptInFacts } from './opt-in-facts.js';
import { PidSources } from './pid-sources.js';
import { LoadAverages, milli } from './cpu-load.js';
import { ProcessReader, type ProcessReadLimits } from './process-reader.js';
import { RootDiskReader, type RootDiskRead } from './root-disk.js';
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
  /** Plan `processes`: how many processes per cgroup to report (the busiest); default 20. */
  maxProcessesPerContainer?: number;
  /** Per-container bounds of the /proc process reads; default DEFAULT_PROCESS_LIMITS. */
  processLimits?: ProcessReadLimits;
  /** Host filesystems reported on "/" at most; default 1000. */
  maxRootFilesystems?: number;
  /** Give the event loop a turn after this much reading; default YIELD_EVERY_MS (0: after every container). */
  yieldEveryMs?: number;
}

export const DEFAULT_PROCESS_LIMITS: ProcessReadLimits = { maxPids: 1024, maxFds: 65_536 };

/**
 * A cycle gives the event loop a turn after this much synchronous reading: at N=1000 a whole cycle
 * is some 300 ms of CPU, which would otherwise stall timers, gRPC and the health endpoint.
 */
export const YIELD_EVERY_MS = 5;

/** One warning line per (source, code) this often: a broken file on every cgroup must not flood the log. */
const WARN_EVERY_MS = 5 * 60_000;

/**
 * Reads every target's files once per cycle, synchronously, and turns them into samples. A target
 * that vanished mid-read is skipped quietly (debug). Every file is its own source: one that cannot
 * be read or parsed (or stat-ed, for the start time) loses only its own values, and is counted in
 * podpulse_source_errors_total{source,code} and logged (rate-limited); the rest of that target and
 * every other target are reported. Nothing here ever throws for one container's sake.
 *
 * The reads themselves are synchronous (see FileReader), but a cycle yields to the event loop
 * between containers every YIELD_EVERY_MS. The cycle's timestamp (nowMs) is taken once before the
 * first container, as when it ran in one go. Calls never overlap: a collect() made while one runs
 * starts when that one has finished.
 */
export class CycleReader implements SnapshotSource {
  #deps: CycleReaderDeps;
  #proc: ProcFs;
  #plan: ReadPlan;
  #now: () => number;
  #devices = new Map<string, string>();
  #machine: MachineInfo | undefined;
  #optInFacts: OptInFacts;
  #pidSources: PidSources;
  #slowReadAt = -Infinity;
  #startTimes = new Map<string, number>();
  /** Boot time truncated to the minute, as cAdvisor clamps creation times; undefined when /proc/stat is unreadable. */
  #bootMinute: number | undefined;
  /** Last cycle's CPU usage seconds per cgroup path, for cpuUsageCores. */
  #cpuBefore = new Map<string, { seconds: number; atMs: number }>();
  #ioCounters = new MonotonicCounters();
  #oom = new OomCounts();
  #identities = new Map<string, ContainerIdentity>();
  /** Per cgroup path: its limits and when they were read (the now() clock). */
  #limits = new Map<string, { limits: CgroupLimits; readAtMs: number }>();
  #processes: ProcessReader;
  #rootDisk: RootDiskReader;
  #loads = new LoadAverages();
  /** Source failures in the current cycle: container_scrape_error. */
  #cycleFailures = 0;
  /** Per warning key: when it was last logged, and how many were held back since. */
  #warned = new Map<string, { atMs: number; suppressed: number }>();
  /** /proc/<pid>/stat of this cycle: read once however many readers need it (null: the task is gone). */
  #pidStats = new Map<number, PidStat | null>();
  /** The cycle in progress (or the last one): the next collect() waits for it. */
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: CycleReaderDeps) {
    this.#deps = deps;
    this.#proc = new ProcFs(deps.roots.procRoot);
    this.#now = deps.now ?? Date.now;
    this.#plan = deps.plan ?? READ_ALL;
    this.#optInFacts = new OptInFacts({
      layout: deps.layout,
      reader: deps.reader,
      roots: deps.roots,
      plan: this.#plan,
      onError: (source, what, err) => this.#sourceError(source, what, err),
    });
    this.#pidSources = new PidSources({
      layout: deps.layout,
      proc: this.#proc,
      reader: deps.reader,
      plan: this.#plan,
      onError: (source, what, err) => this.#sourceError(source, what, err),
      onCapped: (cgroupPath, max) =>
        this.#warn('pids-capped', `cgroup ${cgroupPath} has more than ${max} processes (collection.maxPidsPerContainer); sched and referenced_memory sums leave the rest out`),
    });
    this.#processes = new ProcessReader(this.#proc, deps.reader, deps.layout, deps.processLimits ?? DEFAULT_PROCESS_LIMITS);
    this.#rootDisk = new RootDiskReader({ proc: this.#proc, rootfsRoot: deps.roots.rootfsRoot, reader: deps.reader, maxFilesystems: deps.maxRootFilesystems ?? 1000 });
    // The per-task files read every cycle may stay open too, under the reader's keep-open bound.
    deps.reader.keepPidFilesUnder(deps.roots.procRoot);
  }

  collect(): Promise<Snapshot> {
    // One cycle at a time: the reads yield to the event loop, and a second cycle interleaved with
    // the first would share its per-cycle state (and the reader's kept descriptors).
    const next = this.#running.then(
      () => this.#collect(),
      () => this.#collect(),
    );
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #collect(): Promise<Snapshot> {
    const started = performance.now();
    const { stats } = this.#deps;
    this.#refreshSlowFacts();
    // Host facts have machine_scrape_error; what fails from here on is some container's.
    this.#cycleFailures = 0;
    const { targets, truncated } = await this.#deps.targets.list();
    const rootDisk = targets.some((t) => t.cgroupPath === '/' && !t.cgroupless) ? await this.#readRootDisk() : undefined;
    if (truncated) this.#warn('discovery', 'raw cgroup discovery reached discovery.maxCgroups; deeper or later cgroups are not reported');
    const nowMs = this.#now();
    const containers: ContainerSample[] = [];
    const livePaths = new Set<string>();
    const liveIdentities = new Set<string>();
    const readOpts: CgroupReadOptions = { deviceName: (major, minor) => this.#devices.get(`${major}:${minor}`) };
    const exitedPaths = new Set<string>();
    const exited: Target[] = [];
    const optIn = this.#optInFacts.files();
    if (optIn !== undefined) readOpts.optIn = optIn;
    this.#pidSources.beginCycle();
    this.#pidStats.clear();
    const yieldEveryMs = this.#deps.yieldEveryMs ?? YIELD_EVERY_MS;
    let sliceStart = performance.now();
    for (const t of targets) {
      if (performance.now() - sliceStart >= yieldEveryMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      if (t.cgroupless) {
        // After the live cgroups: a raw target may still read the dead container's cgroup this cycle.
        exited.push(t);
        exitedPaths.add(t.cgroupPath);
        continue;
      }
      let sample: ContainerSample | undefined;
      try {
        sample = this.#sample(t, nowMs, readOpts);
        if (sample && t.cgroupPath === '/' && rootDisk) attachRootDisk(sample, rootDisk);
      } catch (err) {
        // Only a bug gets here (the readers keep each file's failure to that file): skip this target only.
        this.#sourceError('cgroup', `cgroup ${t.cgroupPath}`, err);
      }
      if (sample === undefined) continue;
      livePaths.add(t.cgroupPath);
      liveIdentities.add(targetKey(t));
      containers.push(sample);
    }
    for (const t of exited) {
      const key = targetKey(t);
      liveIdentities.add(key);
      const oomEvents = t.oomKilledExit ? this.#oom.afterOomExit(t.cgroupPath, t.oomKilledExit.finishedAtMs) : undefined;
      containers.push({ identity: this.#stableIdentity(key, t.identity), ...(oomEvents !== undefined ? { oomEvents } : {}) });
    }
    this.#oom.retain((path) => livePaths.has(path) || exitedPaths.has(path), nowMs);
    for (const path of this.#startTimes.keys()) if (!livePaths.has(path)) this.#startTimes.delete(path);
    for (const path of this.#cpuBefore.keys()) if (!livePaths.has(path)) this.#cpuBefore.delete(path);
    for (const path of this.#limits.keys()) if (!livePaths.has(path)) this.#limits.delete(path);
    this.#processes.retain((path) => livePaths.has(path));
    this.#pidStats.clear();
    this.#pidSources.endCycle(livePaths);
    this.#ioCounters.endCycle();
    this.#loads.endCycle();
    for (const key of this.#identities.keys()) if (!liveIdentities.has(key)) this.#identities.delete(key);
    this.#deps.reader.sweep();
    this.#warnUnkept();
    const seconds = (performance.now() - started) / 1000;
    stats.recordCycle(seconds, containers.length);
    const topology = this.#optInFacts.topology;
    const machine: MachineFacts | undefined = this.#machine && (topology ? { ...this.#machine, topology } : this.#machine);
    stats.recordScrapeErrors({ container: this.#cycleFailures > 0 });
    return { containers, ...(machine ? { machine } : {}), agent: stats };
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
    const start = this.#startTime(t.cgroupPath);
    if (start !== undefined) sample.startTimeSeconds = start;
    const oomKills = cgroup.memory?.oomKills;
    if (oomKills !== undefined) {
      this.#oom.seen(t.cgroupPath, oomKills, nowMs, cgroup.processes);
      sample.oomEvents = oomKills;
    }
    if (t.netPid !== undefined && this.#plan.network) {
      const network = this.#network(t.netPid, t.cgroupPath);
      if (network) sample.network = network;
    }
    if (this.#plan.perProcess) {
      const processes = this.#perProcessSamples(t.cgroupPath);
      if (processes) sample.processes = processes;
    }
    if (t.netPid !== undefined) {
      const sockets = this.#pidSources.sockets(t.netPid);
      if (sockets) sample.sockets = sockets;
    }
    const perProcess = this.#pidSources.perProcess(t.cgroupPath);
    if (perProcess.sched) sample.sched = perProcess.sched;
    if (perProcess.referencedBytes !== undefined) sample.referencedBytes = perProcess.referencedBytes;
    if (t.fs) sample.fs = t.fs;
    if (this.#plan.processes || this.#plan.taskStates) this.#process(t, sample, nowMs, read.procs);
    if (t.k8s) sample.k8s = t.k8s;
    this.#cpuRate(t.cgroupPath, cgroup.cpu?.usageSeconds, nowMs, sample);
    if (t.restartCount !== undefined) sample.restartCount = t.restartCount;
    return sample;
  }

  /** Δ usage / Δ time since the previous cycle; nothing on the first cycle or when the counter went back (a new cgroup under the same path). */
  #cpuRate(cgroupPath: string, seconds: number | undefined, nowMs: number, sample: ContainerSample): void {
    if (seconds === undefined) return;
    const before = this.#cpuBefore.get(cgroupPath);
    if (before === undefined) {
      this.#cpuBefore.set(cgroupPath, { seconds, atMs: nowMs });
      return;
    }
    if (nowMs > before.atMs && seconds >= before.seconds) sample.cpuUsageCores = (seconds - before.seconds) / ((nowMs - before.atMs) / 1000);
    // Updated in place: one object per cgroup, not one per cgroup per cycle.
    before.seconds = seconds;
    before.atMs = nowMs;
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
      this.#deps.stats.recordScrapeErrors({ machine: false });
    } catch (err) {
      this.#deps.stats.recordScrapeErrors({ machine: true });
      this.#sourceError('proc', 'machine info', err);
    }
    try {
      this.#devices = deviceNames(readDiskstats(this.#proc, this.#deps.reader));
    } catch (err) {
      this.#sourceError('proc', 'diskstats', err);
    }
    try {
      // cAdvisor's bootTime: now - uptime, truncated to the minute.
      this.#bootMinute = Math.floor(readBootTime(this.#proc, this.#deps.reader) / 60) * 60;
    } catch (err) {
      this.#sourceError('proc', 'stat', err);
    }
    try {
      this.#optInFacts.refresh();
    } catch (err) {
      // Each fact keeps its own failures; only a bug gets here, and it must not stop the cycle.
      this.#sourceError('sys', 'opt-in host facts', err);
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
   * side finds a series' handle and labels by identity object first (metrics/series-handles.ts), and
   * compares content only for an object it has not seen this cycle. Any changed value, an
   * allowlisted container label included, gives a new object: a new series, and the old one ends.
   */
  #stableIdentity(key: string, identity: ContainerIdentity): ContainerIdentity {
    const known = this.#identities.get(key);
    if (known && sameIdentity(known, identity)) return known;
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
      if (d.opBytes !== undefined) {
        const ops: Record<string, number> = {};
        for (const [op, v] of Object.entries(d.opBytes)) ops[op] = this.#ioCounters.value(`${key}op:${op}`, v);
        d.opBytes = ops;
      }
    }
  }

  /**
   * container_start_time_seconds as cAdvisor computes it (getSpecInternal): the cgroup's creation time
   * estimate, never before boot (truncated to the minute), in whole seconds (it exports Time.Unix()).
   */
  #startTime(cgroupPath: string): number | undefined {
    let t = this.#startTimes.get(cgroupPath);
    if (t === undefined) {
      const failures: FileFailure[] = [];
      const created = cgroupStartTime(this.#deps.layout, cgroupPath, failures);
      this.#fileFailures(failures);
      if (created === undefined) return undefined;
      t = Math.floor(this.#bootMinute === undefined ? created : Math.max(created, this.#bootMinute));
      this.#startTimes.set(cgroupPath, t);
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

  /** The busiest processes of a cgroup (group per_process); undefined when the cgroup vanished. */
  #perProcessSamples(cgroupPath: string): ProcessSample[] | undefined {
    try {
      const read = readCgroupProcesses(this.#deps.layout, cgroupPath, this.#deps.reader, (pid) =>
        readProcessSample(this.#proc, pid, this.#deps.reader, { userHz: USER_HZ, stat: (p) => this.#pidStat(p) }),
      );
      for (const f of read.failures) this.#sourceError('proc', f.path, f.error);
      if (read.truncated) this.#warn('processes', `cgroup ${cgroupPath} has more than 1024 processes; per_process reads the first 1024`);
      return busiest(read.processes, this.#deps.maxProcessesPerContainer ?? 20);
    } catch (err) {
      if (!(err instanceof GoneError)) this.#sourceError('cgroup', `cgroup.procs of ${cgroupPath}`, err);
      return undefined;
    }
  }

  /**
   * The cgroup's processes and tasks (kinds "process", "cpuLoad"). The load averages advance only on
   * a cycle whose task states were read in full; a failed read keeps the previous state.
   */
  #process(t: Target, sample: ContainerSample, nowMs: number, procs: CgroupRead['procs']): void {
    const { stats } = this.#deps;
    const wants = {
      fds: this.#plan.processes,
      ulimits: this.#plan.processes,
      taskCount: this.#plan.processes && sample.cgroup?.pids?.current === undefined,
      taskStates: this.#plan.taskStates,
    };
    const r = this.#processes.read(t.cgroupPath, t.netPid, wants, {
      ...(procs !== undefined ? { procs } : {}),
      pidStat: (pid) => this.#pidStat(pid),
      nowMs,
      limitsRefreshMs: this.#deps.limitsRefreshMs ?? 60_000,
    });
    for (const f of r.failures) this.#sourceError('proc', f.what, f.error);
    stats.countReadsSkipped('pids_cap', r.cuts.pids);
    stats.countReadsSkipped('tasks_cap', r.cuts.tasks);
    stats.countReadsSkipped('fds_cap', r.cuts.fdLists);
    stats.countReadsSkipped('fd_permission', r.cuts.fdForbidden);
    if (r.cuts.fdForbidden > 0) {
      this.#warn(
        'proc\u0000fd_permission',
        'reading /proc/<pid>/fd was refused (the agent lacks CAP_SYS_PTRACE over a process with more capabilities): such containers report no container_sockets, and no container_file_descriptors when the directory itself is refused',
        { cgroup: t.cgroupPath },
      );
    }
    const p = r.sample;
    if (p.taskStates) {
      const load = this.#loads.update(t.cgroupPath, p.taskStates, nowMs);
      p.loadAverage10sMilli = milli(load.load);
      p.loadDAverage10sMilli = milli(load.loadD);
    } else {
      this.#loads.keep(t.cgroupPath);
    }
    if (Object.keys(p).length > 0) sample.process = p;
  }

  /** The host filesystems and their diskstats for "/", once per cycle, when disk or diskIO is on. */
  async #readRootDisk(): Promise<RootDiskRead | undefined> {
    if (!this.#plan.rootFilesystems && !this.#plan.rootDiskIo) return undefined;
    const r = await this.#rootDisk.read({ usage: this.#plan.rootFilesystems, io: this.#plan.rootDiskIo });
    for (const f of r.failures) this.#sourceError('proc', f.what, f.error);
    this.#deps.stats.countReadsSkipped('filesystems_cap', r.cut);
    if (r.cut > 0) this.#warn('proc\u0000filesystems_cap', `more host filesystems than collection.maxRootFilesystems; ${r.cut} left out of the "/" series`);
    return r;
  }

  /**
   * /proc/<pid>/stat, once per cycle per pid (per_process and the task states both need it). A gone
   * task is remembered as such; any other failure is not, so each reader reports its own as before.
   */
  #pidStat(pid: number): PidStat {
    const known = this.#pidStats.get(pid);
    if (known === null) throw new GoneError(this.#proc.path(pid, 'stat'));
    if (known !== undefined) return known;
    try {
      const s = readPidStat(this.#proc, pid, this.#deps.reader);
      this.#pidStats.set(pid, s);
      return s;
    } catch (err) {
      if (err instanceof GoneError) this.#pidStats.set(pid, null);
      throw err;
    }
  }

  /** Says (rate-limited) when the keep-open bound made the last cycle open and close files it re-reads every cycle. */
  #warnUnkept(): void {
    const { reader } = this.#deps;
    const unkept = reader.unkeptLastCycle;
    if (unkept === 0) return;
    this.#warn(
      'reader\u0000unkept',
      `cannot keep every file open: ${unkept} files were opened and closed this cycle (about three times the CPU of a re-read) ` +
        `because ${reader.keptOpen} are kept open already, the bound (collection.maxOpenFiles, lowered to the agent's RLIMIT_NOFILE soft limit minus a reserve) being ${reader.maxOpen}; ` +
        `raise both to keep them all`,
      { unkept, keptOpen: reader.keptOpen, maxOpenFiles: reader.maxOpen },
    );
  }

  #sourceError(source: string, what: string, err: unknown): void {
    this.#cycleFailures++;
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

/** The host filesystems go on "/" beside what discovery found for it (nothing, normally). */
function attachRootDisk(sample: ContainerSample, r: RootDiskRead): void {
  if (r.usage && r.usage.length > 0) sample.fs = [...(sample.fs ?? []), ...r.usage];
  if (r.io && r.io.length > 0) sample.rootDiskIo = r.io;
}
