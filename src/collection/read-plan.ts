/**
 * Which optional sources the cycle reader reads. The agent derives it from the enabled metric groups
 * (metrics/read-plan.ts), so a source whose metrics are all switched off costs no read at all.
 * Cgroup files of the kubelet kinds are always read; what is listed here is what costs extra.
 */
export interface ReadPlan {
  /** /proc/<pid>/net/dev of the series that own a network namespace. */
  network: boolean;
  /** /proc/<pid>/stat and status of every process of each cgroup (group per_process). */
  processes: boolean;
}

/** Everything on: what tests and tools get when they do not say otherwise. */
export const READ_ALL: ReadPlan = { network: true, processes: true };
