import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CycleReader, type CycleReaderDeps } from '../../src/collection/cycle-reader.js';
import { READ_ALL, READ_DEFAULT, type ReadPlan } from '../../src/collection/read-plan.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { readPlanFor } from '../../src/metrics/read-plan.js';
import { rawIdentity, type Target } from '../../src/discovery/target.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { catalog } from '../../src/metrics/catalog.js';
import { RecordingReader } from '../cgroup/recording-reader.js';
import { placeFifo, placeFileForDir, placeSymlinkLoop } from '../fs/hostile-files.js';
import { removeTree, writeTree, writeTreeAt, type Tree } from '../helpers/tmp-tree.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const SPEC_FILES = ['cpu.max', 'cpu.weight', 'memory.max', 'memory.swap.max', 'pids.max'];

/** A cgroup2 leaf with every controller enabled. */
function leaf(memoryMax: string): Tree {
  return {
    'cgroup.procs': '10\n',
    'cpu.stat': 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n',
    'cpu.max': '25000 100000\n',
    'cpu.weight': '100\n',
    'memory.current': '1048576\n',
    'memory.max': memoryMax,
    'memory.stat': 'anon 524288\nfile 409600\ninactive_file 401408\n',
    'memory.swap.max': '0\n',
    'pids.current': '2\n',
    'pids.max': '100\n',
  };
}

describe('CycleReader: the limits of each cgroup are cached', () => {
  let root = '';
  afterEach(() => removeTree(root));

  /** A collector over a v2 tree under `root`, with a clock and a target list the test moves. */
  function setup(extra: Partial<CycleReaderDeps> = {}) {
    root = writeTree({ cg: { a: leaf('2097152\n'), b: leaf('4194304\n') } });
    const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: join(root, 'cg') };
    const reader = new RecordingReader();
    const clock = { ms: 1_000_000 };
    const listed: Target[] = ['/a', '/b'].map((p) => ({ cgroupPath: p, identity: rawIdentity(p) }));
    const collector = new CycleReader({
      layout,
      reader,
      // Nothing under these: machine facts and diskstats fail quietly (counted as proc source errors).
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [...listed], truncated: false }) },
      stats: new SelfStats(),
      log: pino({ level: 'silent' }),
      now: () => clock.ms,
      ...extra,
    });
    /** One cycle: memory limit per cgroup, and the limit files it opened, per cgroup. */
    const cycle = async (): Promise<{ limits: Record<string, number | null | undefined>; specReads: Record<string, string[]> }> => {
      const snap = await collector.collect();
      const limits = Object.fromEntries(snap.containers.map((c) => [c.identity.id, c.cgroup?.memory?.limitBytes]));
      const specReads: Record<string, string[]> = {};
      for (const f of reader.take(join(root, 'cg'))) {
        const [dir, file] = f.split('/');
        if (dir !== undefined && file !== undefined && SPEC_FILES.includes(file)) (specReads[`/${dir}`] ??= []).push(file);
      }
      return { limits, specReads };
    };
    const write = (cgroup: string, file: string, text: string) => writeFileSync(join(root, 'cg', cgroup, file), text);
    return { clock, listed, cycle, write };
  }

  it('reads the limit files on the first cycle, then again only once they are 60 s old', async () => {
    const { clock, cycle, write } = setup();
    const first = await cycle();
    expect(first.limits).toEqual({ '/a': 2097152, '/b': 4194304 });
    expect(first.specReads).toEqual({ '/a': SPEC_FILES, '/b': SPEC_FILES });

    write('a', 'memory.max', '8388608\n');
    clock.ms += 10_000;
    expect(await cycle()).toEqual({ limits: { '/a': 2097152, '/b': 4194304 }, specReads: {} });
    clock.ms += 49_999;
    expect((await cycle()).specReads).toEqual({});

    clock.ms += 1;
    expect(await cycle()).toEqual({ limits: { '/a': 8388608, '/b': 4194304 }, specReads: { '/a': SPEC_FILES, '/b': SPEC_FILES } });
  });

  it('re-reads the limits when the clock stepped back', async () => {
    const { clock, cycle } = setup();
    await cycle();
    clock.ms += 10_000;
    expect((await cycle()).specReads).toEqual({});
    clock.ms -= 3_600_000;
    expect(Object.keys((await cycle()).specReads)).toEqual(['/a', '/b']);
    clock.ms += 10_000;
    expect((await cycle()).specReads).toEqual({});
  });

  it('honours limitsRefreshMs', async () => {
    const { clock, cycle } = setup({ limitsRefreshMs: 5_000 });
    await cycle();
    clock.ms += 4_999;
    expect((await cycle()).specReads).toEqual({});
    clock.ms += 1;
    expect(Object.keys((await cycle()).specReads)).toEqual(['/a', '/b']);
  });

  it('forgets the limits of a cgroup that is no longer listed, or that vanished', async () => {
    const { clock, listed, cycle, write } = setup();
    await cycle();

    // /b leaves the list for a cycle: when it is back, its limits are read afresh.
    const b = listed.splice(1, 1)[0]!;
    clock.ms += 10_000;
    expect(await cycle()).toEqual({ limits: { '/a': 2097152 }, specReads: {} });
    write('b', 'memory.max', 'max\n');
    listed.push(b);
    clock.ms += 10_000;
    expect(await cycle()).toEqual({ limits: { '/a': 2097152, '/b': null }, specReads: { '/b': SPEC_FILES } });

    // /a is removed and created again with another limit (same path): the new limit shows at once.
    rmSync(join(root, 'cg', 'a'), { recursive: true });
    clock.ms += 10_000;
    expect((await cycle()).limits).toEqual({ '/b': null });
    mkdirSync(join(root, 'cg', 'a'));
    writeTreeAt(join(root, 'cg', 'a'), leaf('16777216\n'));
    clock.ms += 10_000;
    expect(await cycle()).toEqual({ limits: { '/a': 16777216, '/b': null }, specReads: { '/a': SPEC_FILES } });
  });
});

