/**
 * Filesystem usage (cAdvisor kind "disk"): the containerd writable layer, which cAdvisor leaves
 * empty, and on "/" every host filesystem as cAdvisor's GetGlobalFsInfo reports it (collection/root-disk.ts).
 */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, perFs } from './row.js';

export const diskRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_fs_usage_bytes',
    description: 'Number of bytes that are consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'CRI ListContainerStats writable_layer.used_bytes; on "/": statfs of each host filesystem, (blocks - bfree) × bsize',
    cadvisorDifference:
      'cAdvisor has no filesystem series for containerd containers; podpulse reports the writable layer (device = the snapshotter directory), as do the other container_fs_* usage rows.',
    explain: {
      formula: 'CRI ListContainerStats writable_layer.used_bytes; on "/": statfs of each host filesystem, (blocks - bfree) × bsize',
      inputs: [both('CRI ListContainerStats writable_layer.used_bytes; on "/": statfs of each host filesystem, (blocks - bfree) × bsize')],
    },
    points: (s) => perFs(s, (f) => f.usageBytes),
  }),
  containerGauge({
    name: 'container_fs_limit_bytes',
    description: 'Number of bytes that can be consumed by the container on this filesystem.',
    unit: 'By',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (capacity); on "/": statfs of each host filesystem, blocks × bsize',
    explain: {
      formula: 'statfs(writable layer mount): blocks × block size',
      inputs: [both('statfs f_blocks × f_bsize of the writable layer')],
    },
    points: (s) => perFs(s, (f) => f.limitBytes),
  }),
  containerGauge({
    name: 'container_fs_inodes_total',
    description: 'Number of Inodes',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (files); on "/": statfs of each host filesystem (files)',
    explain: {
      formula: 'statfs(writable layer mount): files',
      inputs: [both('statfs f_files of the writable layer')],
    },
    points: (s) => perFs(s, (f) => f.inodesTotal),
  }),
  containerGauge({
    name: 'container_fs_inodes_free',
    description: 'Number of available Inodes',
    unit: '{inode}',
    attributes: ['device'],
    group: 'disk',
    source: 'statfs of the writable layer mountpoint (ffree); on "/": statfs of each host filesystem (ffree)',
    explain: {
      formula: 'statfs(writable layer mount): ffree',
      inputs: [both('statfs f_ffree of the writable layer')],
    },
    points: (s) => perFs(s, (f) => f.inodesFree),
  }),
];
