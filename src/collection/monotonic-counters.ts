/**
 * Keeps cumulative counters from going backwards where the kernel itself lets them.
 *
 * cgroup v1's `blkio.throttle.*_recursive` files sum the I/O of the LIVE descendants only: when a
 * child cgroup is removed (a container exits, a pod is deleted) its I/O disappears from every
 * ancestor a few seconds later, and `/` or a pod's counter drops. Exported as is, Prometheus takes
 * the drop for a counter reset and rate() shows a spike the size of the whole counter. Here the lost
 * amount is carried forward per series, so the exported counter stays monotonic and its rate is the
 * I/O that really happened; the exported figure is then higher than the kernel file by the I/O of
 * removed descendants. (cgroup v2 moves a dead child's I/O into its parent, so it needs none of this.)
 */
export class MonotonicCounters {
  #state = new Map<string, { raw: number; offset: number }>();
  #touched = new Set<string>();

  /** The monotonic value for this series given the kernel's current raw reading. */
  value(key: string, raw: number): number {
    this.#touched.add(key);
    const s = this.#state.get(key);
    if (!s) {
      this.#state.set(key, { raw, offset: 0 });
      return raw;
    }
    if (raw < s.raw) s.offset += s.raw - raw;
    s.raw = raw;
    return raw + s.offset;
  }

  /** Forgets series not seen since the last call (their cgroup is gone), so memory tracks live series. */
  endCycle(): void {
    for (const key of this.#state.keys()) if (!this.#touched.has(key)) this.#state.delete(key);
    this.#touched.clear();
  }

  get size(): number {
    return this.#state.size;
  }
}
