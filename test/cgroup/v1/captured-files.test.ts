import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlkioThrottle } from '../../../src/cgroup/v1/blkio.js';
import { parseCfsQuotaUs, parseCpuStatV1 } from '../../../src/cgroup/v1/cpu.js';
import {
  parseMemoryFailcnt,
  parseMemoryKmemUsageInBytes,
  parseMemoryLimitInBytes,
  parseMemoryOomControl,
  parseMemorySoftLimitInBytes,
  parseMemswLimitInBytes,
} from '../../../src/cgroup/v1/memory.js';

// Real kernel files of a cgroup with one OOM kill and one CFS burst (test/fixtures/README.md, host-v1-oom-burst).
const file = (path: string): string => readFileSync(`test/fixtures/host-v1-oom-burst/${path}`, 'utf8');

describe('v1 files captured from a 6.18 kernel: OOM kill, CFS burst, soft limit, kmem, blkio per operation', () => {
  it('memory.oom_control counts the OOM-killed task', () => {
    expect(parseMemoryOomControl(file('memory/memory.oom_control'))).toBe(1);
    expect(parseMemoryFailcnt(file('memory/memory.failcnt'))).toBeGreaterThan(0);
  });

  it('cpu.stat has the burst keys of kernels >= 5.14', () => {
    expect(parseCfsQuotaUs(file('cpu/cpu.cfs_quota_us'))).toBe(50000);
    expect(parseCpuStatV1(file('cpu/cpu.stat'))).toEqual({ nrPeriods: 152, nrThrottled: 0, throttledTimeNs: 0n, nrBursts: 1, burstTimeNs: 6510639n });
  });

  it('limits: memory, memory+swap and the soft limit (cAdvisor reservation) as set; kmem usage', () => {
    expect(parseMemoryLimitInBytes(file('memory/memory.limit_in_bytes'))).toBe(32 * 1024 * 1024);
    expect(parseMemswLimitInBytes(file('memory/memory.memsw.limit_in_bytes'))).toBe(64 * 1024 * 1024);
    expect(parseMemorySoftLimitInBytes(file('memory/memory.soft_limit_in_bytes'))).toBe(16 * 1024 * 1024);
    expect(parseMemoryKmemUsageInBytes(file('memory/memory.kmem.usage_in_bytes'))).toBe(4096);
  });

  it('blkio: every operation the kernel prints, for container_blkio_device_usage_total', () => {
    const [dev] = parseBlkioThrottle(file('blkio/blkio.throttle.io_service_bytes_recursive'));
    expect(dev).toEqual({
      major: 254,
      minor: 0,
      ops: new Map([
        ['Read', 0],
        ['Write', 4194304],
        ['Sync', 8388608],
        ['Async', 0],
        ['Discard', 4194304],
        ['Total', 8388608],
      ]),
    });
  });
});
