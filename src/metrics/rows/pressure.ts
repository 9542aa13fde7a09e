/** PSI stall totals (cAdvisor kind "pressure"): cgroup v2 or the hybrid unified mount. */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
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
