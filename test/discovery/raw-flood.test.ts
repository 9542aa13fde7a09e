/**
 * A flood of sibling cgroups (5,000 next to /kubepods) must neither hide the pods behind
 * discovery.maxCgroups nor block the event loop while the tree is walked. Event-loop figures are
 * printed, not asserted (timed assertions flake on a busy machine); the structure is asserted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CriInventory, type RuntimeConnector } from '../../src/discovery/inventory.js';
import type { ContainerRuntime } from '../../src/runtime/runtime.js';
import type { Container, Pod } from '../../src/runtime/types.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const SIBLINGS = 5000;
const UID = '7a1b2c3d-0000-4000-8000-00000000f100';
const POD = `/kubepods/burstable/pod${UID}`;

const root = writeTree({ memory: { kubepods: { burstable: { [`pod${UID}`]: { sandbox1: {}, ctr1: {}, ctr2: {}, ctr3: {} } }, besteffort: {} } } });
for (let i = 0; i < SIBLINGS; i++) mkdirSync(join(root, 'memory', `flood-${String(i).padStart(5, '0')}`));
afterAll(() => removeTree(root));
const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', `${root}/memory`]]) };

/** Answers at once: this file is about the walk, not the runtime. */
function runtimeNaming(pods: Pod[], containers: Container[]): ContainerRuntime {
  const notUsed = (): never => {
    throw new Error('unused');
  };
  return {
    version: async () => ({ runtimeName: 'containerd', runtimeVersion: '1.6.20', apiVersion: 'v1' }),
    status: notUsed,
    listPods: async () => pods,
    listContainers: async () => containers,
    podStatus: async (id) => pods.find((p) => p.id === id) ?? notUsed(),
    containerStatus: async (id) => containers.find((c) => c.id === id) ?? notUsed(),
    listContainerStats: async () => [],
    listPodSandboxStats: async () => [],
    podSandboxStats: notUsed,
    close: () => {},
  };
}

function inventory(connector: RuntimeConnector, maxCgroups: number) {
  const stats = new SelfStats();
  const inv = new CriInventory({ layout, raw: { parents: [], maxDepth: 6, maxCgroups }, connector, rootfs: '/', stats, log: pino({ level: 'silent' }) });
  return { inv, stats };
}

/**
 * Runs `fn` while counting event-loop turns (a setImmediate chain) and measuring the longest time
 * between two turns: the longest stretch the walk held the loop. monitorEventLoopDelay's max is
 * printed beside it.
 */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; turns: number; longestBlockMs: number; histMaxMs: number; ms: number }> {
  let turns = 0;
  let running = true;
  let last = performance.now();
  let longest = 0;
  const spin = (): void => {
    if (!running) return;
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    turns++;
    setImmediate(spin);
  };
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  setImmediate(spin);
  const t0 = performance.now();
  try {
    const value = await fn();
    const end = performance.now();
    const turnsDuring = turns;
    longest = Math.max(longest, end - last);
    // Let the histogram's timer see the loop once more, so a block just before the end is recorded.
    await new Promise((r) => setTimeout(r, 5));
    return { value, turns: turnsDuring, longestBlockMs: longest, histMaxMs: h.max / 1e6, ms: end - t0 };
  } finally {
    running = false;
    h.disable();
  }
}

const figures = (m: { turns: number; longestBlockMs: number; histMaxMs: number; ms: number }): string =>
  `${m.ms.toFixed(0)} ms; event loop turned ${m.turns} times, longest block ${m.longestBlockMs.toFixed(1)} ms (eventLoopDelay max ${m.histMaxMs.toFixed(1)} ms)`;

describe(`raw discovery with ${SIBLINGS} sibling cgroups next to /kubepods`, () => {
  // With no runtime to say where the pods are, which cgroups fit under the cap is readdir order.
  it('without a runtime: the cap holds, truncation is flagged and counted', async () => {
    const { inv, stats } = inventory({ connect: () => ({ reason: 'no CRI socket found' }) }, 1000);
    const m = await measured(() => inv.list());
    const paths = new Set(m.value.targets.map((t) => t.cgroupPath));
    console.log(
      `[raw-flood] no runtime, maxCgroups 1000: ${paths.size} targets in ${figures(m)}`,
    );
    expect(paths).toContain('/');
    expect(m.value.truncated).toBe(true);
    expect(paths.size).toBe(1000);
    expect(stats.discoveryTruncations).toBeGreaterThanOrEqual(1);
    await inv.close();
  });

  it('with a runtime: the containers it names are labelled and never cut by the cap; their pod is walked first', async () => {
    const pod: Pod = {
      id: 'sandbox1', name: 'web', namespace: 'shop', uid: UID, attempt: 0, state: 'ready', createdAt: 1n, labels: {}, annotations: {},
      pid: 0, cgroupPath: `${POD}/sandbox1`, image: 'localhost/busybox:1', hostNetwork: false,
    };
    const ctr = (id: string): Container => ({
      id, podId: 'sandbox1', name: id, attempt: 0, image: 'localhost/busybox:1', imageRef: 'sha256:abc', state: 'running', createdAt: 2n,
      labels: { 'io.kubernetes.container.name': id }, annotations: {}, cgroupPath: `${POD}/${id}`,
    });
    const rt = runtimeNaming([pod], [ctr('ctr1'), ctr('ctr2')]);
    // A cap so small that the flood alone would fill it many times over.
    const { inv } = inventory({ connect: () => ({ runtime: rt, endpoint: 'unix:///fake.sock' }) }, 50);
    await inv.refreshNow();
    const m = await measured(() => inv.list());
    const byPath = new Map(m.value.targets.map((t) => [t.cgroupPath, t]));
    console.log(`[raw-flood] runtime, maxCgroups 50: ${byPath.size} targets in ${figures(m)}`);
    expect(byPath.get(`${POD}/ctr1`)?.identity).toMatchObject({ container: 'ctr1', pod: 'web', namespace: 'shop' });
    expect(byPath.get(`${POD}/ctr2`)?.identity).toMatchObject({ container: 'ctr2', pod: 'web' });
    expect(byPath.get(`${POD}/sandbox1`)?.identity).toMatchObject({ container: '', pod: 'web' });
    expect(byPath.get(POD)?.identity).toMatchObject({ pod: 'web', namespace: 'shop' });
    // A cgroup in that pod the runtime did not name (yet) is found raw: the pod's directory is walked first.
    expect(byPath.get(`${POD}/ctr3`)?.identity).toMatchObject({ id: `${POD}/ctr3`, pod: '', container: '' });
    expect(m.value.truncated).toBe(true);
    await inv.close();
  });

  it('a walk of the whole flood with a large cap keeps the event loop turning', async () => {
    const { inv } = inventory({ connect: () => ({ reason: 'no CRI socket found' }) }, 100_000);
    const m = await measured(() => inv.list());
    console.log(
      `[raw-flood] no runtime, maxCgroups 100000: ${m.value.targets.length} targets in ${figures(m)}`,
    );
    expect(m.value.truncated).toBe(false);
    expect(m.value.targets.length).toBe(SIBLINGS + 9);
    // Over 5,000 directory entries read, the loop let in at least every 512 of them.
    expect(m.turns, 'the walk let the event loop run').toBeGreaterThanOrEqual(Math.floor(SIBLINGS / 512));
    await inv.close();
  });
});
