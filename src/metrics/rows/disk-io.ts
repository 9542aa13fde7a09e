/** Block I/O per device (cAdvisor kind "diskIO"). */
import type { ContainerSample, RootDiskIoSample } from '../../collection/sample.js';
import type { ContainerMetricSpec, Point } from '../spec.js';
import { both, v1, v2 } from './explain.js';
import { containerCounter, containerGauge, perDevice, perItem, NONE, type IoDevice } from './row.js';

/**
 * cAdvisor appends, on "/" only, one point per host filesystem from /proc/diskstats after the
 * cgroup's per-disk points (prometheus.go ioValues). A filesystem whose label equals a disk the
 * cgroup already reported (a filesystem on a whole, unpartitioned disk) is left out here: cAdvisor
 * would emit the same series twice, which the Prometheus client rejects.
 */
function withRootDisks(s: ContainerSample, cgroup: ((d: IoDevice) => number | undefined) | undefined, disk: (d: RootDiskIoSample) => number | undefined): readonly Point[] {
  const own = cgroup === undefined ? [] : perDevice(s, cgroup);
  if (!s.rootDiskIo) return own;
  const taken = new Set(own.map((p) => p.attributes?.device));
  const extra = perItem(
    s.rootDiskIo.filter((d) => !taken.has(d.device)),
    (d) => ({ device: d.device }),
    disk,
  );
  return own.length === 0 ? extra : [...own, ...extra];
}

/** Where the diskstats rows of "/" come from, for their `source` text. */
const ROOT =
  'on "/" only: /proc/diskstats of each host filesystem, matched by major:minor (cAdvisor matches only sd*, vd*, xvd* and dm-* names, so nvme and other disks have none there)';
/** cAdvisor divides these millisecond columns by 1e9, a million times too small; podpulse reports true seconds. */
const MS_DIFFERENCE = 'cAdvisor divides the kernel\'s milliseconds by 1e9, so its values are a million times too small; podpulse reports seconds (ms / 1000).';
/** The whole diskstats line of a device, for podpulse explain. */
const DISKSTATS = both('/proc/diskstats');

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
    source: `v1 blkio.throttle.io_serviced(_recursive) Read (I/O of removed descendants carried forward); v2 io.stat rios; plus ${ROOT} reads completed`,
    explain: {
      formula: 'v1: Read lines of blkio.throttle.io_serviced(_recursive); v2: io.stat rios',
      inputs: [v1('blkio.throttle.io_serviced', 'Read'), v1('blkio.throttle.io_serviced_recursive', 'Read'), v2('io.stat')],
    },
    points: (s) => withRootDisks(s, (d) => d.reads, (d) => d.reads),
  }),
  containerCounter({
    name: 'container_fs_writes_total',
    description: 'Cumulative count of writes completed',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: `v1 blkio.throttle.io_serviced(_recursive) Write (I/O of removed descendants carried forward); v2 io.stat wios; plus ${ROOT} writes completed`,
    explain: {
      formula: 'v1: Write lines of blkio.throttle.io_serviced(_recursive); v2: io.stat wios',
      inputs: [v1('blkio.throttle.io_serviced', 'Write'), v1('blkio.throttle.io_serviced_recursive', 'Write'), v2('io.stat')],
    },
    points: (s) => withRootDisks(s, (d) => d.writes, (d) => d.writes),
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
  // --- /proc/diskstats of the host filesystems, on "/" (cAdvisor fills these from blkio on v1 too; not read here) ---
  containerCounter({
    name: 'container_fs_sector_reads_total',
    description: 'Cumulative count of sector reads completed',
    unit: '{sector}',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, sectors read (512 bytes each)`,
    explain: {
      formula: '/proc/diskstats, sectors read (field 6), of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.sectorsRead),
  }),
  containerCounter({
    name: 'container_fs_reads_merged_total',
    description: 'Cumulative count of reads merged',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, reads merged`,
    explain: {
      formula: '/proc/diskstats, reads merged (field 5), of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.readsMerged),
  }),
  containerCounter({
    name: 'container_fs_read_seconds_total',
    description: 'Cumulative count of seconds spent reading',
    unit: 's',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, time spent reading, ms / 1000`,
    cadvisorDifference: MS_DIFFERENCE,
    explain: {
      formula: '/proc/diskstats, time reading, ms (field 7) / 1000, of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.readSeconds),
  }),
  containerCounter({
    name: 'container_fs_sector_writes_total',
    description: 'Cumulative count of sector writes completed',
    unit: '{sector}',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, sectors written (512 bytes each)`,
    explain: {
      formula: '/proc/diskstats, sectors written (field 10), of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.sectorsWritten),
  }),
  containerCounter({
    name: 'container_fs_writes_merged_total',
    description: 'Cumulative count of writes merged',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, writes merged`,
    explain: {
      formula: '/proc/diskstats, writes merged (field 9), of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.writesMerged),
  }),
  containerCounter({
    name: 'container_fs_write_seconds_total',
    description: 'Cumulative count of seconds spent writing',
    unit: 's',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, time spent writing, ms / 1000`,
    cadvisorDifference: MS_DIFFERENCE,
    explain: {
      formula: '/proc/diskstats, time writing, ms (field 11) / 1000, of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.writeSeconds),
  }),
  containerGauge({
    name: 'container_fs_io_current',
    description: 'Number of I/Os currently in progress',
    unit: '{operation}',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, I/Os in progress`,
    explain: {
      formula: '/proc/diskstats, I/Os in progress (field 12), of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.ioInProgress),
  }),
  containerCounter({
    name: 'container_fs_io_time_seconds_total',
    description: 'Cumulative count of seconds spent doing I/Os',
    unit: 's',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, time spent doing I/Os, ms / 1000`,
    cadvisorDifference: MS_DIFFERENCE,
    explain: {
      formula: '/proc/diskstats, time doing I/O, ms (field 13) / 1000, of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.ioSeconds),
  }),
  containerCounter({
    name: 'container_fs_io_time_weighted_seconds_total',
    description: 'Cumulative weighted I/O time in seconds',
    unit: 's',
    attributes: ['device'],
    group: 'diskIO',
    source: `${ROOT}, weighted time spent doing I/Os, ms / 1000`,
    cadvisorDifference: MS_DIFFERENCE,
    explain: {
      formula: '/proc/diskstats, weighted time doing I/O, ms (field 14) / 1000, of the device of each host filesystem (on "/" only)',
      inputs: [DISKSTATS],
      meaning: 'The host disk as the kernel\'s block layer counts it; it includes I/O of every process on the node, not of one container.',
    },
    points: (s) => withRootDisks(s, undefined, (d) => d.weightedIoSeconds),
  }),
];
