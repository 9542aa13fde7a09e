/** PSI stall totals (cAdvisor kind "pressure"): cgroup v2 or the hybrid unified mount. */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
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
          explain: {
            formula: `${resource}.pressure "${line === 'someSeconds' ? 'some' : 'full'}" line, total= µs / 1e6`,
            inputs: [both(`${resource}.pressure`, line === 'someSeconds' ? 'some' : 'full')],
            meaning: 'Its rate is the share of wall time the tasks were stalled waiting for the resource; memory stalls rise before an OOM kill as reclaim slows the tasks down.',
          },
          points: (s) => pressure(s, resource, line),
        }),
      );
    }
  }
  return out;
}

