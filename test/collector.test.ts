import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import { Collector, type CollectorDeps } from '../src/collector.js';
import { rawIdentity, type Target } from '../src/discovery/target.js';
import { newAgentStats } from '../src/metrics/sample.js';
import { RecordingReader } from './cgroup/recording-reader.js';
import { removeTree, writeTree, writeTreeAt, type Tree } from './helpers/tmp-tree.js';

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

describe('Collector: the spec of each cgroup is cached', () => {
  let root = '';
  afterEach(() => removeTree(root));

  /** A collector over a v2 tree under `root`, with a clock and a target list the test moves. */
  function setup(extra: Partial<CollectorDeps> = {}) {
    root = writeTree({ cg: { a: leaf('2097152\n'), b: leaf('4194304\n') } });
    const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: join(root, 'cg') };
    const reader = new RecordingReader();
    const clock = { ms: 1_000_000 };
    const listed: Target[] = ['/a', '/b'].map((p) => ({ cgroupPath: p, identity: rawIdentity(p) }));
    const collector = new Collector({
      layout,
      reader,
      // Nothing under these: machine facts and diskstats fail quietly (counted as proc source errors).
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: { list: async () => ({ targets: [...listed], truncated: false }) },
      stats: newAgentStats(),
      log: pino({ level: 'silent' }),
      now: () => clock.ms,
      ...extra,
    });
    /** One cycle: memory limit per cgroup, and the spec files it opened, per cgroup. */
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

  it('reads the spec files on the first cycle, then again only once they are 60 s old', async () => {
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

  it('re-reads the spec when the clock stepped back', async () => {
    const { clock, cycle } = setup();
    await cycle();
    clock.ms += 10_000;
    expect((await cycle()).specReads).toEqual({});
    clock.ms -= 3_600_000;
    expect(Object.keys((await cycle()).specReads)).toEqual(['/a', '/b']);
    clock.ms += 10_000;
    expect((await cycle()).specReads).toEqual({});
  });

  it('honours specRefreshMs', async () => {
    const { clock, cycle } = setup({ specRefreshMs: 5_000 });
    await cycle();
    clock.ms += 4_999;
    expect((await cycle()).specReads).toEqual({});
    clock.ms += 1;
    expect(Object.keys((await cycle()).specReads)).toEqual(['/a', '/b']);
  });

  it('forgets the spec of a cgroup that is no longer listed, or that vanished', async () => {
    const { clock, listed, cycle, write } = setup();
    await cycle();

    // /b leaves the list for a cycle: when it is back, its spec is read afresh.
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
