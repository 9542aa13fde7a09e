import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, GoneError, ParseError } from '../../../src/errors.js';
import { FileReader } from '../../../src/fs/file-reader.js';
import type { CgroupLayout } from '../../../src/cgroup/layout.js';
import { readCgroupV2 } from '../../../src/cgroup/v2/read.js';
import { removeTree, writeTree, type Tree } from '../../helpers/tmp-tree.js';
import { RecordingReader } from '../recording-reader.js';

const PSI_ZERO = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';

/** A complete leaf cgroup with every controller enabled. */
function leaf(overrides: Tree = {}): Tree {
  return {
    'cgroup.procs': '10\n11\n',
    'cpu.stat': 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nnr_periods 5\nnr_throttled 1\nthrottled_usec 2500\n',
    'cpu.max': '25000 100000\n',
    'cpu.weight': '100\n',
    'memory.current': '1048576\n',
    'memory.max': '2097152\n',
    'memory.stat': 'anon 524288\nfile 409600\nkernel 90112\nfile_mapped 4096\nactive_file 8192\ninactive_file 401408\n',
    'memory.min': '1048576\n',
    'memory.swap.current': '4096\n',
    'memory.swap.max': '0\n',
    // Hierarchical (children's kills included); podpulse reads the .local file, this cgroup's own.
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n',
    'memory.events.local': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n',
    'io.stat': '',
    'pids.current': '2\n',
    'pids.max': '100\n',
    'cpu.pressure': PSI_ZERO,
    'memory.pressure': PSI_ZERO,
    'io.pressure': PSI_ZERO,
    ...overrides,
  };
}