/** A v1 memory-hierarchy cgroup with the files the reader opens. */
function v1MemoryLeaf(o: Tree = {}): Tree {
  return {
    'cgroup.procs': '10\n',
    'memory.usage_in_bytes': '1048576\n',
    'memory.limit_in_bytes': '2097152\n',
    'memory.max_usage_in_bytes': '1572864\n',
    'memory.failcnt': '0\n',
    'memory.use_hierarchy': '1\n',
    'memory.stat': 'total_rss 524288\ntotal_cache 409600\ntotal_inactive_file 401408\n',
    ...o,
  };
}

const sourceErrorPoints = (stats: SelfStats) => {
  const spec = catalog.find((m) => m.name === 'podpulse_source_errors_total');
  if (spec?.entity !== 'agent') throw new Error('no podpulse_source_errors_total agent metric');
  return spec.points(stats);
};

describe('CycleReader: one bad cgroup or file never blacks out the cycle', () => {
  let root = '';
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    removeTree(root);
  });

  /** CycleReader over `layout` listing `paths`, with a clock the test moves and warn lines captured. */
  function collectorOver(layout: CgroupLayout, paths: string[]) {
    const clock = { ms: 1_000_000 };
    const warnings: Record<string, unknown>[] = [];
    const stats = new SelfStats();
    const collector = new CycleReader({
      layout,
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: paths.map((p) => ({ cgroupPath: p, identity: rawIdentity(p) })), truncated: false }) },
      stats,
      log: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) }),
      now: () => clock.ms,
    });
    return { collector, stats, clock, warnings };
  }

  it('a cgroup whose start-time stat fails with ELOOP or ENOTDIR loses only that candidate; all cgroups are reported', async () => {
    root = writeTree({ memory: { a: v1MemoryLeaf(), b: v1MemoryLeaf(), c: v1MemoryLeaf() }, systemd: { a: {}, c: {} } });
    placeSymlinkLoop(join(root, 'systemd', 'a', 'cgroup.clone_children')); // ELOOP
    placeFileForDir(join(root, 'systemd', 'b')); // systemd/b/cgroup.clone_children: ENOTDIR
    const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', join(root, 'memory')], ['name=systemd', join(root, 'systemd')]]) };
    const { collector, stats } = collectorOver(layout, ['/a', '/b', '/c']);

    const snap = await collector.collect();
    expect(snap.containers.map((c) => c.identity.id)).toEqual(['/a', '/b', '/c']);
    for (const c of snap.containers) {
      expect(c.cgroup?.memory?.usageBytes).toBe(1048576);
      // The memory hierarchy's candidates still give a start time.
      expect(c.startTimeSeconds).toBeGreaterThan(0);
    }
    expect(stats.sourceErrors.cgroup).toMatchObject({ READ: 2 });
    // Start times are kept once known: the failing stats are not retried (or recounted) every cycle.
    await collector.collect();
    expect(stats.sourceErrors.cgroup).toMatchObject({ READ: 2 });
  });

  it('a malformed file loses only its values; counted per failure by (source, code), logged once per few minutes', async () => {
    root = writeTree({ cg: { a: leaf('2097152\n'), b: leaf('4194304\n'), ok: leaf('1\n') } });
    for (const cg of ['a', 'b']) writeFileSync(join(root, 'cg', cg, 'memory.stat'), 'anon twelve\n');
    const { collector, stats, clock, warnings } = collectorOver({ mode: 'v2', v1: new Map(), unified: join(root, 'cg') }, ['/a', '/b', '/ok']);

    const snap = await collector.collect();
    const byId = new Map(snap.containers.map((c) => [c.identity.id, c.cgroup]));
    expect([...byId.keys()]).toEqual(['/a', '/b', '/ok']);
    expect(byId.get('/a')?.cpu?.usageSeconds).toBe(3);
    expect(byId.get('/a')?.memory).toEqual({ usageBytes: 1048576, limitBytes: 2097152, swapLimitBytes: 0 });
    expect(byId.get('/ok')?.memory?.rssBytes).toBe(524288);
    expect(stats.sourceErrors.cgroup).toMatchObject({ PARSE: 2, READ: 0 });
    const cgroupWarnings = () => warnings.filter((w) => w.source === 'cgroup');
    expect(cgroupWarnings()).toHaveLength(1);
    expect(cgroupWarnings()[0]).toMatchObject({ code: 'PARSE', msg: expect.stringContaining(join(root, 'cg', 'a', 'memory.stat')) });

    clock.ms += 10_000;
    await collector.collect();
    expect(stats.sourceErrors.cgroup).toMatchObject({ PARSE: 4 });
    expect(cgroupWarnings()).toHaveLength(1);

    clock.ms += 5 * 60_000;
    await collector.collect();
    expect(cgroupWarnings()).toHaveLength(2);
    expect(cgroupWarnings()[1]).toMatchObject({ code: 'PARSE', suppressedSinceLast: 3 });

    expect(sourceErrorPoints(stats)).toContainEqual({ value: 6, attributes: { source: 'cgroup', code: 'PARSE' } });
  });

  it('a FIFO in place of a cgroup file is refused, not waited on: the cycle completes', async () => {
    root = writeTree({ cg: { a: leaf('2097152\n'), b: leaf('4194304\n') } });
    stops.push(placeFifo(join(root, 'cg', 'a', 'cpu.stat')));
    const { collector, stats } = collectorOver({ mode: 'v2', v1: new Map(), unified: join(root, 'cg') }, ['/a', '/b']);
    const snap = await collector.collect();
    expect(snap.containers.map((c) => [c.identity.id, c.cgroup?.cpu?.usageSeconds, c.cgroup?.memory?.usageBytes])).toEqual([
      ['/a', undefined, 1048576],
      ['/b', 3, 1048576],
    ]);
    expect(stats.sourceErrors.cgroup).toMatchObject({ READ_NOT_REGULAR: 1 });
  });
});

