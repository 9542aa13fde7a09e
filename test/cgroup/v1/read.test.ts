import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, GoneError, ParseError } from '../../../src/errors.js';
import { FileReader } from '../../../src/fs/file-reader.js';
import type { CgroupLayout } from '../../../src/cgroup/layout.js';
import { cgroupStartTime, readCgroup } from '../../../src/cgroup/read.js';
import { readCgroupStats } from '../../helpers/cgroup-stats.js';
import { readCgroupV1 } from '../../../src/cgroup/v1/read.js';
import { removeTree, writeTree, type Tree } from '../../helpers/tmp-tree.js';
import { placeSymlinkLoop } from '../../fs/hostile-files.js';
import { RecordingReader } from '../recording-reader.js';


const CID = '/kubepods/burstable/pod1234/abcd';

function cpuacct(o: Tree = {}): Tree {
  return {
    'cpuacct.usage': '6387143214\n',
    'cpuacct.stat': 'user 500\nsystem 120\n',
    'cpuacct.usage_percpu': '3000000000 3387143214 \n',
    'cgroup.procs': '100\n',
    ...o,
  };
}

function cpu(o: Tree = {}): Tree {
  return {
    'cpu.stat': 'nr_periods 128\nnr_throttled 126\nthrottled_time 6188467083\nnr_bursts 7\nburst_time 35000000\n',
    'cpu.cfs_quota_us': '50000\n',
    'cpu.cfs_period_us': '100000\n',
    'cpu.shares': '512\n',
    'cgroup.procs': '100\n101\n101\n',
    ...o,
  };
}

function memory(o: Tree = {}): Tree {
  return {
    'memory.usage_in_bytes': '74657792\n',
    'memory.limit_in_bytes': '268435456\n',
    'memory.max_usage_in_bytes': '80195584\n',
    'memory.failcnt': '3\n',
    'memory.use_hierarchy': '1\n',
    'memory.stat':
      'cache 100\nrss 200\nmapped_file 300\nswap 400\ninactive_file 500\nactive_file 600\npgfault 700\npgmajfault 8\n' +
      'total_cache 20979712\ntotal_rss 52658176\ntotal_mapped_file 4096\ntotal_swap 0\n' +
      'total_inactive_file 8192\ntotal_active_file 12288\ntotal_pgfault 9999\ntotal_pgmajfault 99\n',
    'memory.memsw.limit_in_bytes': '9223372036854771712\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    'memory.soft_limit_in_bytes': '134217728\n',
    'memory.kmem.usage_in_bytes': '1228800\n',
    'cgroup.procs': '100\n',
    ...o,
  };
}

const pids = (o: Tree = {}): Tree => ({ 'pids.current': '3\n', 'pids.max': 'max\n', 'cgroup.procs': '100\n', ...o });

function blkio(o: Tree = {}): Tree {
  return {
    'blkio.throttle.io_service_bytes_recursive': '254:0 Read 109051904\n254:0 Write 8392704\n254:0 Total 117444608\n8:0 Read 512\n8:0 Total 512\nTotal 117445120\n',
    'blkio.throttle.io_serviced_recursive': '254:0 Read 832\n254:0 Write 64\n254:0 Total 896\n8:0 Read 1\n8:0 Total 1\nTotal 897\n',
    'blkio.throttle.io_service_bytes': '254:0 Read 1\n254:0 Write 1\nTotal 2\n',
    'blkio.throttle.io_serviced': '254:0 Read 1\n254:0 Write 1\nTotal 2\n',
    'cgroup.procs': '100\n',
    ...o,
  };
}

const PSI = (some: number, full: number) =>
  `some avg10=1.00 avg60=0.50 avg300=0.10 total=${some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${full}\n`;

