/**
 * Filesystem usage (cAdvisor kind "disk"): the containerd writable layer, which cAdvisor leaves
 * empty, and on "/" every host filesystem as cAdvisor's GetGlobalFsInfo reports it (collection/root-disk.ts).
 */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, perFs } from './row.js';

export const diskRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_fs_usage_bytes',
    description: 'Number of bytes that are consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'CRI ListContainerStats writable_layer.used_bytes; on "/": statfs of each host filesystem, (blocks - bfree) × bsize',
    points: (s) => perFs(s, (f) => f.usageBytes),
  }),
  containerGauge({
    name: 'container_fs_limit_bytes',
    description: 'Number of bytes that can be consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (capacity); on "/": statfs of each host filesystem, blocks × bsize',
    points: (s) => perFs(s, (f) => f.limitBytes),
  }),
  containerGauge({
    name: 'container_fs_inodes_total',
    description: 'Number of Inodes.',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (files); on "/": statfs of each host filesystem (files)',
    points: (s) => perFs(s, (f) => f.inodesTotal),
  }),
  containerGauge({
    name: 'container_fs_inodes_free',
    description: 'Number of available Inodes.',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (ffree); on "/": statfs of each host filesystem (ffree)',
    points: (s) => perFs(s, (f) => f.inodesFree),
  }),
];