describe('CycleReader: a bad /proc file loses only what it gives', () => {
  let root = '';
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    removeTree(root);
  });

  it('a FIFO as net/dev costs that pod its network only; a broken diskstats keeps the last device names', async () => {
    const netDev =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0\n';
    root = writeTree({ cg: { a: leaf('2097152\n'), b: leaf('4194304\n') }, proc: { '7': { net: { dev: netDev } }, '8': { net: { dev: netDev } }, diskstats: '   8       0 sda 1 0 0 0 0 0 0 0 0 0 0\n' } });
    writeFileSync(join(root, 'cg', 'a', 'io.stat'), '8:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n');
    stops.push(placeFifo(join(root, 'proc', '7', 'net', 'dev')));
    const stats = new SelfStats();
    const clock = { ms: 1_000_000 };
    const targets = [
      { cgroupPath: '/a', identity: rawIdentity('/a'), netPid: 7 },
      { cgroupPath: '/b', identity: rawIdentity('/b'), netPid: 8 },
    ];
    const collector = new CycleReader({
      layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets, truncated: false }) },
      stats,
      log: pino({ level: 'silent' }),
      now: () => clock.ms,
      slowRefreshMs: 1000,
    });
    const first = await collector.collect();
    expect(first.containers.map((c) => [c.identity.id, c.cgroup?.memory?.usageBytes, c.network?.[0]?.rxBytes])).toEqual([
      ['/a', 1048576, undefined],
      ['/b', 1048576, 1000],
    ]);
    expect(first.containers[0]?.cgroup?.io?.[0]?.device).toBe('/dev/sda');
    expect(stats.sourceErrors.proc).toMatchObject({ READ_NOT_REGULAR: 1 });

    writeFileSync(join(root, 'proc', 'diskstats'), '   8       0\n');
    clock.ms += 2000;
    const second = await collector.collect();
    expect(stats.sourceErrors.proc).toMatchObject({ READ_NOT_REGULAR: 2, PARSE: 1 });
    expect(second.containers[0]?.cgroup?.io?.[0]?.device).toBe('/dev/sda');
  });
});

