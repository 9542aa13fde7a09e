/** Network counters of the pod's interfaces (cAdvisor kind "network"), on the sandbox series only. */
import type { NetInterfaceSample } from '../../collection/sample.js';
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerCounter, perInterface } from './row.js';

export function networkRows(): ContainerMetricSpec[] {
  const rows = [
    ['receive_bytes', 'By', 'bytes received', (n: NetInterfaceSample) => n.rxBytes],
    ['receive_packets', '{packet}', 'packets received', (n: NetInterfaceSample) => n.rxPackets],
    ['receive_errors', '{error}', 'errors encountered while receiving', (n: NetInterfaceSample) => n.rxErrors],
    ['receive_packets_dropped', '{packet}', 'packets dropped while receiving', (n: NetInterfaceSample) => n.rxDropped],
    ['transmit_bytes', 'By', 'bytes transmitted', (n: NetInterfaceSample) => n.txBytes],
    ['transmit_packets', '{packet}', 'packets transmitted', (n: NetInterfaceSample) => n.txPackets],
    ['transmit_errors', '{error}', 'errors encountered while transmitting', (n: NetInterfaceSample) => n.txErrors],
    ['transmit_packets_dropped', '{packet}', 'packets dropped while transmitting', (n: NetInterfaceSample) => n.txDropped],
  ] as const;
  return rows.map(([suffix, unit, what, pick]) =>
    containerCounter({
      name: `container_network_${suffix}_total`,
      description: `Cumulative count of ${what}`,
      unit,
      attributes: ['interface'],
      group: 'network',
      source: '/proc/<sandbox pid>/net/dev (lo, veth*, docker*, nerdctl* skipped)',
      cadvisorDifference:
        'A host-network pod gets no series: its net/dev is the node\'s, which cAdvisor reports as the pod\'s traffic (google/cadvisor#2615). The node\'s traffic is on id="/".',
      explain: {
        formula: `the ${what.replace(/ while .*/, '')} column of each interface line of /proc/<sandbox pid>/net/dev`,
        inputs: [both('/proc/<pid>/net/dev')],
        meaning: 'All containers of a pod share its network namespace: the counters are the pod\'s, reported on the sandbox series (container="").',
      },
      points: (s) => perInterface(s, pick),
    }),
  );
}
