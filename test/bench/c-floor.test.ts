/**
 * The bench's C floor (bench/c-floor/floor.c): compiled with cc -O2 as the bench does, it reads
 * exactly the list it is given, and the list the bench gives it is the one the collector opened.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFloor, parseFloorOutput, runFloor } from '../../bench/c-floor.js';
import { SyntheticTree } from '../../bench/synthetic-tree.js';
import { layoutToMessage } from '../../bench/protocol.js';
import { measure } from '../../bench/worker.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

const REPO = join(import.meta.dirname, '..', '..');
const haveCc = spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0;
const title = (t: string) => (haveCc ? t : `${t} (skipped: no cc on PATH)`);

describe.skipIf(!haveCc)(title('C floor'), () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = writeTree({ a: 'x'.repeat(10), b: 'y'.repeat(70_000), sub: { c: '' } }, 'podpulse-floor-');
    bin = compileFloor(REPO, dir);
  });
  afterAll(() => removeTree(dir));

  it('opens, reads to the end and closes every listed path, counting the missing ones', () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, [join(dir, 'a'), join(dir, 'b'), join(dir, 'gone'), '', join(dir, 'sub', 'c')].join('\n') + '\n');
    const r = runFloor(bin, list, 3, 1);
    expect(r.files).toBe(4);
    expect(r.opened).toBe(3);
    expect(r.missing).toBe(1);
    // b is larger than the 64 KiB read buffer: read to EOF, not one read per file.
    expect(r.bytes).toBe(10 + 70_000);
    expect(r.cpuUs).toHaveLength(3);
    expect(r.wallMs).toHaveLength(3);
    for (const x of [...r.cpuUs, ...r.wallMs]) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('rejects output that is not its JSON', () => {
    expect(() => parseFloorOutput('{"files":1}')).toThrow(/unexpected C floor output/);
  });

  it('reads the file list the worker wrote: the files the collector opened in one steady-state cycle', async () => {
    const tree = new SyntheticTree(REPO);
    try {
      tree.grow(3);
      const list = join(dir, 'collector-files.txt');
      const result = await measure({ layout: layoutToMessage(tree.layout), roots: tree.roots, targets: tree.targets(3), cycles: 1, warmup: 0, fileListPath: list });
      const paths = readFileSync(list, 'utf8').trim().split('\n');
      expect(paths).toHaveLength(result.files.opened * 3);
      // A file the collector opens twice in a cycle is listed twice, and the floor opens it twice too.
      // Today that is cgroup.procs alone: the process count and kind "process" each list the pids.
      const twice = paths.filter((p, i) => paths.indexOf(p) !== i);
      expect(twice.every((p) => p.endsWith('/cgroup.procs')), twice.join('\n')).toBe(true);
      // Every listed file lies in one of the three copies (cgroup files and their /proc/<pid>/net/dev).
      for (const p of paths) expect(p.startsWith(tree.root)).toBe(true);
      const floor = runFloor(bin, list, 1, 0);
      // A file the collector found absent (the tree has no /proc/<pid>/limits) is absent for the floor too.
      const present = paths.filter((p) => existsSync(p));
      expect(floor.files).toBe(paths.length);
      expect(floor.opened).toBe(present.length);
      expect(floor.missing).toBe(paths.length - present.length);
      expect(floor.missing).toBe(result.files.absent * 3);
      expect(floor.bytes).toBe(present.reduce((s, p) => s + readFileSync(p).length, 0));
    } finally {
      tree.teardown();
    }
  });
});
