import { describe, expect, it } from 'vitest';
import { FileReader } from '../../src/fs/file-reader.js';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { cgroupStartTime, readCgroupStats } from '../../src/cgroup/read.js';

// Reads this machine's real cgroups: the project's dev/CI host is cgroup v1 hybrid (cgroup2 at
// /sys/fs/cgroup/unified), see the design notes.
describe('live read of this machine', () => {
  const reader = new FileReader();
  const layout = detectCgroupLayout({ procRoot: '/proc', sysRoot: '/sys' }, reader);

  it('is hybrid', () => {
    expect(layout.mode).toBe('hybrid');
    expect(layout.unified).toBe('/sys/fs/cgroup/unified');
  });

  it('root cgroup / has CPU and memory usage, a sane working set and PSI', () => {
    const s = readCgroupStats(layout, '/', reader);
    expect(s.cpu?.usageSeconds).toBeGreaterThan(0);
    expect(s.cpu!.userSeconds! + s.cpu!.systemSeconds!).toBeGreaterThan(0);
    const usage = s.memory?.usageBytes;
    expect(usage).toBeGreaterThan(0);
    expect(s.memory?.workingSetBytes).toBeGreaterThanOrEqual(0);
    expect(s.memory?.workingSetBytes).toBeLessThanOrEqual(usage!);
    expect(s.memory?.limitBytes).toBeNull();
    expect(s.cpuSpec?.quotaUs).toBeNull();
    expect(s.processes).toBeGreaterThan(0);
    // The root has no pids.current.
    expect(s.pids).toBeUndefined();
    expect(s.pressure?.cpu?.someSeconds).toBeGreaterThanOrEqual(0);
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
