import type { CgroupLayout } from '../cgroup/layout.js';
import type { FileFailure } from '../cgroup/limits.js';
import { listCgroupPids } from '../cgroup/pids.js';
import { GoneError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { readReferencedBytes, readSchedstat, readTcpStates, readUdpCounts } from '../procfs/pid-extras.js';
import type { ProcFs } from '../procfs/proc-fs.js';
import type { Schedstat } from '../procfs/schedstat.js';
import type { ReadPlan } from './read-plan.js';
import type { SchedTotals, SocketCounts } from './sample.js';

export interface PidSourcesDeps {
  layout: CgroupLayout;
  proc: ProcFs;
  reader: FileReader;
  plan: ReadPlan;
  /** A file that could not be read or parsed: counted and logged by the cycle reader. */
  onError: (source: 'cgroup' | 'proc', what: string, err: unknown) => void;
  /** A cgroup whose process list hit the cap (rate-limited by the caller). */
  onCapped: (cgroupPath: string, max: number) => void;
}

/** Per cgroup: the last schedstat of each live pid, and what exited pids had added. */
interface SchedMemory {
  live: Map<number, Schedstat>;
  exited: Schedstat;
}

const zero = (): Schedstat => ({ runNs: 0, runqueueNs: 0, runPeriods: 0 });
function add(into: Schedstat, v: Schedstat): void {
  into.runNs += v.runNs;
  into.runqueueNs += v.runqueueNs;
  into.runPeriods += v.runPeriods;
}

/**
 * The opt-in sources read per process or per network namespace: scheduler statistics and referenced
 * memory summed over a cgroup's processes (groups sched, referenced_memory), socket counts of a pod's
 * network namespace (groups tcp, udp). Only what the read plan asks for is read.
 *
 * The process list is capped (plan.maxPidsPerContainer). Within one cycle each pid's files are read
 * once, however many cgroups (container, pod, QoS class, root) list it.
 *
 * Scheduler sums keep what exited processes had run, as cAdvisor does (Handler.schedulerStatsFromProcs),
 * so the counters do not fall when a process ends. The memory is bounded: at most the cap of live pids
 * per cgroup, dropped with the cgroup. A pid whose run time fell was reused by a new process: the old
 * one's last values move to the exited total.
 */
export class PidSources {
  #deps: PidSourcesDeps;
  #sched = new Map<string, SchedMemory>();
  /** Per pid this cycle: its schedstat, null when it exited, 'error' when its file was unusable. */
  #cycleSched = new Map<number, Schedstat | null | 'error'>();
  #cycleReferenced = new Map<number, number | null>();

  constructor(deps: PidSourcesDeps) {
    this.#deps = deps;
  }

  get needsPids(): boolean {
    return this.#deps.plan.sched || this.#deps.plan.referencedMemory;
  }

  /** Call before the first target of a cycle. */
  beginCycle(): void {
    this.#cycleSched.clear();
    this.#cycleReferenced.clear();
  }

  /** Call after the last target: forgets the cgroups that were not read this cycle. */
  endCycle(livePaths: ReadonlySet<string>): void {
    for (const path of this.#sched.keys()) if (!livePaths.has(path)) this.#sched.delete(path);
  }

  /** Schedstat totals and referenced bytes of a cgroup's processes; {} when the cgroup vanished. */
  perProcess(cgroupPath: string): { sched?: SchedTotals; referencedBytes?: number } {
    if (!this.needsPids) return {};
    const { layout, reader, plan } = this.#deps;
    const failures: FileFailure[] = [];
    let listing;
    try {
      listing = listCgroupPids(layout, cgroupPath, reader, plan.maxPidsPerContainer, failures);
    } catch (err) {
      if (!(err instanceof GoneError)) this.#deps.onError('cgroup', `cgroup.procs of ${cgroupPath}`, err);
      return {};
    } finally {
      for (const f of failures) this.#deps.onError('cgroup', f.path, f.error);
    }
    if (listing.truncated) this.#deps.onCapped(cgroupPath, plan.maxPidsPerContainer);
    const out: { sched?: SchedTotals; referencedBytes?: number } = {};
    if (plan.sched) out.sched = this.#schedTotals(cgroupPath, listing.pids, listing.truncated);
    if (plan.referencedMemory) {
      const bytes = this.#referenced(listing.pids);
      if (bytes !== undefined) out.referencedBytes = bytes;
    }
    return out;
  }

  /** Socket counts of the network namespace `pid` lives in (tcp, tcp6, udp, udp6 as the plan asks). */
  sockets(pid: number): SocketCounts | undefined {
    const { plan, proc, reader } = this.#deps;
    if (!plan.tcp && !plan.udp) return undefined;
    const out: SocketCounts = {};
    const guard = <T>(file: string, read: () => T | undefined): T | undefined => {
      try {
        return read();
      } catch (err) {
        if (!(err instanceof GoneError)) this.#deps.onError('proc', `net/${file} of pid ${pid}`, err);
        return undefined;
      }
    };
    if (plan.tcp) {
      const tcp = guard('tcp', () => readTcpStates(proc, pid, 'tcp', reader));
      const tcp6 = guard('tcp6', () => readTcpStates(proc, pid, 'tcp6', reader));
      if (tcp) out.tcp = tcp;
      if (tcp6) out.tcp6 = tcp6;
    }
    if (plan.udp) {
      const udp = guard('udp', () => readUdpCounts(proc, pid, 'udp', reader));
      const udp6 = guard('udp6', () => readUdpCounts(proc, pid, 'udp6', reader));
      if (udp) out.udp = udp;
      if (udp6) out.udp6 = udp6;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  #schedOf(pid: number): Schedstat | null | 'error' {
    let v = this.#cycleSched.get(pid);
    if (v !== undefined) return v;
    try {
      v = readSchedstat(this.#deps.proc, pid, this.#deps.reader);
    } catch (err) {
      v = err instanceof GoneError ? null : 'error';
      if (v === 'error') this.#deps.onError('proc', `schedstat of pid ${pid}`, err);
    }
    this.#cycleSched.set(pid, v);
    return v;
  }

  #schedTotals(cgroupPath: string, pids: readonly number[], truncated: boolean): SchedTotals {
    const max = this.#deps.plan.maxPidsPerContainer;
    let mem = this.#sched.get(cgroupPath);
    if (mem === undefined) this.#sched.set(cgroupPath, (mem = { live: new Map(), exited: zero() }));
    const listed = new Set(pids);
    for (const [pid, last] of mem.live) {
      // Not listed in a cut-short list: maybe still there; keep its last values, neither added twice nor lost.
      if (!listed.has(pid) && truncated) continue;
      const now = listed.has(pid) ? this.#schedOf(pid) : null;
      // An unusable file says nothing about the process: keep its last values.
      if (now === 'error') continue;
      if (now === null || now.runNs < last.runNs || now.runPeriods < last.runPeriods) {
        add(mem.exited, last);
        mem.live.delete(pid);
      }
      if (now !== null) {
        if (mem.live.has(pid) || mem.live.size < max) mem.live.set(pid, now);
      }
    }
    for (const pid of pids) {
      if (mem.live.has(pid) || mem.live.size >= max) continue;
      const now = this.#schedOf(pid);
      if (now !== null && now !== 'error') mem.live.set(pid, now);
    }
    const total = { ...mem.exited };
    for (const v of mem.live.values()) add(total, v);
    return { runSeconds: total.runNs / 1e9, runqueueSeconds: total.runqueueNs / 1e9, runPeriods: total.runPeriods };
  }

  #referenced(pids: readonly number[]): number | undefined {
    let sum = 0;
    let any = pids.length === 0;
    for (const pid of pids) {
      let v = this.#cycleReferenced.get(pid);
      if (v === undefined) {
        try {
          v = readReferencedBytes(this.#deps.proc, pid, this.#deps.reader) ?? null;
        } catch (err) {
          if (!(err instanceof GoneError)) this.#deps.onError('proc', `smaps of pid ${pid}`, err);
          v = null;
        }
        this.#cycleReferenced.set(pid, v);
      }
      if (v !== null) {
        sum += v;
        any = true;
      }
    }
    return any ? sum : undefined;
  }
}