describe('CycleReader: the read plan', () => {
  let root = '';
  afterEach(() => removeTree(root));

  it('reads no net/dev when the network group is off, and reads it by default', async () => {
    const netDev = 'h1\nh2\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n';
    root = writeTree({ cg: { a: leaf('2097152\n') }, proc: { '7': { net: { dev: netDev } } } });
    const collect = async (plan?: ReadPlan) => {
      const reader = new RecordingReader();
      const cycle = new CycleReader({
        layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
        reader,
        roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
        targets: { list: async () => ({ targets: [{ cgroupPath: '/a', identity: rawIdentity('/a'), netPid: 7 }], truncated: false }) },
        stats: new SelfStats(),
        log: pino({ level: 'silent' }),
        ...(plan ? { plan } : {}),
      });
      const snap = await cycle.collect();
      return { rx: snap.containers[0]?.network?.[0]?.rxBytes, netReads: reader.take(root).filter((p) => p.endsWith('net/dev')) };
    };
    expect(await collect()).toEqual({ rx: 1000, netReads: ['proc/7/net/dev'] });
    expect(await collect({ ...READ_ALL, network: false })).toEqual({ rx: undefined, netReads: [] });
    expect(readPlanFor(enabledSpecs({ groups: {}, disabled: [] })).network).toBe(true);
    expect(readPlanFor(enabledSpecs({ groups: { network: false }, disabled: [] })).network).toBe(false);
  });
});

