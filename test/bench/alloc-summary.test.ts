/** Allocation breakdown of a sampling heap profile (bench --heap-prof), on a real profile of this process. */
import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { formatAllocations, summarizeAllocations, type SamplingHeapProfile } from '../../bench/alloc-summary.js';
import { parseNetDev } from '../../src/procfs/net-dev.js';

describe('allocation summary', () => {
  it('counts collected allocations by allocating frame and by the nearest podpulse source file', async () => {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    const text = 'h\nh\n' + '  eth0:\t1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'.repeat(50);
    let n = 0;
    // Garbage made by a podpulse parser (tabs take its splitting path), none of it kept.
    for (let i = 0; i < 500; i++) n += parseNetDev(text).length;
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    expect(n).toBe(25_000);
    const s = summarizeAllocations(profile as unknown as SamplingHeapProfile, 50);
    expect(s.totalBytes).toBeGreaterThan(0);
    // The parser's garbage is filed under its source file (vitest runs src/*.ts; the bench dist/src/*.js).
    const netDev = s.podpulseFiles.find((f) => f.name === 'src/procfs/net-dev');
    expect(netDev?.share).toBeGreaterThan(0.3);
    expect(s.frames.reduce((sum, f) => sum + f.share, 0)).toBeLessThanOrEqual(1.0000001);
    expect(formatAllocations(s, 10, 2)).toMatch(/^allocations of READ \(sampled, 2 cycles, N=10\): \d+ B\/container\/cycle/);
  }, 60_000);
});
