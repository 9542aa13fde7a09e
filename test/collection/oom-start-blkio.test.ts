import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CycleReader } from '../../src/collection/cycle-reader.js';
import { OomCounts } from '../../src/collection/oom-counts.js';
import type { ContainerSample } from '../../src/collection/sample.js';
import { rawIdentity, type Target } from '../../src/discovery/target.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { parseBootTime } from '../../src/procfs/boot-time.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { removeTree, writeTree, type Tree } from '../helpers/tmp-tree.js';

const BTIME = 1_795_800_803; // host-v1's /proc/stat btime
const IDENTITY = { id: '/ctr', name: 'c0ffee', image: 'busybox', container: 'app', pod: 'p', namespace: 'ns' };

function v2Leaf(oomKill: number): Tree {
  return {
    'cgroup.procs': '10\n',
    'cgroup.events': 'populated 1\nfrozen 0\n',
    'cpu.stat': 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n',
    'memory.current': '1048576\n',
    'memory.max': '2097152\n',
    'memory.stat': 'anon 524288\nfile 409600\ninactive_file 401408\n',
    'memory.events.local': `low 0\nhigh 0\nmax 9\noom ${oomKill}\noom_kill ${oomKill}\noom_group_kill 0\n`,
  };
}

describe('CycleReader: container_oom_events_total, start time, v1 blkio per operation', () => {
  let root = '';
  afterEach(() => removeTree(root));

  function setup(tree: Tree, layoutOf: (root: string) => CgroupLayout) {
    root = writeTree({ cg: tree, proc: { stat: `cpu  1 2 3 4\nbtime ${BTIME}\nprocesses 5\n` } });
    const clock = { ms: 1_800_000_000_000 };
    let listed: Target[] = [];
    const reader = new CycleReader({
      layout: layoutOf(root),
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [...listed], truncated: false }) },
      stats: new SelfStats(),
      log: pino({ level: 'silent' }),
      now: () => clock.ms,
    });
    const cycle = async (targets: Target[]): Promise<ContainerSample[]> => {
      listed = targets;
      return [...(await reader.collect()).containers];
    };
    return { clock, cycle };
  }

  const v2 = (r: string): CgroupLayout => ({ mode: 'v2', v1: new Map(), unified: join(r, 'cg') });
  const running: Target = { cgroupPath: '/ctr', identity: IDENTITY };
  const exited = (finishedAtMs?: number): Target => ({
    cgroupPath: '/ctr',
    identity: IDENTITY,
    cgroupless: true,
    oomKilledExit: finishedAtMs === undefined ? {} : { finishedAtMs },
  });

  it('reports the kernel count of a running container (a child killed inside it), then its main-process kill once', async () => {
    const { clock, cycle } = setup({ ctr: v2Leaf(2) }, v2);
    expect((await cycle([running]))[0]).toMatchObject({ identity: IDENTITY, oomEvents: 2 });
    // The main process is OOM-killed after that read, and the cgroup removed before the next one.
    rmSync(join(root, 'cg', 'ctr'), { recursive: true });
    clock.ms += 10_000;
    // Discovery has not seen the exit yet: the cgroup is simply gone this cycle.
    expect(await cycle([running])).toEqual([]);
    clock.ms += 10_000;
    const after = await cycle([exited(clock.ms - 15_000)]);
    expect(after).toEqual([{ identity: IDENTITY, oomEvents: 3 }]);
    // Steady while it stays reported; the same identity object (one series).
    clock.ms += 10_000;
    expect((await cycle([exited(clock.ms - 25_000)]))[0]!.oomEvents).toBe(3);
  });

  it('does not add the final kill again when the last read came after the exit (it was counted)', async () => {
    const { clock, cycle } = setup({ ctr: v2Leaf(3) }, v2);
    const finishedAtMs = clock.ms - 500;
    // The exited cgroup is still there for a moment: a raw target reads it after the exit.
    const raw: Target = { cgroupPath: '/ctr', identity: rawIdentity('/ctr') };
    await cycle([raw, exited(finishedAtMs)]);
    rmSync(join(root, 'cg', 'ctr'), { recursive: true });
    clock.ms += 10_000;
    expect((await cycle([exited(finishedAtMs)]))[0]).toEqual({ identity: IDENTITY, oomEvents: 3 });
  });

  it('does not add the final kill again when the last read found the cgroup empty (the kill had happened)', async () => {
    const { clock, cycle } = setup({ ctr: { ...v2Leaf(2), 'cgroup.procs': '' } }, v2);
    await cycle([running]);
    rmSync(join(root, 'cg', 'ctr'), { recursive: true });
    clock.ms += 10_000;
    // The exit is reported later than the read, yet the empty cgroup shows the kill was already counted.
    expect((await cycle([exited(clock.ms - 5_000)]))[0]).toEqual({ identity: IDENTITY, oomEvents: 2 });
  });

  it('counts 1 for a container that was never read (it lived less than a cycle)', async () => {
    const { cycle } = setup({}, v2);
    expect(await cycle([exited()])).toEqual([{ identity: IDENTITY, oomEvents: 1 }]);
  });

  it('start time: the cgroup mtime in whole seconds, never before boot (truncated to the minute)', async () => {
    const { cycle } = setup({ ctr: v2Leaf(0), old: v2Leaf(0) }, v2);
    const t = (BTIME + 3600.75) * 1000;
    for (const p of ['ctr', 'ctr/cgroup.events']) utimesSync(join(root, 'cg', p), new Date(t), new Date(t));
    // A cgroup whose files claim to predate the boot (a clock set later, a restored image).
    for (const p of ['old', 'old/cgroup.events']) utimesSync(join(root, 'cg', p), new Date(1_000_000), new Date(1_000_000));
    const [ctr, old] = await cycle([running, { cgroupPath: '/old', identity: rawIdentity('/old') }]);
    expect(ctr!.startTimeSeconds).toBe(BTIME + 3600);
    expect(old!.startTimeSeconds).toBe(Math.floor(BTIME / 60) * 60);
  });

  it('keeps v1 blkio per-operation bytes monotonic when a removed child takes its I/O out of the parent', async () => {
    const bytes = (read: number, write: number) =>
      `8:0 Read ${read}\n8:0 Write ${write}\n8:0 Sync ${write}\n8:0 Async ${read}\n8:0 Discard 0\n8:0 Total ${read + write}\nTotal ${read + write}\n`;
    const { cycle } = setup({ blkio: { pod: { 'cgroup.procs': '', 'blkio.throttle.io_service_bytes_recursive': bytes(1000, 500) } } }, (r) => ({
      mode: 'v1',
      v1: new Map([['blkio', join(r, 'cg', 'blkio')]]),
    }));
    const pod: Target = { cgroupPath: '/pod', identity: rawIdentity('/pod') };
    expect((await cycle([pod]))[0]!.cgroup?.io?.[0]?.opBytes).toEqual({ Read: 1000, Write: 500, Sync: 500, Async: 1000, Discard: 0, Total: 1500 });
    // A child with 600 read bytes was removed, then the pod read 100 more.
    writeFileSync(join(root, 'cg', 'blkio', 'pod', 'blkio.throttle.io_service_bytes_recursive'), bytes(500, 500));
    expect((await cycle([pod]))[0]!.cgroup?.io?.[0]?.opBytes).toEqual({ Read: 1000, Write: 500, Sync: 500, Async: 1000, Discard: 0, Total: 1500 });
    writeFileSync(join(root, 'cg', 'blkio', 'pod', 'blkio.throttle.io_service_bytes_recursive'), bytes(600, 500));
    expect((await cycle([pod]))[0]!.cgroup?.io?.[0]?.opBytes).toEqual({ Read: 1100, Write: 500, Sync: 500, Async: 1100, Discard: 0, Total: 1600 });
  });
});

describe('OomCounts', () => {
  it('keeps a vanished cgroup\'s last count for a late exit report, then forgets it', () => {
    const counts = new OomCounts();
    counts.seen('/a', 4, 1_000);
    counts.retain(() => false, 1_000 + 9 * 60_000);
    expect(counts.afterOomExit('/a', 5_000)).toBe(5);
    counts.retain(() => false, 1_000 + 11 * 60_000);
    expect(counts.size).toBe(0);
    expect(counts.afterOomExit('/a', 5_000)).toBe(1);
  });
});

describe('/proc/stat btime', () => {
  it('reads btime; no btime line is a ParseError', () => {
    expect(parseBootTime('cpu  1 2 3\nintr 5\nbtime 1795800803\nprocesses 9\n')).toBe(1795800803);
    expect(() => parseBootTime('cpu  1 2 3\n')).toThrow(/no "btime" line/);
    expect(() => parseBootTime('btime soon\n')).toThrow(/btime/);
  });
});
