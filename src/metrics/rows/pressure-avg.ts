/**
 * PSI running averages as gauges (group pressure_avg, opt-in). cAdvisor parses avg10/avg60/avg300
 * (info.PSIData) but exports only the totals; these names extend its family the same way:
 * container_pressure_<resource>_<waiting|stalled>_avg<window>, waiting = "some", stalled = "full".
 * Values are percent of wall time (0-100), as the kernel prints them.
 */
import type { PressureAverages } from '../../cgroup/stats.js';
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, one } from './row.js';

export function pressureAvgRows(): ContainerMetricSpec[] {
  const out: ContainerMetricSpec[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const [word, line, who] of [
      ['waiting', 'someAvg', 'at least one task'],
      ['stalled', 'fullAvg', 'all non-idle tasks'],
    ] as const) {
      for (const window of ['avg10', 'avg60', 'avg300'] as const satisfies readonly (keyof PressureAverages)[]) {
        out.push(
          containerGauge({
            name: `container_pressure_${resource}_${word}_${window}`,
            description: `Share of the last ${window.slice(3)} s in which ${who} of the container stalled on ${resource}, in percent (PSI "${line === 'someAvg' ? 'some' : 'full'} ${window}").`,
            unit: '{percent}',
            valueType: 'double',
            group: 'pressure_avg',
            source: `${resource}.pressure ${window}= (cgroup v2 or the hybrid unified mount)`,
            explain: {
              formula: `${resource}.pressure, line "${line === 'someAvg' ? 'some' : 'full'}", field ${window}`,
              inputs: [both(`${resource}.pressure`, window)],
              meaning: `The kernel's running average of the share of time tasks stalled on ${resource}; above a few percent the container is short of ${resource}.`,
            },
            points: (s) => one(s.cgroup?.pressure?.[resource]?.[line]?.[window]),
          }),
        );
      }
    }
  }
  return out;
}