/** A hybrid host like this machine: one mount per v1 controller, cgroup2 at unified/. */
function hybridTree(container: { cpuacct?: Tree; cpu?: Tree; memory?: Tree; pids?: Tree; blkio?: Tree; unified?: Tree } = {}): Tree {
  return {
    cpuacct: { ...cpuacct(), kubepods: { burstable: { pod1234: { abcd: container.cpuacct ?? cpuacct() } } } },
    cpu: { ...cpu(), kubepods: { burstable: { pod1234: { abcd: container.cpu ?? cpu() } } } },
    memory: { ...memory(), kubepods: { burstable: { pod1234: { abcd: container.memory ?? memory() } } } },
    pids: { 'cgroup.procs': '1\n', kubepods: { burstable: { pod1234: { abcd: container.pids ?? pids() } } } },
    blkio: { ...blkio(), kubepods: { burstable: { pod1234: { abcd: container.blkio ?? blkio() } } } },
    unified: {
      'cpu.stat': 'usage_usec 999999999\nuser_usec 1\nsystem_usec 1\n',
      'cpu.pressure': PSI(1000, 0),
      kubepods: {
        burstable: {
          pod1234: {
            abcd: container.unified ?? {
              'cpu.stat': 'usage_usec 999999999\nuser_usec 1\nsystem_usec 1\n',
              'cgroup.procs': '100\n',
              'cpu.pressure': PSI(2500000, 1250000),
              'memory.pressure': PSI(0, 0),
              'io.pressure': PSI(40, 30),
            },
          },
        },
      },
    },
  };
}

function hybridLayout(root: string): CgroupLayout {
  const v1 = new Map(['cpuacct', 'cpu', 'memory', 'pids', 'blkio'].map((c) => [c, join(root, c)]));
  v1.set('name=systemd', join(root, 'systemd'));
  return { mode: 'hybrid', v1, unified: join(root, 'unified') };
}

const v1Only = (layout: CgroupLayout): CgroupLayout => ({ mode: 'v1', v1: layout.v1 });

