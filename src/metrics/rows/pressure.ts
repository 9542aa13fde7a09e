/** PSI stall totals (cAdvisor kind "pressure"): cgroup v2 or the hybrid unified mount. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerCounter, pressure } from './row.js';

/** cAdvisor's words for each resource in its HELP texts. */
const CONGESTION = { cpu: 'CPU', memory: 'memory', io: 'IO' } as const;

export function pressureRows(): ContainerMetricSpec[] {
  const out: ContainerMetricSpec[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const [word, line, help] of [
      ['waiting', 'someSeconds', 'Total time duration tasks in the container have waited'],
      ['stalled', 'fullSeconds', 'Total time duration no tasks in the container could make progress'],
    ] as const) {
      out.push(
        containerCounter({
          name: `container_pressure_${resource}_${word}_seconds_total`,
          description: `${help} due to ${CONGESTION[resource]} congestion.`,
          unit: 's',
          group: 'pressure',
          source: `${resource}.pressure "${line === 'someSeconds' ? 'some' : 'full'}" total= (cgroup v2 or the hybrid unified mount)`,
          points: (s) => pressure(s, resource, line),
        }),
      );
    }
  }
  return out;
}
