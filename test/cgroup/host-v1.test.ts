import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileReader } from '../../src/fs/file-reader.js';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { cgroupStartTime } from '../../src/cgroup/read.js';
import { readCgroupStats } from '../helpers/cgroup-stats.js';

// The real cgroup v1 hybrid capture in test/fixtures/host-v1 (see test/fixtures/README.md). Every
// expected value below is read off the fixture's files.
const FIXTURE = 'test/fixtures/host-v1';
const POD = '/kubepods/burstable/pod65c1a366-6f0c-4217-8100-a93fcc75852a';
const CPU_LOOP = `${POD}/28ed357d92b1c1ee91a94be839fe3f93233f3d5f3ccb05bd773f671ee5bdf85c`;
const MEM_HOLDER = `${POD}/7451fd163baa8d35c2b7319e999c63bac3155c098e63846a2276977d689511b5`;

// major:minor → /dev/<name>, as the caller builds it from /proc/diskstats (fields 1-3).
const disks = new Map(
  readFileSync(`${FIXTURE}/proc/diskstats`, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 3)
    .map((f) => [`${f[0]}:${f[1]}`, `/dev/${f[2]}`] as const),
);
const opts = { deviceName: (major: number, minor: number) => disks.get(`${major}:${minor}`) };

const reader = new FileReader();
const layout = detectCgroupLayout({ procRoot: `${FIXTURE}/proc`, sysRoot: `${FIXTURE}/sys` }, reader);

describe('host-v1 fixture (real capture)', () => {
  it('detects hybrid with cpu and cpuacct as separate hierarchies, rebased onto the fixture', () => {
    expect(layout.mode).toBe('hybrid');
    expect(layout.unified).toBe(`${FIXTURE}/sys/fs/cgroup/unified`);
    expect(layout.v1.get('cpu')).toBe(`${FIXTURE}/sys/fs/cgroup/cpu`);
    expect(layout.v1.get('cpuacct')).toBe(`${FIXTURE}/sys/fs/cgroup/cpuacct`);
    expect(layout.v1.get('memory')).toBe(`${FIXTURE}/sys/fs/cgroup/memory`);
  });

  it('root cgroup /', () => {
    expect(readCgroupStats(layout, '/', reader, opts)).toEqual({
      cpu: {
        usageSeconds: 93.575004926,
        userSeconds: 61.82,
        systemSeconds: 31.75,
      },
      // No CFS quota, so cpu.stat is not read: no periods or throttling.
      cpuSpec: { quotaUs: null, periodUs: 100000, shares: 1024 },
      memory: {
        usageBytes: 2086146048,
        workingSetBytes: 2086146048 - 1443078144,
        rssBytes: 91770880,
        cacheBytes: 1995849728,
        swapBytes: 0,
        mappedFileBytes: 55279616,
        maxUsageBytes: 2315071488,
        failcnt: 0,
        limitBytes: null,
        swapLimitBytes: null,
        reservationLimitBytes: null,
        kernelUsageBytes: 169017344,
        oomKills: 0,
        activeFileBytes: 522715136,
        inactiveFileBytes: 1443078144,
        pageFaults: 65648,
        majorPageFaults: 0,
      },
      io: [
        {
          major: 254,
          minor: 0,
          device: '/dev/vda',
          readBytes: 132743168,
          writeBytes: 16494592,
          reads: 1630,
          writes: 2029,
          opBytes: { Read: 132743168, Write: 16494592, Sync: 137187328, Async: 12283904, Discard: 233472, Total: 149471232 },
        },
      ],
      // No pids: the root has no pids.current / pids.max.
      pressure: {
        cpu: { someSeconds: 19.02099, fullSeconds: 0 },
        memory: { someSeconds: 0, fullSeconds: 0 },
        io: { someSeconds: 8.858476, fullSeconds: 8.601484 },
      },
      processes: 81,
    });
  });

  it('the throttled cpu-loop container', () => {
    expect(readCgroupStats(layout, CPU_LOOP, reader, opts)).toEqual({
      cpu: {
        usageSeconds: 12.451039926,
        userSeconds: 12.37,
        systemSeconds: 0.07,
        periods: 241,
        throttledPeriods: 239,
        throttledSeconds: 11.109133147,
        // The 6.18 kernel has CFS burst; this container never burst.
        burstPeriods: 0,
        burstSeconds: 0,
      },
      cpuSpec: { quotaUs: 50000, periodUs: 100000, shares: 512 },
      memory: {
        usageBytes: 221184,
        workingSetBytes: 221184,
        rssBytes: 57344,
        cacheBytes: 8192,
        swapBytes: 0,
        mappedFileBytes: 0,
        maxUsageBytes: 3031040,
        failcnt: 0,
        limitBytes: null,
        swapLimitBytes: null,
        reservationLimitBytes: null,
        kernelUsageBytes: 155648,
        oomKills: 0,
        activeFileBytes: 8192,
        inactiveFileBytes: 0,
        pageFaults: 833,
        majorPageFaults: 0,
      },
      // blkio.throttle.* read "Total 0": no per-device lines.
      io: [],
      pids: { current: 1, max: null },
      pressure: {
        cpu: { someSeconds: 11.430861, fullSeconds: 11.430559 },
        memory: { someSeconds: 0, fullSeconds: 0 },
        io: { someSeconds: 0, fullSeconds: 0 },
      },
      processes: 1,
    });
  });

  it('the memory-limited mem-holder container', () => {
    const s = readCgroupStats(layout, MEM_HOLDER, reader, opts);
    expect(s.memory).toMatchObject({
      usageBytes: 74022912,
      workingSetBytes: 74022912,
      rssBytes: 52658176,
      cacheBytes: 20979712,
      limitBytes: 268435456,
      swapLimitBytes: 268435456,
      reservationLimitBytes: null,
      kernelUsageBytes: 385024,
      oomKills: 0,
      maxUsageBytes: 126586880,
    });
    expect(s.cpuSpec).toEqual({ quotaUs: null, periodUs: 100000, shares: 256 });
    expect(s.cpu?.usageSeconds).toBe(0.377994959);
    expect(s.pids).toEqual({ current: 2, max: null });
    expect(s.processes).toBe(2);
  });

  it('has a start time for the container dirs', () => {
    expect(cgroupStartTime(layout, CPU_LOOP)).toBeGreaterThan(0);
  });
});