describe('readCgroupV2 on temp trees', () => {
  const reader = new FileReader();
  let root = '';
  const layoutOf = (dir: string): CgroupLayout => ({ mode: 'v2', v1: new Map(), unified: dir });
  afterEach(() => removeTree(root));

  it('reads a full leaf; memory.peak absent (kernel < 5.19) leaves maxUsageBytes undefined; no burst keys (< 5.14) is 0 bursts', () => {
    root = writeTree({ c: leaf() });
    const s = readCgroupV2(layoutOf(root), '/c', reader).stats;
    expect(s.cpu).toEqual({
      usageSeconds: 3,
      userSeconds: 2,
      systemSeconds: 1,
      periods: 5,
      throttledPeriods: 1,
      throttledSeconds: 0.0025,
      burstPeriods: 0,
      burstSeconds: 0,
    });
    expect(s.cpuSpec).toEqual({ periodUs: 100000, quotaUs: 25000, shares: 2597 });
    expect(s.memory).toEqual({
      usageBytes: 1048576,
      workingSetBytes: 1048576 - 401408,
      rssBytes: 524288,
      cacheBytes: 409600,
      swapBytes: 4096,
      mappedFileBytes: 4096,
      failcnt: 3,
      limitBytes: 2097152,
      swapLimitBytes: 0,
      reservationLimitBytes: 1048576,
      kernelUsageBytes: 90112,
      oomKills: 1,
      activeFileBytes: 8192,
      inactiveFileBytes: 401408,
    });
    expect(s.memory).not.toHaveProperty('maxUsageBytes');
    expect(s.pids).toEqual({ current: 2, max: 100 });
    expect(s.processes).toBe(2);
  });

  it('a cgroup without enabled controllers has only base cpu.stat, PSI and processes', () => {
    root = writeTree({
      c: { 'cgroup.procs': '7\n', 'cpu.stat': 'usage_usec 10\nuser_usec 6\nsystem_usec 4\n', 'cpu.pressure': PSI_ZERO },
    });
    expect(readCgroupV2(layoutOf(root), '/c', reader).stats).toEqual({
      cpu: { usageSeconds: 0.00001, userSeconds: 0.000006, systemSeconds: 0.000004 },
      pressure: { cpu: { someSeconds: 0, fullSeconds: 0 } },
      processes: 1,
    });
  });

  it('working set clamps at 0 when inactive_file exceeds usage', () => {
    root = writeTree({ c: leaf({ 'memory.current': '4096\n', 'memory.stat': 'inactive_file 8192\n' }) });
    expect(readCgroupV2(layoutOf(root), '/c', reader).stats.memory?.workingSetBytes).toBe(0);
  });

  it('only the root emulates memory.current from anon+file', () => {
    const noCurrent = leaf();
    delete noCurrent['memory.current'];
    root = writeTree({ ...noCurrent, c: noCurrent });
    expect(readCgroupV2(layoutOf(root), '/', reader).stats.memory?.usageBytes).toBe(524288 + 409600);
    const child = readCgroupV2(layoutOf(root), '/c', reader).stats.memory;
    expect(child?.usageBytes).toBeUndefined();
    expect(child?.workingSetBytes).toBeUndefined();
    expect(child?.rssBytes).toBe(524288);
  });

  it('vanished cgroup → GoneError', () => {
    root = writeTree({ c: leaf() });
    expect(() => readCgroupV2(layoutOf(root), '/gone', reader)).toThrow(GoneError);
  });

  it('a cgroup removed halfway through the read is GoneError, not a partial snapshot', () => {
    root = writeTree({ c: leaf() });
    const dir = join(root, 'c');
    // Removes the cgroup right after its first file was read, as rmdir by the runtime would.
    class RemovingReader extends FileReader {
      override read(path: string): string {
        const text = super.read(path);
        if (path.endsWith('cpu.stat')) rmSync(dir, { recursive: true });
        return text;
      }
    }
    expect(() => readCgroupV2(layoutOf(root), '/c', new RemovingReader())).toThrow(GoneError);
  });

  it('a malformed file loses only its own value; the ParseError naming it is in failures', () => {
    root = writeTree({ c: leaf({ 'memory.max': 'lots\n' }), good: leaf() });
    const good = readCgroupV2(layoutOf(root), '/good', reader);
    expect(good.failures).toEqual([]);
    const { stats, limits, failures } = readCgroupV2(layoutOf(root), '/c', reader);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.path).toBe(join(root, 'c', 'memory.max'));
    expect(failures[0]!.error).toBeInstanceOf(ParseError);
    expect((failures[0]!.error as ParseError).file).toBe('memory.max');
    expect(limits.memoryLimitBytes).toBeUndefined();
    const { limitBytes, ...memoryWithoutLimit } = good.stats.memory!;
    expect(limitBytes).toBeDefined();
    expect(stats).toEqual({ ...good.stats, memory: memoryWithoutLimit });
  });

  it('refuses a layout without a cgroup2 mount and a path with ..', () => {
    root = writeTree({ c: leaf() });
    expect(() => readCgroupV2({ mode: 'v2', v1: new Map() }, '/c', reader)).toThrow(AgentError);
    expect(() => readCgroupV2(layoutOf(root), '/c/../../etc', reader)).toThrow(/must not contain/);
  });
});

