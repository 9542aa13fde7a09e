import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { detectCgroupLayout, layoutFromMounts, rebaseMountPoint } from '../../src/cgroup/detect.js';
import { parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { hostCgroupsFromMountinfo } from '../helpers/host-cgroups.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';
import { HYBRID_SEPARATE, V1_SYSTEMD_JOINED, V2_SYSTEMD } from './mountinfo-samples.js';

describe('rebaseMountPoint', () => {
  it.each([
    ['/sys/fs/cgroup/memory', '/sys', '/sys/fs/cgroup/memory'],
    ['/sys/fs/cgroup/memory', '/host/sys', '/host/sys/fs/cgroup/memory'],
    ['/sys/fs/cgroup/memory', '/host/sys/', '/host/sys/fs/cgroup/memory'],
    ['/sys/fs/cgroup', 'test/fixtures/x/sys', 'test/fixtures/x/sys/fs/cgroup'],
    ['/sys', '/host/sys', '/host/sys'],
    // Not under /sys: kept as printed.
    ['/cgroup/cpu', '/host/sys', '/cgroup/cpu'],
    ['/sysfoo/cg', '/host/sys', '/sysfoo/cg'],
  ])('%s with %s → %s', (mp, root, want) => {
    expect(rebaseMountPoint(mp, root)).toBe(want);
  });
});

describe('layoutFromMounts', () => {
  it('hybrid, cpu and cpuacct in separate hierarchies', () => {
    const layout = layoutFromMounts(parseMountinfo(HYBRID_SEPARATE), '/host/sys')!;
    expect(layout.mode).toBe('hybrid');
    expect(layout.unified).toBe('/host/sys/fs/cgroup/unified');
    expect(layout.v1.get('cpu')).toBe('/host/sys/fs/cgroup/cpu');
    expect(layout.v1.get('cpuacct')).toBe('/host/sys/fs/cgroup/cpuacct');
    expect(layout.v1.get('memory')).toBe('/host/sys/fs/cgroup/memory');
    expect(layout.v1.get('name=systemd')).toBe('/host/sys/fs/cgroup/systemd');
    expect([...layout.v1.keys()].sort()).toEqual(
      ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids'].sort(),
    );
  });

  it('v1 with joined cpu,cpuacct maps both names to the one dir', () => {
    const layout = layoutFromMounts(parseMountinfo(V1_SYSTEMD_JOINED), '/sys')!;
    expect(layout.mode).toBe('v1');
    expect(layout.unified).toBeUndefined();
    expect(layout.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(layout.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(layout.v1.get('net_prio')).toBe('/sys/fs/cgroup/net_cls,net_prio');
  });

  it('pure v2', () => {
    expect(layoutFromMounts(parseMountinfo(V2_SYSTEMD), '/host/sys')).toEqual({
      mode: 'v2',
      v1: new Map(),
      unified: '/host/sys/fs/cgroup',
    });
  });

  it('a named-only v1 hierarchy next to cgroup2 is still v2', () => {
    const text =
      V2_SYSTEMD + '40 25 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n';
    expect(layoutFromMounts(parseMountinfo(text), '/sys')!.mode).toBe('v2');
  });

  it('ignores subtree mounts (root not /), and prefers a / mount of the same controller', () => {
    const text =
      '60 1 0:32 /kubepods/pod1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n' +
      '61 1 0:32 / /run/memory-root rw - cgroup cgroup rw,memory\n' +
      '62 1 0:29 /kubepods /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n';
    const layout = layoutFromMounts(parseMountinfo(text), '/host/sys')!;
    expect(layout.mode).toBe('v1');
    expect(layout.v1.get('memory')).toBe('/run/memory-root');
    expect(layout.v1.has('cpu')).toBe(false);
  });

  it('prefers a mount under /sys over an earlier one elsewhere, else the first', () => {
    const text =
      '70 1 0:38 / /run/cg2 rw - cgroup2 cgroup2 rw\n' +
      '71 1 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n' +
      '72 1 0:38 / /sys/fs/cgroup-bind rw - cgroup2 cgroup2 rw\n';
    expect(layoutFromMounts(parseMountinfo(text), '/h/sys')!.unified).toBe('/h/sys/fs/cgroup');
  });

  it('no cgroup mounts → undefined', () => {
    expect(layoutFromMounts([], '/sys')).toBeUndefined();
    expect(layoutFromMounts(parseMountinfo('27 1 254:0 / / rw - ext4 /dev/vda rw\n'), '/sys')).toBeUndefined();
  });
});

describe('detectCgroupLayout', () => {
  const reader = new FileReader();
  let root: string | undefined;
  afterEach(() => {
    if (root) removeTree(root);
    root = undefined;
  });

  it('prefers proc/1/mountinfo (the host init) over proc/self', () => {
    root = writeTree({ proc: { '1': { mountinfo: HYBRID_SEPARATE }, self: { mountinfo: V2_SYSTEMD } } });
    const layout = detectCgroupLayout({ procRoot: `${root}/proc`, sysRoot: `${root}/sys` }, reader);
    expect(layout.mode).toBe('hybrid');
    expect(layout.v1.get('cpuacct')).toBe(`${root}/sys/fs/cgroup/cpuacct`);
  });

  it('falls back to proc/self/mountinfo when proc/1 is missing', () => {
    root = writeTree({ proc: { self: { mountinfo: V2_SYSTEMD } } });
    const layout = detectCgroupLayout({ procRoot: `${root}/proc`, sysRoot: 'test/fixtures/x/sys' }, reader);
    expect(layout).toEqual({ mode: 'v2', v1: new Map(), unified: 'test/fixtures/x/sys/fs/cgroup' });
  });

  it('falls back when proc/1/mountinfo shows no cgroup mount', () => {
    root = writeTree({
      proc: { '1': { mountinfo: '27 1 254:0 / / rw - ext4 /dev/vda rw\n' }, self: { mountinfo: V1_SYSTEMD_JOINED } },
    });
    expect(detectCgroupLayout({ procRoot: `${root}/proc`, sysRoot: '/sys' }, reader).mode).toBe('v1');
  });

  it('throws CGROUP_NOT_FOUND when nothing is mounted', () => {
    root = writeTree({ proc: { self: { mountinfo: '27 1 254:0 / / rw - ext4 /dev/vda rw\n' } } });
    try {
      detectCgroupLayout({ procRoot: `${root}/proc`, sysRoot: '/sys' }, reader);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AgentError);
      expect((err as AgentError).code).toBe('CGROUP_NOT_FOUND');
    }
  });

  // Whatever this machine is (v1, v2 or hybrid): what /proc/self/mountinfo says, worked out
  // independently by test/helpers/host-cgroups.ts.
  const host = hostCgroupsFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  it.skipIf(host.mode === 'none')(`detects this machine as its mountinfo describes it (${host.mode === 'none' ? 'skipped: no cgroup mount' : host.mode})`, () => {
    const layout = detectCgroupLayout({ procRoot: '/proc', sysRoot: '/sys' }, reader);
    expect(layout.mode).toBe(host.mode);
    expect(layout.unified).toBe(host.unified);
    expect(new Map(layout.v1)).toEqual(host.v1);
  });
});
