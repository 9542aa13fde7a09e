/** PSI stall totals (cAdvisor kind "pressure"): cgroup v2 or the hybrid unified mount. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerCounter, pressure } from './row.js';

export function pressureRows(): ContainerMetricSpec[] {
  const out: ContainerMetricSpec[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const [word, line, what] of [
      ['waiting', 'someSeconds', 'at least one task'],
      ['stalled', 'fullSeconds', 'all non-idle tasks'],
    ] as const) {
      out.push(
        containerCounter({
          name: `container_pressure_${resource}_${word}_seconds_total`,
          description: `Total time ${what} of the container stalled on ${resource} (PSI "${line === 'someSeconds' ? 'some' : 'full'}").`,
          unit: 's',
          group: 'pressure',
          source: `${resource}.pressure total= (cgroup v2 or the hybrid unified mount)`,
          points: (s) => pressure(s, resource, line),
        }),
      );
    }
  }
  return out;
}

