/**
 * container_oom_events_total of a container whose cgroup is gone.
 *
 * While a cgroup exists its series is the kernel's own count of OOM kills of its tasks (v1
 * memory.oom_control, v2 memory.events.local oom_kill), so a child process killed inside a running
 * container counts. When the OOM killer hits the container's main process, the container exits and
 * its cgroup is removed, usually before anyone reads the last count. The runtime still says the
 * instance ended `OOMKilled`, so its series goes on, under the same labels, at the last count read
 * plus that final kill, which is left out when the last read came after the exit (it saw the kill
 * already). It never goes down and the kill is counted once. Without any read (the container lived
 * less than a cycle) the count is 1.
 */
/** How long the last count of a cgroup that vanished is kept for a runtime that reports the exit late. */
const KEEP_GONE_MS = 10 * 60_000;

export class OomCounts {
  /** Per cgroup path: the last oom_kill read and when (the cycle clock, ms). */
  #last = new Map<string, { kills: number; atMs: number }>();

  seen(cgroupPath: string, kills: number, atMs: number): void {
    this.#last.set(cgroupPath, { kills, atMs });
  }

  /** The count of an instance that ended OOMKilled at `finishedAtMs` (undefined: not known). */
  afterOomExit(cgroupPath: string, finishedAtMs: number | undefined): number {
    const last = this.#last.get(cgroupPath);
    if (last === undefined) return 1;
    const sawTheKill = finishedAtMs !== undefined && last.atMs >= finishedAtMs;
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
