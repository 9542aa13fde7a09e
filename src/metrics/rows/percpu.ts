/**
 * Group percpu (cAdvisor kind "percpu"): it has no row of its own. When on, v1 cpuacct.usage_percpu
 * is read and container_cpu_usage_seconds_total (group cpu) reports one point per CPU instead of
 * cpu="total", exactly as cAdvisor does: per-CPU points when there is per-CPU data (CPUs with 0
 * skipped), else the total. cgroup v2 has no per-CPU file, so there it stays cpu="total".
 */
import type { ContainerSample } from '../../collection/sample.js';
import type { Point } from '../spec.js';
import { NONE } from './row.js';

/** `cpu00`, `cpu01`, …, `cpu100`: cAdvisor's %02d. */
export const cpuLabel = (cpu: number): string => `cpu${String(cpu).padStart(2, '0')}`;

export function cpuUsagePoints(s: ContainerSample): readonly Point[] {
  const perCpu = s.cgroup?.optIn?.perCpuSeconds;
  if (perCpu !== undefined && perCpu.length > 0) {
    const out: Point[] = [];
    perCpu.forEach((v, cpu) => {
      if (v > 0) out.push({ value: v, attributes: { cpu: cpuLabel(cpu) } });
    });
    return out;
  }
  const v = s.cgroup?.cpu?.usageSeconds;
  // Without per-CPU data cAdvisor emits cpu="total" only once usage is above 0: an idle new cgroup has no point.
  return v === undefined || !(v > 0) ? NONE : [{ value: v, attributes: { cpu: 'total' } }];
}