describe('CycleReader: the read plan of the /proc process and filesystem sources', () => {
  let root = '';
  afterEach(() => removeTree(root));

  it('reads task lists, task stats, limits, fds, mountinfo and diskstats only for the groups that are on', async () => {
    // Process 10 has two threads (num_threads, field 20), 10 and 11.
    const stat = (pid: number, state: string, threads = 1) => `${pid} (sh) ${state} 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 ${threads} 0 100 1000 10\n`;
    const limits = 'Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 4096                 files\n';
    const cg = { ...leaf('2097152\n'), 'cgroup.procs': '10\n', 'cgroup.threads': '10\n11\n' };
    root = writeTree({
      cg: { ...cg, a: cg },
      proc: { '1': { mountinfo: '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n' }, '10': { stat: stat(10, 'R', 2), limits }, '11': { stat: stat(11, 'S') }, diskstats: '   8       1 sda1 1 2 3 4000 5 6 7 8000 0 10000 11000\n' },
    });
    mkdirSync(join(root, 'proc', '10', 'fd'));
    const collect = async (plan: ReadPlan) => {
      const reader = new RecordingReader();
      const cycle = new CycleReader({
        layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
        reader,
        roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
        targets: { list: async () => ({ targets: ['/', '/a'].map((p) => ({ cgroupPath: p, identity: rawIdentity(p) })), truncated: false }) },
        stats: new SelfStats(),
        log: pino({ level: 'silent' }),
        plan,
      });
      const snap = await cycle.collect();
      const reads = reader.take(root).filter((p) => !p.startsWith('cg/') || p.endsWith('cgroup.threads'));
      return { a: snap.containers.find((c) => c.identity.id === '/a'), root: snap.containers.find((c) => c.identity.id === '/'), reads };
    };
    const on = await collect(READ_ALL);
    expect(on.a?.process).toEqual({
      fileDescriptors: 0,
      sockets: 0,
      maxOpenFilesSoft: 1024,
      taskStates: { running: 1, sleeping: 1, stopped: 0, uninterruptible: 0 },
      loadAverage10sMilli: 1000,
      loadDAverage10sMilli: 0,
    });
    expect(on.root?.rootDiskIo?.map((d) => [d.device, d.reads, d.readSeconds])).toEqual([['/dev/sda1', 1, 4]]);
    expect(on.reads).toEqual(expect.arrayContaining(['cg/a/cgroup.threads', 'proc/10/stat', 'proc/11/stat', 'proc/10/limits', 'proc/1/mountinfo']));
    const off = await collect({ ...READ_DEFAULT, network: true, processes: false, taskStates: false, rootFilesystems: false, rootDiskIo: false });
    expect(off.a?.process).toBeUndefined();
    expect(off.root?.rootDiskIo).toBeUndefined();
    // Only what the other groups read is left: the machine facts and the device names (one diskstats read).
    expect(off.reads.filter((p) => /cgroup\.threads|proc\/1\d\/|mountinfo/.test(p))).toEqual([]);
    expect(off.reads.filter((p) => p === 'proc/diskstats')).toHaveLength(1);
    expect(on.reads.filter((p) => p === 'proc/diskstats')).toHaveLength(2);
    expect(readPlanFor(enabledSpecs({ groups: { process: false, cpuLoad: false, disk: false, diskIO: false }, disabled: [] }))).toEqual({
      ...READ_DEFAULT,
      network: true,
      processes: false,
      taskStates: false,
      rootFilesystems: false,
      rootDiskIo: false,
    });
    expect(readPlanFor(enabledSpecs({ groups: {}, disabled: [] }))).toEqual(READ_DEFAULT);
  });
});

describe('CycleReader: container_scrape_error and machine_scrape_error', () => {
  let root = '';
  afterEach(() => removeTree(root));

  it('container_scrape_error is 1 for a cycle that lost a source, 0 again after a clean one; a vanished process is not an error', async () => {
    const stat = (pid: number) => `${pid} (sh) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10\n`;
    // pid 11 is listed but gone: churn, not an error.
    root = writeTree({ cg: { a: { ...leaf('2097152\n'), 'cgroup.threads': '10\n11\n' } }, proc: { '10': { stat: stat(10) } } });
    const stats = new SelfStats();
    const cycle = new CycleReader({
      layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [{ cgroupPath: '/a', identity: rawIdentity('/a') }], truncated: false }) },
      stats,
      log: pino({ level: 'silent' }),
    });
    const clean = await cycle.collect();
    expect(clean.containers[0]?.process?.taskStates).toEqual({ running: 0, sleeping: 1, stopped: 0, uninterruptible: 0 });
    expect(stats.containerScrapeError).toBe(false);
    // No machine facts under this fake /proc and /sys: reading them failed.
    expect(stats.machineScrapeError).toBe(true);
    writeFileSync(join(root, 'cg', 'a', 'memory.stat'), 'anon x\n');
    await cycle.collect();
    expect(stats.containerScrapeError).toBe(true);
    writeFileSync(join(root, 'cg', 'a', 'memory.stat'), 'anon 1\n');
    await cycle.collect();
    expect(stats.containerScrapeError).toBe(false);
  });
});

describe('podpulse_source_errors_total', () => {
  it('starts every known (source, code) at 0, and counts by both labels', () => {
    const stats = new SelfStats();
    const zero = sourceErrorPoints(stats);
    expect(zero.every((p) => p.value === 0)).toBe(true);
    for (const [source, code] of [['cgroup', 'READ'], ['cgroup', 'PARSE'], ['proc', 'READ_TOO_LARGE'], ['cri', 'UNAVAILABLE'], ['cri', 'DEADLINE_EXCEEDED']]) {
      expect(zero).toContainEqual({ value: 0, attributes: { source, code } });
    }
    stats.countSourceError('cgroup', 'READ_NOT_REGULAR');
    stats.countSourceError('cgroup', 'READ_NOT_REGULAR');
    stats.countSourceError('fs', 'UNEXPECTED');
    const after = sourceErrorPoints(stats);
    expect(after).toContainEqual({ value: 2, attributes: { source: 'cgroup', code: 'READ_NOT_REGULAR' } });
    expect(after).toContainEqual({ value: 1, attributes: { source: 'fs', code: 'UNEXPECTED' } });
    expect(after).toHaveLength(zero.length + 1);
  });
});

