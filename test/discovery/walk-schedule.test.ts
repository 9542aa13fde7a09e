import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CriInventory, type RuntimeConnector } from '../../src/discovery/inventory.js';
import { rawTreeChanged, walkRawCgroups } from '../../src/discovery/raw-cgroups.js';
import { StableTargets } from '../../src/discovery/stable-targets.js';
import type { Target } from '../../src/discovery/target.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

/**
 * The raw walk runs only when something may have changed: these trees are ordinary directories (ext4
 * or tmpfs change a directory's mtime and link count on mkdir/rmdir); test/e2e/discovery-schedule.test.ts
 * shows the same on real cgroupfs with real pods.
 */
const root = writeTree({ memory: { kubepods: { burstable: { poda: { c1: {} } } }, system: { 'a.service': {} } } });
afterAll(() => removeTree(root));
const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', `${root}/memory`]]) };
const mem = (p: string) => join(root, 'memory', p);

describe('rawTreeChanged', () => {
  it('is false while nothing changed and true once a cgroup is made or removed anywhere the walk read', async () => {
    const opts = { parents: [], maxDepth: 6, maxCgroups: 100 };
    let last = await walkRawCgroups(layout, opts, { first: [], sliceMs: 5 });
    expect(last.stamps?.length).toBe(last.paths.length); // every reported cgroup was read for children
    expect(await rawTreeChanged(last, 5)).toBe(false);
    expect(await rawTreeChanged(last, 5)).toBe(false);

    mkdirSync(mem('kubepods/burstable/poda/c1/nested')); // below a leaf, five levels down
    expect(await rawTreeChanged(last, 5)).toBe(true);
    last = await walkRawCgroups(layout, opts, { first: [], sliceMs: 5 });
    expect(last.paths).toContain('/kubepods/burstable/poda/c1/nested');
    expect(await rawTreeChanged(last, 5)).toBe(false);

    rmdirSync(mem('kubepods/burstable/poda/c1/nested'));
    expect(await rawTreeChanged(last, 5)).toBe(true);
  });

  it('sees a configured parent that did not exist at the last walk appear', async () => {
    const opts = { parents: ['/later'], maxDepth: 6, maxCgroups: 100 };
    const last = await walkRawCgroups(layout, opts, { first: [], sliceMs: 5 });
    expect(await rawTreeChanged(last, 5)).toBe(false);
    mkdirSync(mem('later'));
    try {
      expect(await rawTreeChanged(last, 5)).toBe(true);
    } finally {
      rmdirSync(mem('later'));
    }
  });

  it('counts a walk result without stamps as changed', async () => {
    expect(await rawTreeChanged({ paths: ['/'], truncated: false }, 5)).toBe(true);
  });
});

describe('CriInventory walk schedule', () => {
  /** No runtime; maxCgroups 3 so every walk is truncated and counted in discoveryTruncations. */
  function setup() {
    const stats = new SelfStats();
    let now = 1_000_000;
    const connector: RuntimeConnector = { connect: () => ({ reason: 'no CRI socket found' }) };
    const inv = new CriInventory({
      layout, raw: { parents: [], maxDepth: 6, maxCgroups: 3 }, connector, rootfs: '/', stats, log: pino({ level: 'silent' }), now: () => now,
    });
    return { inv, walks: () => stats.discoveryTruncations, advance: (ms: number) => (now += ms) };
  }

  it('walks on the first list, then only after a change below a directory it read, or a minute later', async () => {
    const { inv, walks, advance } = setup();
    await inv.list();
    expect(walks()).toBe(1);
    for (let i = 0; i < 3; i++) {
      advance(10_000);
      await inv.list();
    }
    expect(walks()).toBe(1);
    // A change under a directory the (truncated) walk read: '/' is always read first.
    mkdirSync(mem('newcomer'));
    try {
      await inv.list();
      expect(walks()).toBe(2);
      await inv.list();
      expect(walks()).toBe(2);
    } finally {
      rmdirSync(mem('newcomer'));
    }
    await inv.list();
    expect(walks()).toBe(3);
    // The backstop: a full walk a minute after the last one, changed or not.
    advance(59_000);
    await inv.list();
    expect(walks()).toBe(3);
    advance(1_000);
    await inv.list();
    expect(walks()).toBe(4);
    // refreshNow (one-shot commands) always walks.
    await inv.refreshNow();
    expect(walks()).toBe(5);
    await inv.close();
  });

  it('a cgroup made between two lists is a target of the next one; a removed one is gone from it', async () => {
    const stats = new SelfStats();
    const inv = new CriInventory({
      layout, raw: { parents: [], maxDepth: 6, maxCgroups: 100 }, connector: { connect: () => ({ reason: 'none' }) }, rootfs: '/', stats, log: pino({ level: 'silent' }),
    });
    const paths = async () => (await inv.list()).targets.map((t) => t.cgroupPath);
    expect(await paths()).not.toContain('/kubepods/burstable/podb');
    mkdirSync(mem('kubepods/burstable/podb'));
    try {
      expect(await paths()).toContain('/kubepods/burstable/podb');
    } finally {
      rmdirSync(mem('kubepods/burstable/podb'));
    }
    expect(await paths()).not.toContain('/kubepods/burstable/podb');
    await inv.close();
  });
});

describe('StableTargets', () => {
  const target = (over: Partial<Target> = {}): Target => ({
    cgroupPath: '/kubepods/pod1/c1',
    identity: { id: '/kubepods/pod1/c1', name: 'c1', image: 'busybox', container: 'app', pod: 'p', namespace: 'ns' },
    k8s: { role: 'container', podUid: 'u1' },
    restartCount: 0,
    ...over,
  });

  it('hands out the same target and identity objects while nothing changed', () => {
    const s = new StableTargets();
    const [first] = s.keep([target()]);
    const [second] = s.keep([target()]);
    expect(second).toBe(first);
    expect(second?.identity).toBe(first?.identity);
  });

  it('keeps the identity object but not the target when only a non-label field changed', () => {
    const s = new StableTargets();
    const [first] = s.keep([target()]);
    const [second] = s.keep([target({ restartCount: 1 })]);
    expect(second).not.toBe(first);
    expect(second?.restartCount).toBe(1);
    expect(second?.identity).toBe(first?.identity);
  });

  it('gives a new identity object when a label changes', () => {
    const s = new StableTargets();
    const [first] = s.keep([target()]);
    const [second] = s.keep([target({ identity: { ...target().identity, image: 'busybox:2' } })]);
    expect(second?.identity).not.toBe(first?.identity);
    expect(second?.identity.image).toBe('busybox:2');
  });

  it('gives a target missing from a few lists its old objects back, then forgets it', () => {
    const s = new StableTargets();
    const [first] = s.keep([target()]);
    for (let i = 0; i < 5; i++) s.keep([]);
    const [back] = s.keep([target()]);
    expect(back).toBe(first);
    for (let i = 0; i < 6; i++) s.keep([]);
    const [later] = s.keep([target()]);
    expect(later).not.toBe(first);
    expect(later?.identity).not.toBe(first?.identity);
  });

  it('tells an allowlisted label apart from a missing one', () => {
    const s = new StableTargets();
    const base = target();
    const [first] = s.keep([{ ...base, identity: { ...base.identity, container_label_team: 'a' } }]);
    const [second] = s.keep([{ ...base, identity: { ...base.identity, container_label_team: 'b' } }]);
    expect(second?.identity).not.toBe(first?.identity);
    expect(second?.identity.container_label_team).toBe('b');
  });
});
