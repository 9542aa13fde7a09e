/** Block I/O per device (cAdvisor kind "diskIO"). */
import type { ContainerMetricSpec } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerCounter, perDevice } from './row.js';

export const diskIoRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read.',
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
    description: 'Cumulative count of bytes written.',
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
    description: 'Cumulative count of reads completed.',
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
    description: 'Cumulative count of writes completed.',
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
];