describe('readCgroupV2 with the limits passed back from an earlier read', () => {
  let root = '';
  const layoutOf = (dir: string): CgroupLayout => ({ mode: 'v2', v1: new Map(), unified: dir });
  afterEach(() => removeTree(root));

  it('opens only the files that change and returns the same stats; memory.events.local, not memory.events', () => {
    root = writeTree({ c: leaf() });
    const reader = new RecordingReader();
    const first = readCgroupV2(layoutOf(root), '/c', reader);
    const firstFiles = reader.take(root);
    expect(first.limits).toEqual({
      cpu: { periodUs: 100000, quotaUs: 25000, shares: 2597 },
      memoryLimitBytes: 2097152,
      swapLimitBytes: 0,
      reservationLimitBytes: 1048576,
      pidsMax: 100,
      pressure: true,
    });
    // The hierarchical file would count the kills of child cgroups here too; cAdvisor counts a kill on the task's own cgroup.
    expect(firstFiles).not.toContain('c/memory.events');

    const second = readCgroupV2(layoutOf(root), '/c', reader, { limits: first.limits });
    expect(second.stats).toEqual(first.stats);
    const steady = [
      'c/cpu.stat',
      'c/memory.current',
      'c/memory.stat',
      'c/memory.peak',
      'c/memory.swap.current',
      'c/memory.events.local',
      'c/io.stat',
      'c/pids.current',
      'c/cpu.pressure',
      'c/memory.pressure',
      'c/io.pressure',
      'c/cgroup.procs',
    ];
    expect(reader.take(root)).toEqual(steady);
    expect(firstFiles.filter((f) => !steady.includes(f)).sort()).toEqual(
      ['c/cpu.max', 'c/cpu.weight', 'c/memory.max', 'c/memory.swap.max', 'c/memory.min', 'c/pids.max'].sort(),
    );
  });

  it('takes the values from the limits, not from the files, until it is read again', () => {
    root = writeTree({ c: leaf() });
    const reader = new FileReader();
    const { limits } = readCgroupV2(layoutOf(root), '/c', reader);
    writeFileSync(join(root, 'c', 'cpu.max'), 'max 100000\n');
    writeFileSync(join(root, 'c', 'memory.max'), 'max\n');
    writeFileSync(join(root, 'c', 'pids.max'), 'max\n');
    const cached = readCgroupV2(layoutOf(root), '/c', reader, { limits }).stats;
    expect([cached.cpuSpec?.quotaUs, cached.memory?.limitBytes, cached.pids?.max]).toEqual([25000, 2097152, 100]);
    const fresh = readCgroupV2(layoutOf(root), '/c', reader).stats;
    expect([fresh.cpuSpec?.quotaUs, fresh.memory?.limitBytes, fresh.pids?.max]).toEqual([null, null, null]);
  });

  it('absent stays absent: the root has no cpu.max, memory.max, pids.max; a read with its limits has none either', () => {
    const rootFiles = leaf();
    for (const f of ['cpu.max', 'cpu.weight', 'memory.max', 'memory.swap.max', 'memory.min', 'memory.events', 'memory.events.local', 'pids.max', 'pids.current', 'memory.current']) delete rootFiles[f];
    root = writeTree(rootFiles);
    const reader = new FileReader();
    const first = readCgroupV2(layoutOf(root), '/', reader);
    expect(first.limits).toEqual({ pressure: true });
    const second = readCgroupV2(layoutOf(root), '/', reader, { limits: first.limits });
    expect(second.stats).toEqual(first.stats);
    expect(second.stats.cpuSpec).toBeUndefined();
    expect(second.stats.pids).toBeUndefined();
    expect(second.stats.memory).not.toHaveProperty('limitBytes');
  });

  it('PSI off (no *.pressure files): limits.pressure is false and they are not opened again', () => {
    const noPsi = leaf();
    for (const f of ['cpu.pressure', 'memory.pressure', 'io.pressure']) delete noPsi[f];
    root = writeTree({ c: noPsi });
    const reader = new RecordingReader();
    const first = readCgroupV2(layoutOf(root), '/c', reader);
    expect(first.limits.pressure).toBe(false);
    expect(first.stats.pressure).toBeUndefined();
    reader.take(root);
    expect(readCgroupV2(layoutOf(root), '/c', reader, { limits: first.limits }).stats).toEqual(first.stats);
    expect(reader.take(root).filter((f) => f.endsWith('.pressure'))).toEqual([]);
  });

  it('a cgroup removed before a read with its limits is GoneError', () => {
    root = writeTree({ c: leaf() });
    const { limits } = readCgroupV2(layoutOf(root), '/c', new FileReader());
    rmSync(join(root, 'c'), { recursive: true });
    expect(() => readCgroupV2(layoutOf(root), '/c', new FileReader(), { limits })).toThrow(GoneError);
  });
});
