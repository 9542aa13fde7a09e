import type { ContainerSample, Snapshot } from '../../src/collection/sample.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

/** A node of `pods` pods with two containers each, a raw cgroup and the root, as the collector reports them. */
export function syntheticNode(pods: number): Snapshot {
  const containers: ContainerSample[] = [
    { identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: cgroupStats(50), lastSeenSeconds: 160, startTimeSeconds: 10 },
    { identity: { id: '/system.slice/cron.service', name: '', image: '', container: '', pod: '', namespace: '' }, cgroup: cgroupStats(2), lastSeenSeconds: 160 },
  ];
  for (let p = 0; p < pods; p++) {
    const uid = `0b0f4b5e-1111-4c4c-9c9c-${String(p).padStart(12, '0')}`;
    containers.push({
      identity: { id: `/kubepods/pod${uid}`, name: '', image: '', container: '', pod: `web-${p}`, namespace: 'shop' },
      k8s: { role: 'pod', podUid: uid },
      cgroup: cgroupStats(7 + p),
      lastSeenSeconds: 160,
    });
    containers.push({
      identity: { id: `/kubepods/pod${uid}/sandbox${p}`, name: `s${p}`.padEnd(64, '0'), image: 'registry.k8s.io/pause:3.9', container: '', pod: `web-${p}`, namespace: 'shop' },
      k8s: { role: 'sandbox', podUid: uid },
      cgroup: cgroupStats(1),
      network: [{ name: 'eth0', rxBytes: 10 * p, rxPackets: p, rxErrors: 0, rxDropped: 0, txBytes: 20, txPackets: 2, txErrors: 1, txDropped: 0 }],
      lastSeenSeconds: 160,
    });
    for (const name of ['app', 'sidecar']) {
      const id = `${name}${p}`.padEnd(64, 'a');
      containers.push({
        identity: { id: `/kubepods/pod${uid}/${id}`, name: id, image: 'docker.io/library/busybox:1.36', container: name, pod: `web-${p}`, namespace: 'shop' },
        k8s: { role: 'container', podUid: uid },
        cgroup: cgroupStats(3.5 + p),
        fs: [{ device: '/dev/sda1', usageBytes: 4096 * p, limitBytes: 1 << 30, availableBytes: 1 << 29 }],
        startTimeSeconds: 100 + p,
        lastSeenSeconds: 160,
      });
    }
  }
  return { containers, agent: new SelfStats() };
}

function cgroupStats(cpu: number): ContainerSample['cgroup'] {
  return {
    cpu: { usageSeconds: cpu, userSeconds: cpu * 0.75, systemSeconds: cpu * 0.25 },
    memory: { usageBytes: 1000, workingSetBytes: 800, rssBytes: 500, limitBytes: 4096, pageFaults: 90, majorPageFaults: 4 },
    io: [{ major: 8, minor: 0, device: '/dev/sda', readBytes: 11, writeBytes: 22 }],
  };
}

