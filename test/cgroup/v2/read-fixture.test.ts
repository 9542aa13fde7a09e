import { describe, expect, it } from 'vitest';
import { GoneError } from '../../../src/errors.js';
import { FileReader } from '../../../src/fs/file-reader.js';
import { detectCgroupLayout } from '../../../src/cgroup/detect.js';
import { cgroupStartTime } from '../../../src/cgroup/read.js';
import { readCgroupStats } from '../../helpers/cgroup-stats.js';

// End to end on the systemd-style cgroup v2 tree in test/fixtures/cgroup-v2 (see test/fixtures/README.md).
const FIXTURE = 'test/fixtures/cgroup-v2';
const POD = '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8a4b6e1c_3f2d_4c5b_9e7a_1d2c3b4a5f60.slice';
const WEB = `${POD}/cri-containerd-bb9cb22b273268f779adb9fa86ea9654da9e0b9c28d6e2ec5deca1249236be53.scope`;
const SANDBOX = `${POD}/cri-containerd-3b6db61130d2539981fb7c8a6237f6d415bb7c47c0780dac5e4cd63fef7e4754.scope`;

const reader = new FileReader();
const layout = detectCgroupLayout({ procRoot: `${FIXTURE}/proc`, sysRoot: `${FIXTURE}/sys` }, reader);
const disks = new Map([['259:0', '/dev/nvme0n1']]);
const opts = { deviceName: (major: number, minor: number) => disks.get(`${major}:${minor}`) };

describe('cgroup v2 fixture', () => {
  it('is detected as v2 from proc/self/mountinfo (no proc/1)', () => {
    expect(layout).toEqual({ mode: 'v2', v1: new Map(), unified: `${FIXTURE}/sys/fs/cgroup` });
  });

  it('root cgroup: usage from anon+file, no limits, no pids, PSI present', () => {
    expect(readCgroupStats(layout, '/', reader, opts)).toEqual({
      cpu: {
        usageSeconds: 987654.321012,
        userSeconds: 654321.098765,
        systemSeconds: 333333.222247,
        periods: 0,
        throttledPeriods: 0,
        throttledSeconds: 0,
        burstPeriods: 0,
        burstSeconds: 0,
      },
      memory: {
        usageBytes: 1523892224 + 3879219200,
        workingSetBytes: 1523892224 + 3879219200 - 2147483648,
        rssBytes: 1523892224,
        cacheBytes: 3879219200,
        mappedFileBytes: 612368384,
        // The root has no limit, so none was hit; memory.stat `kernel` (5.18+) is there.
        failcnt: 0,
        kernelUsageBytes: 402653184,
        activeFileBytes: 1643655168,
        inactiveFileBytes: 2147483648,
        pageFaults: 987654321,
        majorPageFaults: 12345,
      },
      io: [
        {
          major: 259,
          minor: 0,
          device: '/dev/nvme0n1',
          readBytes: 21474836480,
          writeBytes: 53687091200,
          reads: 1048576,
          writes: 2097152,
          opBytes: { Read: 21474836480, Write: 53687091200 },
        },
        { major: 7, minor: 0, device: '7:0', readBytes: 1104896, writeBytes: 0, reads: 52, writes: 0, opBytes: { Read: 1104896, Write: 0 } },
      ],
      pressure: {
        cpu: { someSeconds: 92.23372, fullSeconds: 0 },
        memory: { someSeconds: 3.201456, fullSeconds: 2.876543 },
        io: { someSeconds: 45.123456, fullSeconds: 40.123456 },
      },
      processes: 14,
    });
  });

  it('app container with quota, memory limit, I/O and throttling', () => {
    const s = readCgroupStats(layout, WEB, reader, opts);
    expect(s).toEqual({
      cpu: {
        usageSeconds: 8.123456,
        userSeconds: 6.104321,
        systemSeconds: 2.019135,
        periods: 241,
        throttledPeriods: 239,
        throttledSeconds: 11.109133,
        burstPeriods: 0,
        burstSeconds: 0,
      },
      cpuSpec: { periodUs: 100000, quotaUs: 50000, shares: 500 },
      memory: {
        usageBytes: 95629312,
        workingSetBytes: 95629312 - 8806400,
        rssBytes: 52219904,
        cacheBytes: 41943040,
        swapBytes: 0,
        mappedFileBytes: 1216512,
        maxUsageBytes: 101167104,
        failcnt: 0,
        limitBytes: 268435456,
        swapLimitBytes: null,
        reservationLimitBytes: 0,
        kernelUsageBytes: 1466368,
        oomKills: 0,
        activeFileBytes: 12165120,
        inactiveFileBytes: 8806400,
        pageFaults: 19537,
        majorPageFaults: 2,
      },
      io: [
        {
          major: 259,
          minor: 0,
          device: '/dev/nvme0n1',
          readBytes: 109051904,
          writeBytes: 8392704,
          reads: 832,
          writes: 64,
          opBytes: { Read: 109051904, Write: 8392704 },
        },
      ],
      pids: { current: 5, max: null },
      pressure: {
        cpu: { someSeconds: 11.256321, fullSeconds: 11.098765 },
        memory: { someSeconds: 0, fullSeconds: 0 },
        io: { someSeconds: 0.041234, fullSeconds: 0.039876 },
      },
      processes: 3,
    });
  });

  it('sandbox: no limits (max), weight 1 → shares 2, empty io.stat → no devices', () => {
    const s = readCgroupStats(layout, SANDBOX, reader, opts);
    expect(s.cpuSpec).toEqual({ periodUs: 100000, quotaUs: null, shares: 2 });
    expect(s.memory?.limitBytes).toBeNull();
    expect(s.memory?.usageBytes).toBe(258048);
    expect(s.memory?.workingSetBytes).toBe(258048 - 4096);
    expect(s.io).toEqual([]);
    expect(s.pids).toEqual({ current: 1, max: null });
    expect(s.processes).toBe(1);
    expect(s.pressure?.cpu).toEqual({ someSeconds: 0, fullSeconds: 0 });
  });

  it('pod slice: an internal node has no processes of its own but a pids limit', () => {
    const s = readCgroupStats(layout, POD, reader, opts);
    expect(s.processes).toBe(0);
    expect(s.pids).toEqual({ current: 6, max: 1024 });
    expect(s.cpu?.usageSeconds).toBe(8.154706);
    expect(s.memory?.usageBytes).toBe(95887360);
    expect(s.memory?.workingSetBytes).toBe(95887360 - 8810496);
  });

  it('a cgroup that does not exist is GoneError', () => {
    expect(() => readCgroupStats(layout, `${POD}/cri-containerd-gone.scope`, reader, opts)).toThrow(GoneError);
  });

  it('start time is an mtime of the cgroup dir; undefined for a missing cgroup', () => {
    const t = cgroupStartTime(layout, WEB);
    expect(typeof t).toBe('number');
    expect(t).toBeGreaterThan(0);
    expect(cgroupStartTime(layout, `${POD}/nope.scope`)).toBeUndefined();
  });
});
