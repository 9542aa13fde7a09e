import { describe, expect, it } from 'vitest';
import { parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { HYBRID_SEPARATE, V1_SYSTEMD_JOINED, V2_SYSTEMD } from './mountinfo-samples.js';

describe('parseMountinfo', () => {
  it('finds every cgroup mount on the hybrid host, with separate cpu and cpuacct', () => {
    const mounts = parseMountinfo(HYBRID_SEPARATE);
    expect(mounts.map((m) => [m.mountPoint, m.version, m.controllers])).toEqual([
      ['/sys/fs/cgroup/cpu', 1, ['cpu']],
      ['/sys/fs/cgroup/cpuacct', 1, ['cpuacct']],
      ['/sys/fs/cgroup/cpuset', 1, ['cpuset']],
      ['/sys/fs/cgroup/memory', 1, ['memory']],
      ['/sys/fs/cgroup/devices', 1, ['devices']],
      ['/sys/fs/cgroup/freezer', 1, ['freezer']],
      ['/sys/fs/cgroup/blkio', 1, ['blkio']],
      ['/sys/fs/cgroup/pids', 1, ['pids']],
      ['/sys/fs/cgroup/systemd', 1, ['name=systemd']],
      ['/sys/fs/cgroup/unified', 2, []],
    ]);
    expect(mounts.every((m) => m.root === '/')).toBe(true);
  });

  it('takes controllers from super options, skipping flags and settings', () => {
    const mounts = parseMountinfo(V1_SYSTEMD_JOINED);
    expect(mounts.map((m) => m.controllers)).toEqual([
      ['name=systemd'],
      ['cpu', 'cpuacct'],
      ['memory'],
      ['net_cls', 'net_prio'],
      ['blkio'],
      ['pids'],
      ['cpuset'],
    ]);
    expect(mounts[1]!.mountPoint).toBe('/sys/fs/cgroup/cpu,cpuacct');
  });

  it('cgroup2 with optional fields and options', () => {
    expect(parseMountinfo(V2_SYSTEMD)).toEqual([
      { mountPoint: '/sys/fs/cgroup', root: '/', version: 2, controllers: [] },
    ]);
  });

  it('decodes octal escapes and keeps a non-/ root', () => {
    const line = '50 31 0:40 /kubepods/pod\\040a /mnt/my\\040cg rw - cgroup cgroup rw,memory\n';
    expect(parseMountinfo(line)).toEqual([
      { mountPoint: '/mnt/my cg', root: '/kubepods/pod a', version: 1, controllers: ['memory'] },
    ]);
  });

  it('skips malformed lines and empty input', () => {
    expect(parseMountinfo('')).toEqual([]);
    expect(parseMountinfo('garbage\n1 2 3\n32 31 0:29 / /x rw - cgroup\n')).toEqual([]);
  });
});
