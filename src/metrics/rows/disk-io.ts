/** Block I/O per device (cAdvisor kind "diskIO"). */
import type { ContainerMetricSpec, Point } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerCounter, perDevice, NONE } from './row.js';

export const diskIoRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rbytes',
    explain: {
      formula: 'v1: Read lines of blkio.throttle.io_service_bytes(_recursive); v2: io.stat rbytes',
      inputs: [v1('blkio.throttle.io_service_bytes', 'Read'), v1('blkio.throttle.io_service_bytes_recursive', 'Read'), v2('io.stat')],
    },
    points: (s) => perDevice(s, (d) => d.readBytes),
  }),
  containerCounter({
    name: 'container_fs_writes_bytes_total',
    description: 'Cumulative count of bytes written',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wbytes',
    explain: {
      formula: 'v1: Write lines of blkio.throttle.io_service_bytes(_recursive); v2: io.stat wbytes',
      inputs: [v1('blkio.throttle.io_service_bytes', 'Write'), v1('blkio.throttle.io_service_bytes_recursive', 'Write'), v2('io.stat')],
      meaning: 'Bytes written to block devices; writes through the page cache are charged when flushed, often later than the write().',
    },
    points: (s) => perDevice(s, (d) => d.writeBytes),
  }),
  containerCounter({
    name: 'container_fs_reads_total',
    description: 'Cumulative count of reads completed',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios',
    explain: {
      formula: 'v1: Read lines of blkio.throttle.io_serviced(_recursive); v2: io.stat rios',
      inputs: [v1('blkio.throttle.io_serviced', 'Read'), v1('blkio.throttle.io_serviced_recursive', 'Read'), v2('io.stat')],
    },
    points: (s) => perDevice(s, (d) => d.reads),
  }),
  containerCounter({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios',
    explain: {
      formula: 'v1: Write lines of blkio.throttle.io_serviced(_recursive); v2: io.stat wios',
      inputs: [v1('blkio.throttle.io_serviced', 'Write'), v1('blkio.throttle.io_serviced_recursive', 'Write'), v2('io.stat')],
    },
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
    explain: {
      formula: 'v1: blkio.throttle.io_service_bytes(_recursive) per operation; v2: io.stat rbytes (Read), wbytes (Write)',
      inputs: [v1('blkio.throttle.io_service_bytes_recursive'), v2('io.stat', 'rbytes'), v2('io.stat', 'wbytes')],
      meaning: 'Bytes the cgroup moved to and from each block device, counted at the block layer (page-cache hits are not I/O).',
    },
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
