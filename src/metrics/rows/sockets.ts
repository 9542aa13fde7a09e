/**
 * Socket counts of the pod's network namespace (cAdvisor kinds "tcp" and "udp", opt-in), on the
 * series that owns the namespace, like the network counters. Gauges despite `_total`, as in cAdvisor.
 */
import type { SocketCounts } from '../../collection/sample.js';
import { TCP_STATES, type TcpStateCounts, type UdpCounts } from '../../procfs/net-sockets.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, NONE } from './row.js';

function tcpPoints(counts: TcpStateCounts | undefined): readonly Point[] {
  return counts === undefined ? NONE : TCP_STATES.map((state) => ({ value: counts[state], attributes: { tcp_state: state } }));
}

function udpPoints(c: UdpCounts | undefined): readonly Point[] {
  if (c === undefined) return NONE;
  return [
    { value: c.listen, attributes: { udp_state: 'listen' } },
    { value: c.dropped, attributes: { udp_state: 'dropped' } },
    { value: c.rxQueued, attributes: { udp_state: 'rxqueued' } },
    { value: c.txQueued, attributes: { udp_state: 'txqueued' } },
  ];
}

function tcpRow(file: 'tcp' | 'tcp6'): ContainerMetricSpec {
  return containerGauge({
    name: `container_network_${file}_usage_total`,
    description: `${file} connection usage statistic for container`,
    unit: '{socket}',
    attributes: ['tcp_state'],
    group: 'tcp',
    source: `/proc/<sandbox pid>/net/${file}, sockets per state column`,
    explain: {
      formula: `count of the lines of /proc/<pid>/net/${file} by the st column`,
      inputs: [both(`/proc/<pid>/net/${file}`, 'st')],
      meaning: 'Sockets of the pod network namespace by TCP state; many time_wait or close_wait sockets point at connection churn or a peer that does not close.',
    },
    points: (s) => tcpPoints(s.sockets?.[file]),
  });
}

function udpRow(file: 'udp' | 'udp6'): ContainerMetricSpec {
  return containerGauge({
    name: `container_network_${file}_usage_total`,
    description: `${file} connection usage statistic for container`,
    unit: '{socket}',
    attributes: ['udp_state'],
    group: 'udp',
    source: `/proc/<sandbox pid>/net/${file}: listen = sockets, dropped = Σ drops, rxqueued/txqueued = Σ rx_queue/tx_queue bytes`,
    explain: {
      formula: `over the lines of /proc/<pid>/net/${file}: listen = count, dropped = Σ drops, rxqueued / txqueued = Σ rx_queue / tx_queue`,
      inputs: [both(`/proc/<pid>/net/${file}`)],
      meaning: 'UDP sockets of the pod network namespace; rising drops mean the application reads datagrams slower than they arrive.',
    },
    points: (s) => udpPoints(s.sockets?.[file as keyof SocketCounts] as UdpCounts | undefined),
  });
}

export const socketRows: readonly ContainerMetricSpec[] = [tcpRow('tcp'), tcpRow('tcp6'), udpRow('udp'), udpRow('udp6')];
