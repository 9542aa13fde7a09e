/** Filesystem usage (cAdvisor kind "disk"): the containerd writable layer, which cAdvisor leaves empty. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, perFs } from './row.js';

export const diskRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_fs_usage_bytes',
    description: 'Number of bytes that are consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'CRI ListContainerStats writable_layer.used_bytes',
    cadvisorDifference:
      'cAdvisor has no filesystem series for containerd containers; podpulse reports the writable layer (device = the snapshotter directory), as do the other container_fs_* usage rows.',
    points: (s) => perFs(s, (f) => f.usageBytes),
  }),
  containerGauge({
    name: 'container_fs_limit_bytes',
    description: 'Number of bytes that can be consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (capacity)',
    points: (s) => perFs(s, (f) => f.limitBytes),
  }),
  containerGauge({
    name: 'container_fs_inodes_total',
    description: 'Number of Inodes',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (files)',
    points: (s) => perFs(s, (f) => f.inodesTotal),
  }),
  containerGauge({
    name: 'container_fs_inodes_free',
    description: 'Number of available Inodes',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (ffree)',
    points: (s) => perFs(s, (f) => f.inodesFree),
  }),
];
