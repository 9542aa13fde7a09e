/**
 * The opt-in cgroup files (groups percpu, hugetlb, memory_numa, cpuset, pressure_avg): the pure
 * parsers, readOptInFiles on the captured v1 root test/fixtures/host-v1-optin and on the synthetic
 * v2 root, and on a real cgroup2 mount of this kernel.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import { hugePageSizeName, parseHugetlbEvents } from '../../src/cgroup/hugetlb.js';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import type { FileFailure } from '../../src/cgroup/limits.js';
import { parseNumaStatV1, parseNumaStatV2 } from '../../src/cgroup/numa-stat.js';
import { readOptInFiles, type OptInFiles } from '../../src/cgroup/opt-in.js';
import { readCgroup } from '../../src/cgroup/read.js';
import { parseCpuacctUsagePercpu } from '../../src/cgroup/v1/cpuacct-percpu.js';
import { parseMemoryMigrate } from '../../src/cgroup/v1/cpuset.js';
import { ParseError } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { RecordingReader } from './recording-reader.js';

const V1 = 'test/fixtures/host-v1-optin';
const POD = '/kubepods/burstable/pod5d1ddbf1-49d6-405d-9968-ecd83508e331';
const CPU_LOOP = `${POD}/42e6170ae06965daac27af5ba9ccd8b6c85cd3e82c51f681b2ea10e05d0904b9`;
const ALL: OptInFiles = { perCpu: true, hugePageSizes: ['1GB', '2MB'], numa: true, cpuset: true, pressureAvg: true };

describe('opt-in cgroup parsers', () => {
  it('cpuacct.usage_percpu: seconds per CPU, from the captured root', () => {
    const text = readFileSync(`${V1}/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu`, 'utf8');
    expect(parseCpuacctUsagePercpu(text)).toEqual([6394.909658726, 6546.385636147]);
    expect(() => parseCpuacctUsagePercpu('\n')).toThrow(ParseError);
    expect(() => parseCpuacctUsagePercpu('12 x\n')).toThrow(ParseError);
  });

  it('huge page size names follow the kernel (hugetlb_cgroup.c): kB → KB/MB/GB', () => {
    expect(['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB', 'hugepages-32768kB', 'other'].map(hugePageSizeName)).toEqual([
      '2MB',
      '1GB',
      '64KB',
      '32MB',
      undefined,
    ]);
  });

  it('hugetlb.<size>.events (v2, format from cgroup-v2.rst; hand-made): the max count', () => {
    expect(parseHugetlbEvents('max 3\n')).toBe(3);
    expect(() => parseHugetlbEvents('other 1\n')).toThrow(ParseError);
  });

  it('memory.numa_stat v1 (captured root): own pages as scope container, hierarchical_* as hierarchy', () => {
    const numa = parseNumaStatV1(readFileSync(`${V1}/sys/fs/cgroup/memory/memory.numa_stat`, 'utf8'));
    expect(numa.container).toEqual({ file: new Map([[0, 347]]), anon: new Map([[0, 0]]), unevictable: new Map([[0, 4848]]) });
    expect(numa.hierarchy).toEqual({ file: new Map([[0, 654219]]), anon: new Map([[0, 218310]]), unevictable: new Map([[0, 4848]]) });
    // Lines of custom kernels without `=` are skipped; a bad node field is malformed.
    expect(parseNumaStatV1('numa_locality 0 0\nfile=4 N0=1 N1=3\n').container).toEqual({ file: new Map([[0, 1], [1, 3]]) });
    expect(() => parseNumaStatV1('file=4 X0=1\n')).toThrow(ParseError);
  });

  it('memory.numa_stat v2: bytes per node become pages, scope hierarchy only', () => {
    const numa = parseNumaStatV2(readFileSync('test/fixtures/cgroup-v2/sys/fs/cgroup/memory.numa_stat', 'utf8'), 4096);
    expect(numa.container).toBeUndefined();
    expect(numa.hierarchy.anon).toEqual(new Map([[0, 1523892224 / 4096]]));
    expect(numa.hierarchy.file).toEqual(new Map([[0, 3879219200 / 4096]]));
  });

  it('cpuset.memory_migrate is 0 or 1', () => {
    expect(parseMemoryMigrate(readFileSync(`${V1}/sys/fs/cgroup/cpuset/cpuset.memory_migrate`, 'utf8'))).toBe(0);
    expect(parseMemoryMigrate('1\n')).toBe(1);
    expect(() => parseMemoryMigrate('2\n')).toThrow(ParseError);
  });
});

describe('readOptInFiles on the captured v1 host', () => {
  const reader = new FileReader();
  const layout = detectCgroupLayout({ procRoot: `${V1}/proc`, sysRoot: `${V1}/sys` }, reader);

  it('detects the capture-time hugetlb and cpuset hierarchies', () => {
    expect(layout.mode).toBe('hybrid');
    expect(layout.v1.get('hugetlb')).toBe(`${V1}/sys/fs/cgroup/hugetlb`);
    expect(layout.v1.get('cpuset')).toBe(`${V1}/sys/fs/cgroup/cpuset`);
  });

  it('reads each asked-for file of the pod dir (hugetlb .rsvd files preferred, as opencontainers/cgroups)', () => {
    const failures: FileFailure[] = [];
    const rec = new RecordingReader();
    const out = readOptInFiles(layout, POD, rec, ALL, failures);
    expect(failures).toEqual([]);
    expect(out?.perCpuSeconds).toEqual([0.662362601, 1.427171197]);
    expect(out?.hugetlb).toEqual([
      { pageSize: '1GB', usageBytes: 0, maxUsageBytes: 0, failcnt: 0 },
      { pageSize: '2MB', usageBytes: 0, maxUsageBytes: 0, failcnt: 0 },
    ]);
    expect(out?.numa?.hierarchy?.anon).toEqual(new Map([[0, 5308]]));
    expect(out?.memoryMigrate).toBe(0);
    const files = rec.take(`${V1}/sys/fs/cgroup`).map((p) => p.replace(POD.slice(1), 'POD'));
    expect(files).toContain('hugetlb/POD/hugetlb.2MB.rsvd.usage_in_bytes');
    expect(files).not.toContain('hugetlb/POD/hugetlb.2MB.usage_in_bytes');
  });

  it('reads nothing at all when no group asks, and only the asked-for file otherwise', () => {
    const rec = new RecordingReader();
    expect(readOptInFiles(layout, POD, rec, {}, [])).toBeUndefined();
    expect(readCgroup(layout, POD, rec).stats.optIn).toBeUndefined();
    expect(rec.take(V1).filter((p) => /usage_percpu|hugetlb|numa_stat|memory_migrate/.test(p))).toEqual([]);
    readOptInFiles(layout, POD, rec, { numa: true }, []);
    expect(rec.take(`${V1}/sys/fs/cgroup`)).toEqual([`memory${POD}/memory.numa_stat`]);
  });

  it('a container not in the hugetlb hierarchy (made for the capture up to the pod dir) has no hugetlb values', () => {
    const out = readOptInFiles(layout, CPU_LOOP, new FileReader(), ALL, []);
    expect(out?.hugetlb).toBeUndefined();
    expect(out?.perCpuSeconds).toEqual([0.658951701, 1.348578568]);
  });

  it('a malformed file loses only its own values and is listed as a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-optin-'));
    const mk = (controller: string, files: Record<string, string>) => {
      mkdirSync(join(dir, controller, 'c'), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, controller, 'c', name), text);
    };
    mk('cpuacct', { 'cpuacct.usage_percpu': 'oops\n' });
    mk('memory', { 'memory.numa_stat': 'file=1 N0=1\n' });
    mk('cpuset', { 'cpuset.memory_migrate': '1\n' });
    const fake: CgroupLayout = {
      mode: 'v1',
      v1: new Map(['cpuacct', 'memory', 'cpuset'].map((c) => [c, join(dir, c)])),
    };
    const failures: FileFailure[] = [];
    const out = readOptInFiles(fake, '/c', new FileReader(), ALL, failures);
    expect(out).toEqual({ numa: { container: { file: new Map([[0, 1]]) }, hierarchy: {} }, memoryMigrate: 1 });
    expect(failures.map((f) => f.path)).toEqual([join(dir, 'cpuacct', 'c', 'cpuacct.usage_percpu')]);
    execFileSync('rm', ['-rf', dir]);
  });
});

describe('readOptInFiles on cgroup v2', () => {
  it('the synthetic v2 root: numa in pages, no per-CPU or cpuset file on v2', () => {
    const reader = new FileReader();
    const layout = detectCgroupLayout({ procRoot: 'test/fixtures/cgroup-v2/proc', sysRoot: 'test/fixtures/cgroup-v2/sys' }, reader);
    const out = readOptInFiles(layout, '/', reader, ALL, []);
    // The fixture's numa_stat has no unevictable line.
    expect(out).toEqual({ numa: { hierarchy: { anon: new Map([[0, 372044]]), file: new Map([[0, 947075]]) } } });
  });

  const root = process.getuid?.() === 0;
  it.skipIf(!root)(`a real cgroup2 mount of this kernel: PSI averages in every cgroup, no opt-in file where no controller is enabled${root ? '' : ' (skipped: needs root to mount cgroup2)'}`, () => {
    const mnt = mkdtempSync(join(tmpdir(), 'podpulse-cg2-'));
    execFileSync('mount', ['-t', 'cgroup2', 'none', mnt]);
    const child = join(mnt, `podpulse-optin-test-${process.pid}`);
    try {
      mkdirSync(child);
      const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: mnt };
      const path = `/podpulse-optin-test-${process.pid}`;
      const read = readCgroup(layout, path, new FileReader(), { optIn: ALL });
      expect(read.failures).toEqual([]);
      const cpu = read.stats.pressure?.cpu;
      expect(cpu?.someAvg).toEqual({ avg10: expect.any(Number), avg60: expect.any(Number), avg300: expect.any(Number) });
      // No memory/hugetlb controller enabled for it (on this hybrid host they live in v1 or stay off): absent, not 0.
      const controllers = readFileSync(join(child, 'cgroup.controllers'), 'utf8').split(/\s+/);
      if (!controllers.includes('hugetlb') && !controllers.includes('memory')) expect(read.stats.optIn).toBeUndefined();
    } finally {
      rmdirSync(child);
      execFileSync('umount', [mnt]);
      rmdirSync(mnt);
    }
  });
});

describe('page size for v2 numa_stat', () => {
  it('AT_PAGESZ from an auxv image, and from this process', async () => {
    const { parseAuxvPageSize, readPageSize } = await import('../../src/procfs/auxv.js');
    const image = (pairs: [number, number][]) => {
      const b = Buffer.alloc(pairs.length * 16);
      pairs.forEach(([t, v], i) => {
        b.writeBigUInt64LE(BigInt(t), i * 16);
        b.writeBigUInt64LE(BigInt(v), i * 16 + 8);
      });
      return b;
    };
    expect(parseAuxvPageSize(image([[33, 1], [6, 65536], [0, 0]]), true)).toBe(65536);
    expect(parseAuxvPageSize(image([[33, 1], [0, 0], [6, 4096]]), true)).toBeUndefined();
    expect(parseAuxvPageSize(image([[6, 12345]]), true)).toBeUndefined();
    // This kernel: the same value `getconf PAGESIZE` prints.
    expect(readPageSize('/proc')).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()));
    expect(readPageSize('/nonexistent')).toBeUndefined();
  });
});
