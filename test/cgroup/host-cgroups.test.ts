/**
 * The host classification the live host tests branch on (test/helpers/host-cgroups.ts), on
 * mountinfo texts of each kind of host. This machine is hybrid and cannot boot v2, so the v1 and
 * v2 branches of those tests are checked here, and the classification is held against the agent's
 * own detection on the same texts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutFromMounts } from '../../src/cgroup/detect.js';
import { parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { hostCgroupsFromMountinfo, rootCgroupExpectations, rootCpuSecondsReader, type HostCgroups } from '../helpers/host-cgroups.js';
import { HYBRID_SEPARATE, V1_SYSTEMD_JOINED, V2_SYSTEMD } from './mountinfo-samples.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

// An Ubuntu 20.04-style systemd hybrid host: systemd's own hierarchy in cgroup2 at unified/.
const HYBRID_SYSTEMD = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
31 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
32 26 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
33 26 0:31 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,perf_event
`;

const SAMPLES: [string, string, HostCgroups['mode'], string | undefined][] = [
  ['this machine (hybrid, cpu and cpuacct apart)', HYBRID_SEPARATE, 'hybrid', '/sys/fs/cgroup/unified'],
  ['systemd hybrid (cpu,cpuacct joined)', HYBRID_SYSTEMD, 'hybrid', '/sys/fs/cgroup/unified'],
  ['systemd v1 (no cgroup2)', V1_SYSTEMD_JOINED, 'v1', undefined],
  ['systemd unified (v2)', V2_SYSTEMD, 'v2', '/sys/fs/cgroup'],
  ['v2 plus a named-only v1 hierarchy', `${V2_SYSTEMD}40 25 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n`, 'v2', '/sys/fs/cgroup'],
  ['fixture host-v1', fixture('host-v1/proc/self/mountinfo'), 'hybrid', '/sys/fs/cgroup/unified'],
  ['fixture cgroup-v2', fixture('cgroup-v2/proc/self/mountinfo'), 'v2', '/sys/fs/cgroup'],
];

describe('hostCgroupsFromMountinfo', () => {
  it.each(SAMPLES)('%s → %s', (_, text, mode, unified) => {
    const host = hostCgroupsFromMountinfo(text);
    expect(host.mode).toBe(mode);
    expect(host.unified).toBe(unified);
    if (mode === 'v2') expect(host.v1.size).toBe(0);
    else expect(host.v1.get('memory')).toMatch(/^\/sys\/fs\/cgroup\/memory$/);
  });

  it.each(SAMPLES)('%s: the agent detects the same layout', (_, text) => {
    const host = hostCgroupsFromMountinfo(text);
    const layout = layoutFromMounts(parseMountinfo(text), '/sys');
    expect(layout?.mode).toBe(host.mode);
    expect(layout?.unified).toBe(host.unified);
    expect(new Map(layout?.v1)).toEqual(host.v1);
  });

  it('joined hierarchies give each controller the one mount point', () => {
    const host = hostCgroupsFromMountinfo(HYBRID_SYSTEMD);
    expect(host.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(host.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(host.v1.get('name=systemd')).toBe('/sys/fs/cgroup/systemd');
  });

  it('no cgroup mount, or only subtree mounts → none', () => {
    expect(hostCgroupsFromMountinfo('27 1 254:0 / / rw - ext4 /dev/vda rw\n').mode).toBe('none');
    expect(hostCgroupsFromMountinfo('60 1 0:32 /kubepods /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n').mode).toBe('none');
    expect(hostCgroupsFromMountinfo('').mode).toBe('none');
  });

  it('unescapes mount points (\\040 is a space)', () => {
    const host = hostCgroupsFromMountinfo('29 21 0:25 / /mnt/cg\\0402 rw - cgroup2 cgroup2 rw\n');
    expect(host).toEqual({ mode: 'v2', unified: '/mnt/cg 2', v1: new Map() });
  });
});

describe('rootCgroupExpectations: when the live root read must show PSI', () => {
  const has = (...paths: string[]) => (p: string) => paths.includes(p);

  it('hybrid: PSI from the unified mount when its cpu.pressure exists', () => {
    const host = hostCgroupsFromMountinfo(HYBRID_SEPARATE);
    expect(rootCgroupExpectations(host, has('/sys/fs/cgroup/unified/cpu.pressure'))).toEqual({
      pressure: true,
      pressureFile: '/sys/fs/cgroup/unified/cpu.pressure',
    });
    expect(rootCgroupExpectations(host, has()).pressure).toBe(false);
  });

  it('v2: PSI from /sys/fs/cgroup when the kernel has it (not with psi=0)', () => {
    const host = hostCgroupsFromMountinfo(V2_SYSTEMD);
    expect(rootCgroupExpectations(host, has('/sys/fs/cgroup/cpu.pressure')).pressure).toBe(true);
    expect(rootCgroupExpectations(host, has('/sys/fs/cgroup/unified/cpu.pressure')).pressure).toBe(false);
  });

  it('v1 without cgroup2: never PSI, whatever files exist', () => {
    const host = hostCgroupsFromMountinfo(V1_SYSTEMD_JOINED);
    expect(rootCgroupExpectations(host, () => true)).toEqual({ pressure: false });
  });
});

describe('rootCpuSecondsReader: the root CPU time file of each kind of host', () => {
  const files: Record<string, string> = {
    '/sys/fs/cgroup/cpuacct/cpuacct.usage': '1500000000\n',
    '/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage': '2500000000\n',
    '/sys/fs/cgroup/cpu.stat': 'usage_usec 3500000\nuser_usec 2000000\nsystem_usec 1500000\n',
  };
  const read = (p: string): string => {
    const text = files[p];
    if (text === undefined) throw new Error(`read ${p}`);
    return text;
  };

  it('hybrid and v1: cpuacct.usage in nanoseconds, wherever cpuacct is mounted', () => {
    expect(rootCpuSecondsReader(hostCgroupsFromMountinfo(HYBRID_SEPARATE), read)()).toBe(1.5);
    expect(rootCpuSecondsReader(hostCgroupsFromMountinfo(V1_SYSTEMD_JOINED), read)()).toBe(2.5);
  });

  it('v2: usage_usec of cgroup2 cpu.stat', () => {
    expect(rootCpuSecondsReader(hostCgroupsFromMountinfo(V2_SYSTEMD), read)()).toBe(3.5);
  });

  it('no cgroups: throws', () => {
    expect(() => rootCpuSecondsReader(hostCgroupsFromMountinfo(''), read)).toThrow(/no cpuacct/);
  });
});
