/** Block I/O per device (cAdvisor kind "diskIO"). */
import type { ContainerMetricSpec, Point } from '../spec.js';
import { containerCounter, perDevice, NONE } from './row.js';

export const diskIoRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rbytes',
    points: (s) => perDevice(s, (d) => d.readBytes),
  }),
  containerCounter({
    name: 'container_fs_writes_bytes_total',
    description: 'Cumulative count of bytes written',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wbytes',
    points: (s) => perDevice(s, (d) => d.writeBytes),
  }),
  containerCounter({
    name: 'container_fs_reads_total',
    description: 'Cumulative count of reads completed',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios',
    points: (s) => perDevice(s, (d) => d.reads),
  }),
  containerCounter({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios',
    points: (s) => perDevice(s, (d) => d.writes),
  }),
  containerCounter({
    name: 'container_blkio_device_usage_total',
    description: 'Blkio Device bytes usage',
    // Bytes, but `By` would add _bytes to cAdvisor's name.
    unit: '{byte}',
    attributes: ['device', 'major', 'minor', 'operation'],
    group: 'diskIO',
    source:
      'v1 blkio.throttle.io_service_bytes(_recursive), every operation: Read, Write, Sync, Async, Discard, Total (I/O of removed descendants carried forward); v2 io.stat rbytes (Read), wbytes (Write)',
    points: (s) => {
      const io = s.cgroup?.io;
      if (!io || io.length === 0) return NONE;
      const out: Point[] = [];
      for (const d of io) {
        if (!d.opBytes) continue;
        const major = String(d.major);
        const minor = String(d.minor);
        for (const [operation, value] of Object.entries(d.opBytes)) out.push({ value, attributes: { device: d.device, major, minor, operation } });
      }
      return out;
    },
  }),
];
