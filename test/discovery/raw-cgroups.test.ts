import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { walkRawCgroups, walkRoot } from '../../src/discovery/raw-cgroups.js';
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
const v1: CgroupLayout = { mode: 'hybrid', v1: new Map([['cpu', `${root}/cpu`], ['memory', `${root}/memory`]]), unified: `${root}/unified` };

describe('raw cgroup discovery', () => {
  it('walks the memory hierarchy on v1/hybrid and the unified one on v2', () => {
    expect(walkRoot(v1)).toBe(`${root}/memory`);
    expect(walkRoot({ mode: 'v2', v1: new Map(), unified: `${root}/unified` })).toBe(`${root}/unified`);
  });

  it('reports every cgroup breadth first, `/` first, files ignored', () => {
    const { paths, truncated } = walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 100 });
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

  it('limits depth below each parent and always includes `/`', () => {
    const { paths } = walkRawCgroups(v1, { parents: ['kubepods'], maxDepth: 2, maxCgroups: 100 });
    expect(paths).toEqual(['/', '/kubepods', '/kubepods/besteffort', '/kubepods/burstable', '/kubepods/burstable/poda', '/kubepods/burstable/podb']);
  });

  it('stops at maxCgroups and says so', () => {
    const r = walkRawCgroups(v1, { parents: [], maxDepth: 10, maxCgroups: 4 });
    expect(r.paths).toHaveLength(4);
    expect(r.truncated).toBe(true);
  });

  it('skips a parent that does not exist on this host', () => {
    const { paths } = walkRawCgroups(v1, { parents: ['/nope/'], maxDepth: 3, maxCgroups: 10 });
    expect(paths).toEqual(['/', '/nope']);
  });

  it('gives raw identities and the host network to `/`', () => {
    const { targets } = rawTargets(v1, { parents: ['system'], maxDepth: 1, maxCgroups: 10 });
    expect(targets[0]).toEqual({ cgroupPath: '/', identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, netPid: 1 });
    expect(targets[2]?.identity.id).toBe('/system/a.service');
    expect(targets[2]?.netPid).toBeUndefined();
  });
});