describe('readCgroupV1 / readCgroupStats on v1 temp trees', () => {
  const reader = new FileReader();
  let root = '';
  afterEach(() => removeTree(root));

  it('reads a container on a hybrid host (cpu and cpuacct apart), PSI from the unified mount only', () => {
    root = writeTree(hybridTree());
    const disks = new Map([['254:0', '/dev/vda']]);
    const s = readCgroupStats(hybridLayout(root), CID, reader, {
      deviceName: (major, minor) => disks.get(`${major}:${minor}`),
    });
    expect(s).toEqual({
      cpu: {
        usageSeconds: 6.387143214,
        userSeconds: 5,
        systemSeconds: 1.2,
        periods: 128,
        throttledPeriods: 126,
        throttledSeconds: 6.188467083,
        burstPeriods: 7,
        burstSeconds: 0.035,
      },
      cpuSpec: { quotaUs: 50000, periodUs: 100000, shares: 512 },
      memory: {
        usageBytes: 74657792,
        workingSetBytes: 74657792 - 8192,
        rssBytes: 52658176,
        cacheBytes: 20979712,
        swapBytes: 0,
        mappedFileBytes: 4096,
        maxUsageBytes: 80195584,
        failcnt: 3,
        limitBytes: 268435456,
        swapLimitBytes: null,
        reservationLimitBytes: 134217728,
        kernelUsageBytes: 1228800,
        oomKills: 1,
        activeFileBytes: 12288,
        inactiveFileBytes: 8192,
        pageFaults: 700,
        majorPageFaults: 8,
      },
      io: [
        { major: 8, minor: 0, device: '8:0', readBytes: 512, reads: 1, opBytes: { Read: 512, Total: 512 } },
        {
          major: 254,
          minor: 0,
          device: '/dev/vda',
          readBytes: 109051904,
          writeBytes: 8392704,
          reads: 832,
          writes: 64,
          opBytes: { Read: 109051904, Write: 8392704, Total: 117444608 },
        },
      ],
      pids: { current: 3, max: null },
      pressure: {
        cpu: { someSeconds: 2.5, fullSeconds: 1.25 },
        memory: { someSeconds: 0, fullSeconds: 0 },
        io: { someSeconds: 0.00004, fullSeconds: 0.00003 },
      },
      // cgroup.procs of the cpu hierarchy, duplicates counted once.
      processes: 2,
    });
  });

  it('v1 mode reads no PSI; USER_HZ is configurable', () => {
    root = writeTree(hybridTree());
    const s = readCgroupStats(v1Only(hybridLayout(root)), CID, reader, { userHz: 250 });
    expect(s.pressure).toBeUndefined();
    expect(s.cpu?.userSeconds).toBe(2);
    expect(s.cpu?.systemSeconds).toBe(0.48);
  });

  it('joined cpu,cpuacct mount: both controllers from one directory', () => {
    root = writeTree({ 'cpu,cpuacct': { x: { ...cpu(), ...cpuacct(), 'cgroup.procs': '5\n6\n' } } });
    const dir = join(root, 'cpu,cpuacct');
    const layout: CgroupLayout = { mode: 'v1', v1: new Map([['cpu', dir], ['cpuacct', dir]]) };
    const s = readCgroupV1(layout, '/x', reader).stats;
    expect(s.cpu?.usageSeconds).toBe(6.387143214);
    expect(s.cpu?.periods).toBe(128);
    expect(s.processes).toBe(2);
    expect(s.memory).toBeUndefined();
    expect(s.io).toBeUndefined();
  });

  it('root cgroup: no pids files; no memsw file (no swap accounting) reads as no swap limit; limits read as unlimited', () => {
    const rootMemory = memory({ 'memory.limit_in_bytes': '9223372036854771712\n' });
    delete rootMemory['memory.memsw.limit_in_bytes'];
    root = writeTree({ ...hybridTree(), memory: rootMemory });
    const s = readCgroupStats(hybridLayout(root), '/', reader);
    expect(s.pids).toBeUndefined();
    expect(s.memory?.limitBytes).toBeNull();
    expect(s.memory?.swapLimitBytes).toBeNull();
    expect(s.cpuSpec?.quotaUs).toBe(50000);
    expect(s.pressure).toEqual({ cpu: { someSeconds: 0.001, fullSeconds: 0 } });
  });

  it('use_hierarchy=0 selects the plain memory.stat keys; working set still uses total_inactive_file', () => {
    root = writeTree(hybridTree({ memory: memory({ 'memory.use_hierarchy': '0\n' }) }));
    const m = readCgroupStats(hybridLayout(root), CID, reader).memory!;
    expect([m.rssBytes, m.cacheBytes, m.swapBytes, m.mappedFileBytes]).toEqual([200, 100, 400, 300]);
    expect(m.workingSetBytes).toBe(74657792 - 8192);
  });

  it('working set clamps at 0 (v1 usage_in_bytes is approximate and can fall below total_inactive_file)', () => {
    root = writeTree(hybridTree({ memory: memory({ 'memory.usage_in_bytes': '4096\n' }) }));
    expect(readCgroupStats(hybridLayout(root), CID, reader).memory?.workingSetBytes).toBe(0);
  });

  it('falls back to the non-recursive blkio files; "Total 0" gives an empty device list', () => {
    const plainOnly = blkio();
    delete plainOnly['blkio.throttle.io_service_bytes_recursive'];
    delete plainOnly['blkio.throttle.io_serviced_recursive'];
    root = writeTree(hybridTree({ blkio: plainOnly }));
    expect(readCgroupStats(hybridLayout(root), CID, reader).io).toEqual([
      { major: 254, minor: 0, device: '254:0', readBytes: 1, writeBytes: 1, reads: 1, writes: 1, opBytes: { Read: 1, Write: 1 } },
    ]);
    removeTree(root);
    root = writeTree(
      hybridTree({
        blkio: blkio({ 'blkio.throttle.io_service_bytes_recursive': 'Total 0\n', 'blkio.throttle.io_serviced_recursive': 'Total 0\n' }),
      }),
    );
    expect(readCgroupStats(hybridLayout(root), CID, reader).io).toEqual([]);
  });

  it('keeps nanosecond counters exact past 2^53', () => {
    root = writeTree(hybridTree({ cpuacct: cpuacct({ 'cpuacct.usage': '9007199254740993\n' }) }));
    // Correctly rounded 9007199.254740993 s; Number(9007199254740993)/1e9 would already be off.
    expect(readCgroupStats(hybridLayout(root), CID, reader).cpu?.usageSeconds).toBe(9007199.254740993);
  });

  it('a vanished container → GoneError from the first file', () => {
    root = writeTree(hybridTree());
    expect(() => readCgroupStats(hybridLayout(root), '/kubepods/burstable/pod1234/gone', reader)).toThrow(GoneError);
  });

  it('a hierarchy removed mid-read (runc rmdirs them one by one) → GoneError, even if only optional files were missed', () => {
    root = writeTree(hybridTree());
    const pidsDir = join(root, 'pids', CID);
    class RemovingReader extends FileReader {
      override read(path: string): string {
        const text = super.read(path);
        if (path.endsWith('cpuacct.usage')) rmSync(pidsDir, { recursive: true });
        return text;
      }
    }
    expect(() => readCgroupStats(hybridLayout(root), CID, new RemovingReader())).toThrow(GoneError);
  });

  it('missing PSI in the unified mount leaves pressure undefined', () => {
    root = writeTree(hybridTree({ unified: {} }));
    expect(readCgroupStats(hybridLayout(root), CID, reader).pressure).toBeUndefined();
  });

  it('a malformed file loses only its own values; the ParseError naming it is in failures', () => {
    root = writeTree(hybridTree());
    const good = readCgroup(hybridLayout(root), CID, reader).stats;
    writeFileSync(join(root, 'memory', CID, 'memory.stat'), 'total_rss twelve\n');
    const { stats, failures } = readCgroup(hybridLayout(root), CID, reader);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.path).toBe(join(root, 'memory', CID, 'memory.stat'));
    expect(failures[0]!.error).toBeInstanceOf(ParseError);
    expect(String(failures[0]!.error)).toMatch(/memory\.stat: /);
    // Everything memory.stat gives is absent (the working set too: it needs inactive_file), never 0 or a guess.
    expect(stats.memory).toEqual({
      usageBytes: 74657792,
      maxUsageBytes: 80195584,
      failcnt: 3,
      limitBytes: 268435456,
      swapLimitBytes: null,
      reservationLimitBytes: 134217728,
      kernelUsageBytes: 1228800,
      oomKills: 1,
    });
    expect({ ...stats, memory: undefined }).toEqual({ ...good, memory: undefined });
  });
});

