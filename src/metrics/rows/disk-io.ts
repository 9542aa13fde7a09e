/** Block I/O per device (cAdvisor kind "diskIO"). */
import type { ContainerMetricSpec } from '../spec.js';
import { containerCounter, perDevice } from './row.js';

export const diskIoRows: readonly ContainerMetricSpec[] = [
  containerCounter({
    name: 'container_fs_reads_bytes_total',
    description: 'Cumulative count of bytes read.',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rbytes',
    points: (s) => perDevice(s, (d) => d.readBytes),
  }),
  containerCounter({
    name: 'container_fs_writes_bytes_total',
    description: 'Cumulative count of bytes written.',
    unit: 'By',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_service_bytes(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wbytes',
    points: (s) => perDevice(s, (d) => d.writeBytes),
  }),
  containerCounter({
    name: 'container_fs_reads_total',
    description: 'Cumulative count of reads completed.',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios',
    points: (s) => perDevice(s, (d) => d.reads),
  }),
  containerCounter({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed.',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: 'v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios',
    points: (s) => perDevice(s, (d) => d.writes),
  }),
];
