import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { walkRawCgroups, walkRoot, type RawWalkPriority } from '../../src/discovery/raw-cgroups.js';
import { rawTargets } from '../../src/discovery/target.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

const root = writeTree({
  memory: {
    'memory.stat': '',
    kubepods: { burstable: { poda: { c1: {}, c2: {} }, podb: { c3: {} } }, besteffort: {} },
    system: { 'a.service': { deep: { deeper: { deepest: {} } } } },
  },
  cpu: { onlycpu: {} },
  unified: { v2only: {} },
});
afterAll(() => removeTree(root));
const NONE: RawWalkPriority = { first: [], sliceMs: 5 };
const v1: CgroupLayout = { mode: 'hybrid', v1: new Map([['cpu', `${root}/cpu`], ['memory', `${root}/memory`]]), unified: `${root}/unified` };

describe('raw cgroup discovery', () => {
  it('walks the memory hierarchy on v1/hybrid and the unified one on v2', async () => {
    expect(walkRoot(v1)).toBe(`${root}/memory`);
    expect(walkRoot({ mode: 'v2', v1: new Map(), unified: `${root}/unified` })).toBe(`${root}/unified`);
  });

  it('reports every cgroup breadth first, `/` first, files ignored', async () => {
    const { paths, truncated } = await walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 100 }, NONE);
    expect(truncated).toBe(false);
    expect(paths[0]).toBe('/');
    expect([...paths].sort()).toEqual([
      '/', '/kubepods', '/kubepods/besteffort', '/kubepods/burstable', '/kubepods/burstable/poda',
      '/kubepods/burstable/poda/c1', '/kubepods/burstable/poda/c2', '/kubepods/burstable/podb', '/kubepods/burstable/podb/c3',
      '/system', '/system/a.service', '/system/a.service/deep', '/system/a.service/deep/deeper', '/system/a.service/deep/deeper/deepest',
    ]);
    const depths = paths.map((p) => (p === '/' ? 0 : p.split('/').length - 1));
    expect(depths).toEqual([...depths].sort((a, b) => a - b)); // breadth first
  });

  it('limits depth below each parent and always includes `/`', async () => {
    const { paths } = await walkRawCgroups(v1, { parents: ['kubepods'], maxDepth: 2, maxCgroups: 100 }, NONE);
    expect(paths).toEqual(['/', '/kubepods', '/kubepods/besteffort', '/kubepods/burstable', '/kubepods/burstable/poda', '/kubepods/burstable/podb']);
  });

  it('stops at maxCgroups and says so', async () => {
    const r = await walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 4 }, NONE);
    expect(r.paths).toHaveLength(4);
    expect(r.truncated).toBe(true);
  });

  it('walks the `first` subtrees before the rest, so the cap cannot hide them', async () => {
    // In plain breadth-first order a cap of 6 fills before the walk gets below the pods.
    const plain = await walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 6 }, NONE);
    expect(plain.paths).not.toContain('/kubepods/burstable/podb/c3');
    const r = await walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 6 }, { first: ['/kubepods/burstable/podb'], sliceMs: 5 });
    expect(r.paths).toEqual(['/', '/kubepods', '/kubepods/burstable', '/kubepods/burstable/podb', '/kubepods/burstable/podb/c3', expect.any(String)]);
    expect(r.truncated).toBe(true);
    // A whole subtree goes first; a seed that does not exist adds nothing.
    const k = await walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 9 }, { first: ['/kubepods', '/gone/pod'], sliceMs: 5 });
    expect(k.paths.slice(0, 9).sort()).toEqual([
      '/', '/kubepods', '/kubepods/besteffort', '/kubepods/burstable', '/kubepods/burstable/poda',
      '/kubepods/burstable/poda/c1', '/kubepods/burstable/poda/c2', '/kubepods/burstable/podb', '/kubepods/burstable/podb/c3',
    ]);
    // A seed outside the configured parents is not walked.
    const outside = await walkRawCgroups(v1, { parents: ['system'], maxDepth: 10, maxCgroups: 100 }, { first: ['/kubepods'], sliceMs: 5 });
    expect(outside.paths.some((p) => p.startsWith('/kubepods'))).toBe(false);
  });

  it('skips a parent that does not exist on this host', async () => {
    const { paths } = await walkRawCgroups(v1, { parents: ['/nope/'], maxDepth: 3, maxCgroups: 10 }, NONE);
    expect(paths).toEqual(['/', '/nope']);
  });

  it('gives raw identities and the host network to `/`', async () => {
    const { targets } = rawTargets(await walkRawCgroups(v1, { parents: ['system'], maxDepth: 1, maxCgroups: 10 }, NONE));
    expect(targets[0]).toEqual({ cgroupPath: '/', identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, netPid: 1 });
    expect(targets[2]?.identity.id).toBe('/system/a.service');
    expect(targets[2]?.netPid).toBeUndefined();
  });
});