describe('v1 cgroup directories that cannot be checked', () => {
  const reader = new FileReader();
  let root = '';
  afterEach(() => removeTree(root));

  it('a hierarchy whose cgroup dir is a symlink loop is skipped and listed; the others are read', () => {
    root = writeTree(hybridTree());
    const looped = join(root, 'blkio', CID);
    placeSymlinkLoop(looped);
    const { stats, failures } = readCgroup(hybridLayout(root), CID, reader);
    expect(failures.map((f) => [f.path, (f.error as AgentError).code])).toEqual([[looped, 'READ']]);
    expect(stats.io).toBeUndefined();
    expect(stats.memory?.usageBytes).toBe(74657792);
  });

  it('in no hierarchy because none could be checked: that error, not GoneError', () => {
    root = writeTree({ memory: { kubepods: {} } });
    placeSymlinkLoop(join(root, 'memory', 'kubepods', 'x'));
    const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', join(root, 'memory')]]) };
    expect(() => readCgroup(layout, '/kubepods/x', reader)).toThrow(expect.objectContaining({ code: 'READ' }));
    expect(() => readCgroup(layout, '/kubepods/none', reader)).toThrow(GoneError);
  });
});

describe('cgroupStartTime', () => {
  let root = '';
  afterEach(() => removeTree(root));

  it('takes the earliest mtime over every hierarchy dir and its cgroup.clone_children / cgroup.events', () => {
    root = writeTree(hybridTree());
    const layout = hybridLayout(root);
    const dirs = ['cpuacct', 'cpu', 'memory', 'pids', 'blkio', 'unified'].map((h) => join(root, h, CID));
    for (const d of dirs) utimesSync(d, 2_000_000_000, 2_000_000_000);
    utimesSync(dirs[2]!, 1_900_000_000, 1_900_000_123.5);
    expect(cgroupStartTime(layout, CID)).toBe(1_900_000_123.5);

    // The dir's mtime moves when a child is created; the marker file keeps the creation time.
    const marker = join(dirs[1]!, 'cgroup.clone_children');
    writeFileSync(marker, '0\n');
    utimesSync(dirs[1]!, 2_000_000_000, 2_000_000_000);
    utimesSync(marker, 1_800_000_000, 1_800_000_000);
    expect(cgroupStartTime(layout, CID)).toBe(1_800_000_000);
  });

  it('undefined when the cgroup exists nowhere', () => {
    root = writeTree(hybridTree());
    expect(cgroupStartTime(hybridLayout(root), '/kubepods/none')).toBeUndefined();
  });
});

