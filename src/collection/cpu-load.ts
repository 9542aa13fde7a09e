import type { TaskStates } from '../procfs/task-state.js';

/** cAdvisor smooths over 10 seconds (manager/container.go: loadDecay = exp(-interval/10s)). */
const WINDOW_SECONDS = 10;

export interface LoadState {
  /** Smoothed running tasks. */
  load: number;
  /** Smoothed uninterruptible tasks. */
  loadD: number;
  /** performance.now() of the sample, ms. */
  atMs: number;
}

/**
 * The next smoothed load: the first sample is taken as is (cAdvisor: "for faster stabilization"),
 * later ones as avg·d + n·(1−d) with d = exp(−Δt/10 s). Δt is the time actually elapsed since this
 * cgroup's previous sample, not the configured interval, so a late cycle weighs its sample right.
 * A clock that did not advance keeps the previous state.
 */
export function nextLoad(prev: LoadState | undefined, states: TaskStates, nowMs: number): LoadState {
  if (prev === undefined) return { load: states.running, loadD: states.uninterruptible, atMs: nowMs };
  const dt = (nowMs - prev.atMs) / 1000;
  if (!(dt > 0)) return prev;
  const d = Math.exp(-dt / WINDOW_SECONDS);
  return { load: prev.load * d + states.running * (1 - d), loadD: prev.loadD * d + states.uninterruptible * (1 - d), atMs: nowMs };
}

/** cAdvisor exports int32(avg × 1000): a milli-load, truncated. */
export function milli(load: number): number {
  return Math.trunc(load * 1000);
}

/** Per cgroup path, the load state; paths not seen in a cycle are forgotten at its end. */
export class LoadAverages {
  #states = new Map<string, LoadState>();
  #seen = new Set<string>();

  update(key: string, states: TaskStates, nowMs: number): LoadState {
    const next = nextLoad(this.#states.get(key), states, nowMs);
    this.#states.set(key, next);
    this.#seen.add(key);
    return next;
  }

  /** Marks a cgroup as still present even though no sample was taken this cycle (a failed read). */
  keep(key: string): void {
    this.#seen.add(key);
  }

  endCycle(): void {
    for (const key of this.#states.keys()) if (!this.#seen.has(key)) this.#states.delete(key);
    this.#seen.clear();
  }
}