describe('CycleReader: the event loop during a cycle', () => {
  let root = '';
  afterEach(() => removeTree(root));

  function setup() {
    const paths = Array.from({ length: 20 }, (_, i) => `/c${i}`);
    root = writeTree({ cg: Object.fromEntries(paths.map((p) => [p.slice(1), leaf('2097152\n')])) });
    const events: string[] = [];
    class MarkingReader extends FileReader {
      override read(path: string): string {
        const m = /(\/c\d+)\/cgroup\.procs$/.exec(path);
        if (m) events.push(`read ${m[1]}`);
        return super.read(path);
      }
      override sweep(): void {
        events.push('sweep');
        super.sweep();
      }
    }
    const collector = new CycleReader({
      layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
      reader: new MarkingReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: paths.map((p) => ({ cgroupPath: p, identity: rawIdentity(p) })), truncated: false }) },
      stats: new SelfStats(),
      log: pino({ level: 'silent' }),
      // The default plan: cgroup.procs once per cgroup (the count, and the pid list of kind "process").
      plan: READ_DEFAULT,
      yieldEveryMs: 0,
    });
    return { collector, events, paths };
  }

  it('yields between containers, and gives the same samples as without yielding', async () => {
    const { collector, events, paths } = setup();
    let turns = 0;
    const tick = (): void => {
      turns++;
      events.push('turn');
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const snap = await collector.collect();
    turns = 1000;
    const reads = events.filter((e) => e.startsWith('read'));
    expect(reads).toEqual(paths.map((p) => `read ${p}`));
    // Other callbacks ran between the containers' reads, not only before or after the cycle.
    const first = events.indexOf('read /c0');
    const last = events.indexOf(`read /c19`);
    expect(events.slice(first, last).filter((e) => e === 'turn').length).toBeGreaterThanOrEqual(10);
    expect(snap.containers.map((c) => c.cgroup?.memory?.limitBytes)).toEqual(paths.map(() => 2097152));
    // Every sample has the one timestamp of its cycle.
    expect(new Set(snap.containers.map((c) => c.lastSeenSeconds)).size).toBe(1);
  });

  it('never runs two cycles at once: a collect() made during one starts after it', async () => {
    const { collector, events, paths } = setup();
    const [a, b] = await Promise.all([collector.collect(), collector.collect()]);
    expect(a.containers).toHaveLength(20);
    expect(b.containers).toHaveLength(20);
    const cycle = [...paths.map((p) => `read ${p}`), 'sweep'];
    expect(events).toEqual([...cycle, ...cycle]);
  });

  it('says, at most every 5 minutes, when the keep-open bound made a cycle open and close files it re-reads', async () => {
    root = writeTree({ cg: { c0: leaf('2097152\n') } });
    let unkept = 0;
    class FullReader extends FileReader {
      override get unkeptLastCycle(): number {
        return unkept;
      }
    }
    const warnings: Record<string, unknown>[] = [];
    const clock = { ms: 1_000_000 };
    const collector = new CycleReader({
      layout: { mode: 'v2', v1: new Map(), unified: join(root, 'cg') },
      reader: new FullReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [{ cgroupPath: '/c0', identity: rawIdentity('/c0') }], truncated: false }) },
      stats: new SelfStats(),
      log: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) }),
      plan: READ_DEFAULT,
      now: () => clock.ms,
    });
    const unkeptLines = () => warnings.filter((w) => String(w.msg).startsWith('cannot keep every file open'));
    await collector.collect();
    expect(unkeptLines()).toEqual([]);
    unkept = 7;
    await collector.collect();
    expect(unkeptLines()).toHaveLength(1);
    expect(unkeptLines()[0]).toMatchObject({ unkept: 7 });
    expect(String(unkeptLines()[0]!.msg)).toMatch(/collection\.maxOpenFiles/);
    clock.ms += 60_000;
    await collector.collect();
    expect(unkeptLines()).toHaveLength(1);
    clock.ms += 5 * 60_000;
    await collector.collect();
    expect(unkeptLines()).toHaveLength(2);
  });
});