describe('cgroups present in only some v1 hierarchies', () => {
  const reader = new FileReader();
  let root = '';
  afterEach(() => removeTree(root));

  it('reads what exists (a memory-only cgroup has memory stats and no cpu)', () => {
    root = writeTree({ memory: { ...memory(), supervisor: { job1: memory() } }, cpu: cpu(), cpuacct: cpuacct(), pids: {}, blkio: {} });
    const stats = readCgroupStats(v1Only(hybridLayout(root)), '/supervisor/job1', reader);
    expect(stats.memory?.usageBytes).toBe(74657792);
    expect(stats.cpu).toBeUndefined();
    expect(stats.cpuSpec).toBeUndefined();
    expect(stats.processes).toBe(1);
  });

  it('in none of the controllers read: processes from the first hierarchy', () => {
    root = writeTree({ cpuset: { job: { 'cgroup.procs': '7\n8\n' } }, memory: memory(), pids: {} });
    const layout: CgroupLayout = {
      mode: 'v1',
      v1: new Map([
        ['cpuset', join(root, 'cpuset')],
        ['memory', join(root, 'memory')],
        ['pids', join(root, 'pids')],
      ]),
    };
    const first = readCgroup(layout, '/job', reader);
    expect(first.stats).toEqual({ processes: 2 });
    expect(first.limits.v1Hierarchies).toEqual(new Set([join(root, 'cpuset')]));
    expect(readCgroup(layout, '/job', reader, { limits: first.limits }).stats).toEqual({ processes: 2 });
  });

  it('is GoneError when the cgroup exists in no hierarchy', () => {
    root = writeTree({ memory: memory(), cpu: cpu(), cpuacct: cpuacct(), pids: {}, blkio: {} });
    expect(() => readCgroupStats(v1Only(hybridLayout(root)), '/nowhere', reader)).toThrow(GoneError);
  });
});

