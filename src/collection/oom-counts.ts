/**
 * container_oom_events_total of a container whose cgroup is gone.
 *
 * While a cgroup exists its series is the kernel's own count of OOM kills of its tasks (v1
 * memory.oom_control, v2 memory.events.local oom_kill), so a child process killed inside a running
 * container counts. When the OOM killer hits the container's main process, the container exits and
 * its cgroup is removed, usually before anyone reads the last count. The runtime still says the
 * instance ended `OOMKilled`, so its series goes on, under the same labels, at the last count read
 * plus that final kill. The kill is not added when the last read saw it already: a read after the
 * exit, or one that found no process left in the cgroup (the kill had happened). It never goes down
 * and the kill is counted once; only a read in the instant between the kill and the victim's exit
 * could count it twice. Without any read (the container lived less than a cycle) the count is 1.
 *
 * A runtime that reports an OOM kill with another reason (containerd 1.6 on cgroup v1 says `Error`
 * for a kill that is not at the container's start) ends the series with its cgroup, as cAdvisor's does.
 */
/** How long the last count of a cgroup that vanished is kept for a runtime that reports the exit late. */
const KEEP_GONE_MS = 10 * 60_000;

export class OomCounts {
  /** Per cgroup path: the last oom_kill read, when (the cycle clock, ms), and whether no process was left. */
  #last = new Map<string, { kills: number; atMs: number; empty: boolean }>();

  seen(cgroupPath: string, kills: number, atMs: number, processes?: number): void {
    this.#last.set(cgroupPath, { kills, atMs, empty: processes === 0 });
  }

  /** The count of an instance that ended OOMKilled at `finishedAtMs` (undefined: not known). */
  afterOomExit(cgroupPath: string, finishedAtMs: number | undefined): number {
    const last = this.#last.get(cgroupPath);
    if (last === undefined) return 1;
    const sawTheKill = last.empty || (finishedAtMs !== undefined && last.atMs >= finishedAtMs);
    return sawTheKill ? Math.max(1, last.kills) : last.kills + 1;
  }

  /**
   * Forgets cgroups that are neither live nor the old cgroup of an OOM-killed container still
   * reported, once KEEP_GONE_MS passed since their last read: discovery may see the exit a few
   * cycles after the cgroup is gone, and the count must still be there then.
   */
  retain(keep: (cgroupPath: string) => boolean, nowMs: number): void {
    for (const [path, last] of this.#last) {
      if (!keep(path) && !(nowMs - last.atMs >= 0 && nowMs - last.atMs < KEEP_GONE_MS)) this.#last.delete(path);
    }
  }

  get size(): number {
    return this.#last.size;
  }
}
