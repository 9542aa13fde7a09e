/** `npm run bench -- …` flags, including the ones of issue 11 (--json, --peer, --runtime, profiles). */
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseArgs } from '../../bench/args.js';

describe('npm run bench -- flags', () => {
  it('defaults', () => {
    expect(parseArgs([])).toEqual({ counts: [100, 1000], cycles: 20, warmup: 2, mode: 'auto', cleanup: false, help: false, peerWindowSec: 30, pods: 100, intervalSec: 10, windowSec: 60, variants: [] });
  });

  it('the measuring instrument flags, both forms', () => {
    const a = parseArgs(['--n', '1000,100', '--json=out.json', '--peer', 'netdata', '--peer-window', '15', '--cpu-prof', 'prof', '--heap-snapshot=heap', '--heap-prof', 'alloc']);
    expect(a).toMatchObject({ counts: [100, 1000], json: 'out.json', peer: 'netdata', peerWindowSec: 15, cpuProfDir: 'prof', heapSnapshotDir: 'heap', heapProfDir: 'alloc' });
    expect(parseArgs(['--variant', '--max-semi-space-size=2', '--variant=MALLOC_ARENA_MAX=2 --v8-pool-size=1']).variants).toEqual(['--max-semi-space-size=2', 'MALLOC_ARENA_MAX=2 --v8-pool-size=1']);
    expect(parseArgs(['--runtime', 'containerd', '--pods', '100', '--interval', '10', '--window=30'])).toMatchObject({ runtime: 'containerd', pods: 100, intervalSec: 10, windowSec: 30 });
  });

  it.each([
    [['--peer', 'cadvisor'], /--peer: expected netdata/],
    [['--runtime', 'docker'], /--runtime: expected containerd/],
    [['--pods', '0'], /--pods: expected a positive integer/],
    [['--json'], /--json needs a value/],
    [['--runtime', 'containerd', '--peer', 'netdata'], /does not combine/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(BenchUsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
