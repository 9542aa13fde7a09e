import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileReader } from '../../src/fs/file-reader.js';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { cgroupStartTime } from '../../src/cgroup/read.js';
import { readCgroupStats } from '../helpers/cgroup-stats.js';
import { hostCgroupsFromMountinfo, rootCgroupExpectations } from '../helpers/host-cgroups.js';

// Reads this machine's real cgroups, whatever kind of host it is: v1, v2 or hybrid is worked out
// from /proc/self/mountinfo (test/helpers/host-cgroups.ts, unit-tested on mountinfo samples in
// host-cgroups.test.ts) and the assertions follow it.
const host = hostCgroupsFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
const expected = rootCgroupExpectations(host, existsSync);

describe.skipIf(host.mode === 'none')(`live read of this machine (${host.mode === 'none' ? 'skipped: no cgroup hierarchy root in /proc/self/mountinfo' : `a ${host.mode} host`})`, () => {
  const reader = new FileReader();
  const layout = detectCgroupLayout({ procRoot: '/proc', sysRoot: '/sys' }, reader);

  it(`is detected as ${host.mode}, with the hierarchies mountinfo lists`, () => {
    expect(layout.mode).toBe(host.mode);
    expect(layout.unified).toBe(host.unified);
    expect(new Map(layout.v1)).toEqual(host.v1);
  });

  it(`root cgroup / has CPU and memory usage, a sane working set, no limits${expected.pressure ? ' and PSI' : ' (no PSI: none in the cgroup2 mount, or no cgroup2)'}`, () => {
    const s = readCgroupStats(layout, '/', reader);
    expect(s.cpu?.usageSeconds).toBeGreaterThan(0);
    expect(s.cpu!.userSeconds! + s.cpu!.systemSeconds!).toBeGreaterThan(0);
    const usage = s.memory?.usageBytes;
    expect(usage).toBeGreaterThan(0);
    expect(s.memory?.workingSetBytes).toBeGreaterThanOrEqual(0);
    expect(s.memory?.workingSetBytes).toBeLessThanOrEqual(usage!);
    // v1 roots say "unlimited" (-1, a huge byte count): null; v2 roots have no limit files at all.
    expect(s.memory?.limitBytes ?? null).toBeNull();
    expect(s.cpuSpec?.quotaUs ?? null).toBeNull();
    expect(s.processes).toBeGreaterThan(0);
    // The root has no pids.current on either version.
    expect(s.pids).toBeUndefined();
    if (expected.pressure) {
      expect(s.pressure?.cpu?.someSeconds).toBeGreaterThanOrEqual(0);
      expect(s.pressure?.memory?.someSeconds).toBeGreaterThanOrEqual(0);
    } else {
      expect(s.pressure).toBeUndefined();
    }
  });

  it('CPU usage keeps increasing between two reads', () => {
    const a = readCgroupStats(layout, '/', reader).cpu!.usageSeconds!;
    const until = Date.now() + 30;
    while (Date.now() < until) {
      // burn a little CPU so the counter must move
    }
    const b = readCgroupStats(layout, '/', reader).cpu!.usageSeconds!;
    expect(b).toBeGreaterThan(a);
  });

  it('root start time is in the past', () => {
    const t = cgroupStartTime(layout, '/');
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThanOrEqual(Date.now() / 1000);
  });
});