describe('CgroupLimits (limits, shares, hierarchies) passed back from an earlier read', () => {
  let root = '';
  afterEach(() => removeTree(root));
  const at = (hierarchy: string, file: string): string => join(hierarchy, CID, file);

  it('a read with the limits opens only the files that change, and returns the same stats', () => {
    root = writeTree(hybridTree());
    const layout = hybridLayout(root);
    const reader = new RecordingReader();
    const first = readCgroup(layout, CID, reader);
    const firstFiles = reader.take(root);
    expect(first.limits).toEqual({
      v1Hierarchies: new Set(['cpuacct', 'cpu', 'memory', 'pids', 'blkio'].map((h) => join(root, h))),
      cpu: { quotaUs: 50000, periodUs: 100000, shares: 512 },
      memoryLimitBytes: 268435456,
      swapLimitBytes: null,
      reservationLimitBytes: 134217728,
      memoryHierarchical: true,
      pidsMax: null,
      pressure: true,
    });

    const second = readCgroup(layout, CID, reader, { limits: first.limits });
    expect(second.stats).toEqual(first.stats);
    expect(second.limits).toBe(first.limits);
    const steady = [
      at('cpuacct', 'cpuacct.usage'),
      at('cpuacct', 'cpuacct.stat'),
      at('cpu', 'cpu.stat'),
      at('memory', 'memory.usage_in_bytes'),
      at('memory', 'memory.stat'),
      at('memory', 'memory.max_usage_in_bytes'),
      at('memory', 'memory.failcnt'),
      at('memory', 'memory.kmem.usage_in_bytes'),
      // container_oom_events_total: the kernel's count of OOM kills in this cgroup.
      at('memory', 'memory.oom_control'),
      at('pids', 'pids.current'),
      at('blkio', 'blkio.throttle.io_service_bytes_recursive'),
      at('blkio', 'blkio.throttle.io_serviced_recursive'),
      at('cpu', 'cgroup.procs'),
      at('unified', 'cpu.pressure'),
      at('unified', 'memory.pressure'),
      at('unified', 'io.pressure'),
    ];
    expect(reader.take(root)).toEqual(steady);
    expect(firstFiles.filter((f) => !steady.includes(f)).sort()).toEqual(
      [
        at('cpu', 'cpu.cfs_quota_us'),
        at('cpu', 'cpu.cfs_period_us'),
        at('cpu', 'cpu.shares'),
        at('memory', 'memory.limit_in_bytes'),
        at('memory', 'memory.memsw.limit_in_bytes'),
        at('memory', 'memory.soft_limit_in_bytes'),
        at('memory', 'memory.use_hierarchy'),
        at('pids', 'pids.max'),
      ].sort(),
    );
  });

  it('takes the values from the limits, not from the files, until it is read again', () => {
    root = writeTree(hybridTree());
    const layout = hybridLayout(root);
    const reader = new FileReader();
    const { limits } = readCgroup(layout, CID, reader);
    const write = (hierarchy: string, file: string, text: string) => writeFileSync(join(root, hierarchy, CID, file), text);
    write('cpu', 'cpu.cfs_quota_us', '20000\n');
    write('cpu', 'cpu.shares', '2\n');
    write('memory', 'memory.limit_in_bytes', '1073741824\n');
    write('memory', 'memory.use_hierarchy', '0\n');
    write('pids', 'pids.max', '50\n');

    const cached = readCgroup(layout, CID, reader, { limits }).stats;
    expect(cached.cpuSpec).toEqual({ quotaUs: 50000, periodUs: 100000, shares: 512 });
    expect(cached.memory?.limitBytes).toBe(268435456);
    expect(cached.memory?.rssBytes).toBe(52658176); // total_rss: hierarchical, as in the limits
    expect(cached.pids?.max).toBeNull();

    const fresh = readCgroup(layout, CID, reader);
    expect(fresh.stats.cpuSpec).toEqual({ quotaUs: 20000, periodUs: 100000, shares: 2 });
    expect(fresh.stats.memory?.limitBytes).toBe(1073741824);
    expect(fresh.stats.memory?.rssBytes).toBe(200); // plain rss
    expect(fresh.stats.pids?.max).toBe(50);
  });

  it('absent stays absent: the root has no pids.max, with or without its limits; a missing memsw file is no swap limit', () => {
    const rootMemory = memory();
    delete rootMemory['memory.memsw.limit_in_bytes'];
    root = writeTree({ ...hybridTree(), memory: rootMemory });
    const layout = hybridLayout(root);
    const reader = new FileReader();
    const first = readCgroup(layout, '/', reader);
    expect(first.limits).not.toHaveProperty('pidsMax');
    expect(first.limits.swapLimitBytes).toBeNull();
    const second = readCgroup(layout, '/', reader, { limits: first.limits });
    expect(second.stats).toEqual(first.stats);
    expect(second.stats.pids).toBeUndefined();
    expect(second.stats.memory?.swapLimitBytes).toBeNull();
  });

  it('without a CFS quota cpu.stat is not read: no periods or throttling (no metric reports them then)', () => {
    root = writeTree(hybridTree({ cpu: cpu({ 'cpu.cfs_quota_us': '-1\n' }) }));
    const layout = hybridLayout(root);
    const reader = new RecordingReader();
    const first = readCgroup(layout, CID, reader);
    expect(first.stats.cpuSpec).toEqual({ quotaUs: null, periodUs: 100000, shares: 512 });
    expect(first.stats.cpu).toEqual({ usageSeconds: 6.387143214, userSeconds: 5, systemSeconds: 1.2 });
    expect(readCgroup(layout, CID, reader, { limits: first.limits }).stats).toEqual(first.stats);
    expect(reader.take(root)).not.toContain(at('cpu', 'cpu.stat'));
  });

  it('with its hierarchies known, only those are read; a cgroup missing from one of them is gone', () => {
    root = writeTree({ memory: { ...memory(), supervisor: { job1: memory() } }, cpu: cpu(), cpuacct: cpuacct(), pids: {}, blkio: {} });
    const memoryOnly = v1Only(hybridLayout(root));
    const reader = new RecordingReader();
    const first = readCgroup(memoryOnly, '/supervisor/job1', reader);
    expect(first.limits.v1Hierarchies).toEqual(new Set([join(root, 'memory')]));
    reader.take(root);
    expect(readCgroup(memoryOnly, '/supervisor/job1', reader, { limits: first.limits }).stats).toEqual(first.stats);
    expect(reader.take(root).every((f) => f.startsWith('memory/supervisor/job1/'))).toBe(true);

    removeTree(root);
    root = writeTree(hybridTree());
    const layout = hybridLayout(root);
    const { limits } = readCgroup(layout, CID, reader);
    rmSync(join(root, 'pids', CID), { recursive: true });
    expect(() => readCgroup(layout, CID, reader, { limits })).toThrow(GoneError);
  });

  it('with the limits, a hierarchy removed mid-read is still GoneError', () => {
    root = writeTree(hybridTree());
    const layout = hybridLayout(root);
    const { limits } = readCgroup(layout, CID, new FileReader());
    const blkioDir = join(root, 'blkio', CID);
    class RemovingReader extends FileReader {
      override read(path: string): string {
        const text = super.read(path);
        if (path.endsWith('cpuacct.usage')) rmSync(blkioDir, { recursive: true });
        return text;
      }
    }
    expect(() => readCgroup(layout, CID, new RemovingReader(), { limits })).toThrow(GoneError);
  });

  it('a cgroup without *.pressure files: limits.pressure is false and PSI is not opened again', () => {
    root = writeTree(hybridTree({ unified: {} }));
    const layout = hybridLayout(root);
    const reader = new RecordingReader();
    const first = readCgroup(layout, CID, reader);
    expect(first.limits.pressure).toBe(false);
    expect(reader.take(root).filter((f) => f.startsWith('unified/'))).toHaveLength(3);
    expect(readCgroup(layout, CID, reader, { limits: first.limits }).stats).toEqual(first.stats);
    expect(reader.take(root).filter((f) => f.startsWith('unified/'))).toEqual([]);
    // Only a hybrid or v2 read looks for PSI at all.
    expect(readCgroup(v1Only(layout), CID, reader).limits).not.toHaveProperty('pressure');
  });
});
