/** Order statistics over per-cycle samples. */
export interface Summary {
  min: number;
  median: number;
  p90: number;
  max: number;
}

/** Nearest-rank percentiles: every figure is one that was actually measured. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
  return { min: s[0] as number, median: rank(0.5), p90: rank(0.9), max: s[s.length - 1] as number };
}

export function scale(s: Summary, by: number): Summary {
  return { min: s.min * by, median: s.median * by, p90: s.p90 * by, max: s.max * by };
}

/** CPU time of this process so far (user + system, every thread: JS, GC, libuv), in µs. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
