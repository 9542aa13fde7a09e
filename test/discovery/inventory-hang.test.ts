/**
 * CriInventory against a runtime that hangs or fails one call at a time: list() answers without
 * waiting for it, status calls are bounded in number, a refresh is never started twice and has an
 * overall deadline, a deadline renews the connection, and each failure costs only its own labels.
 * A scripted ContainerRuntime stands in for the gRPC client (that one is tested on a real socket
 * in test/runtime and test/e2e/cri-hang*.test.ts).
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CriInventory, type RuntimeConnector } from '../../src/discovery/inventory.js';
import type { Target } from '../../src/discovery/target.js';
import type { Logger } from '../../src/log.js';
import { RuntimeCallError } from '../../src/runtime/runtime-error.js';
import type { ContainerRuntime } from '../../src/runtime/runtime.js';
import type { Container, Pod } from '../../src/runtime/types.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const UID = '0f3e5a77-0000-4000-8000-0000000000aa';
const POD = `/kubepods/besteffort/pod${UID}`;
const IDS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
const root = writeTree({ memory: { kubepods: { besteffort: { [`pod${UID}`]: Object.fromEntries(['sb', ...IDS].map((id) => [id, {}])) } } } });
afterAll(() => removeTree(root));
const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', `${root}/memory`]]) };

const thePod: Pod = {
  id: 'sb', name: 'web', namespace: 'shop', uid: UID, attempt: 0, state: 'ready', createdAt: 1n, labels: {}, annotations: {},
  pid: 0, cgroupPath: `${POD}/sb`, image: 'localhost/busybox:1', hostNetwork: false,
};
const ctr = (id: string): Container => ({
  id, podId: 'sb', name: id, attempt: 0, image: 'localhost/busybox:1', imageRef: 'sha256:abc', state: 'running', createdAt: 2n,
  labels: { 'io.kubernetes.container.name': id }, annotations: {}, cgroupPath: `${POD}/${id}`,
});

type Behaviour = 'answer' | 'hang' | { fail: string } | { delayMs: number };

/** Each call answers, fails with a gRPC status, or hangs until `release()` (or forever). */
class ControlledRuntime implements ContainerRuntime {
  lists: Behaviour = 'answer';
  podList: Behaviour | undefined;
  statusOf = new Map<string, Behaviour>();
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  #held: (() => void)[] = [];

  async #call<T>(rpc: string, behaviour: Behaviour, value: () => T): Promise<T> {
    this.calls.push(rpc);
    if (behaviour === 'hang') {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise<void>((resolve) => this.#held.push(resolve));
      this.inFlight--;
    } else if (typeof behaviour === 'object' && 'delayMs' in behaviour) {
      await new Promise((r) => setTimeout(r, behaviour.delayMs));
    } else if (typeof behaviour === 'object') {
      throw new RuntimeCallError('CRI_CALL', rpc, behaviour.fail, `${rpc}: ${behaviour.fail}`);
    }
    return value();
  }
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
  version = async () => ({ runtimeName: 'containerd', runtimeVersion: '1.6.20', apiVersion: 'v1' });
  async status(): Promise<never> {
    throw new Error('unused');
  }
  async listPods() {
    return this.#call('ListPodSandbox', this.podList ?? this.lists, () => [thePod]);
  }
  async listContainers() {
    return this.#call('ListContainers', this.lists, () => IDS.map(ctr));
  }
  async podStatus() {
    return this.#call('PodSandboxStatus', 'answer', () => thePod);
  }
  async containerStatus(id: string) {
    return this.#call(`ContainerStatus/${id}`, this.statusOf.get(id) ?? this.statusOf.get('*') ?? 'answer', () => ctr(id));
  }
  async listContainerStats() {
    return [];
  }
  async listPodSandboxStats() {
    return [];
  }
  async podSandboxStats(): Promise<never> {
    throw new Error('unused');
  }
  close() {
    this.closed = true;
  }
}

function capturingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg as string) });
  return { log, warnings };
}

function setup(runtimes: ControlledRuntime[], opts: { concurrency?: number; refreshTimeoutMs?: number; now?: () => number; listWaitMs?: number } = {}) {
  const stats = new SelfStats();
  const { log, warnings } = capturingLog();
  let connects = 0;
  const connector: RuntimeConnector = {
    connect: () => {
      const runtime = runtimes[Math.min(connects++, runtimes.length - 1)] as ControlledRuntime;
      return { runtime, endpoint: 'unix:///fake.sock' };
    },
  };
  const inv = new CriInventory({
    layout, raw: { parents: [], maxDepth: 6, maxCgroups: 100 }, connector, rootfs: '/', stats, log, listWaitMs: opts.listWaitMs ?? 20,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.refreshTimeoutMs !== undefined ? { refreshTimeoutMs: opts.refreshTimeoutMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { inv, stats, warnings, connects: () => connects };
}

const byPath = (targets: Target[]) => new Map(targets.map((t) => [t.cgroupPath, t]));
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('CriInventory with a hanging or failing runtime', () => {
  it('answers list() while the lists hang, with every cgroup raw; starts no second refresh meanwhile', async () => {
    const rt = new ControlledRuntime();
    rt.lists = 'hang';
    const { inv, stats } = setup([rt]);
    for (let i = 0; i < 3; i++) {
      const t = byPath((await inv.list()).targets);
      // Every cgroup is there (cgroup data never stops), unlabelled.
      expect(t.get(`${POD}/c1`)?.identity.pod).toBe('');
      expect(t.size).toBe(1 + 3 + 1 + IDS.length);
    }
    expect(rt.calls.filter((c) => c === 'ListContainers')).toHaveLength(1);
    expect(stats.criUp).toBe(false); // connected, never answered
    rt.release();
    await tick(10);
    const t = byPath((await inv.list()).targets);
    expect(t.get(`${POD}/c1`)?.identity).toMatchObject({ container: 'c1', pod: 'web' });
    expect(stats.criUp).toBe(true);
    await inv.close();
  });

  it('waits for a refresh that keeps getting answers, so a slow but healthy start-up is labelled at once', async () => {
    const rt = new ControlledRuntime();
    // 8 status calls one at a time, 25 ms each: 200 ms in all, but never 100 ms without an answer.
    rt.statusOf.set('*', { delayMs: 25 });
    const { inv } = setup([rt], { concurrency: 1, listWaitMs: 100 });
    const t = byPath((await inv.list()).targets);
    for (const id of IDS) expect(t.get(`${POD}/${id}`)?.identity.container, id).toBe(id);
    // …while a call that never answers is given up on after 100 ms of silence.
    const stuck = new ControlledRuntime();
    stuck.statusOf.set('c8', 'hang');
    const s = setup([stuck], { concurrency: 1, listWaitMs: 100 });
    const u = byPath((await s.inv.list()).targets);
    for (const id of IDS.slice(0, 7)) expect(u.get(`${POD}/${id}`)?.identity.container, id).toBe(id);
    expect(u.get(`${POD}/c8`)?.identity.container).toBe('');
    await inv.close();
    await s.inv.close();
  });

  it('asks for status at most cri.concurrency at a time', async () => {
    const rt = new ControlledRuntime();
    rt.statusOf.set('*', 'hang');
    const { inv } = setup([rt], { concurrency: 3 });
    await inv.list();
    await tick(10);
    expect(rt.maxInFlight).toBe(3);
    // Each answer frees a slot for the next one, never more than three.
    rt.release();
    await tick(10);
    rt.release();
    await tick(10);
    rt.release();
    await tick(10);
    expect(rt.maxInFlight).toBe(3);
    expect(rt.calls.filter((c) => c.startsWith('ContainerStatus/'))).toHaveLength(IDS.length);
    const t = byPath((await inv.list()).targets);
    for (const id of IDS) expect(t.get(`${POD}/${id}`)?.identity.container, id).toBe(id);
    await inv.close();
  });

  it('a failing or hung ContainerStatus loses only that container’s labels; errors are counted by code and said once', async () => {
    const rt = new ControlledRuntime();
    rt.statusOf.set('c2', { fail: 'UNKNOWN' });
    rt.statusOf.set('c3', { fail: 'UNKNOWN' });
    rt.statusOf.set('c4', 'hang');
    rt.statusOf.set('c5', { fail: 'NOT_FOUND' }); // vanished between list and status: not an error
    let now = 0;
    const { inv, stats, warnings } = setup([rt], { now: () => now });
    await inv.list();
    await tick(10);
    const t = byPath((await inv.list()).targets);
    for (const id of ['c1', 'c6', 'c7', 'c8']) expect(t.get(`${POD}/${id}`)?.identity.container, id).toBe(id);
    for (const id of ['c2', 'c3', 'c4', 'c5']) expect(t.get(`${POD}/${id}`)?.identity.container, id).toBe('');
    expect(t.get(`${POD}/sb`)?.identity.pod).toBe('web');
    expect(stats.sourceErrors.cri).toEqual({ UNAVAILABLE: 0, DEADLINE_EXCEEDED: 0, UNKNOWN: 2 });
    expect(warnings.filter((w) => w.startsWith('CRI ContainerStatus failed (UNKNOWN)'))).toHaveLength(1);
    // The hung one answers; the failing ones are retried next refresh, the warning not repeated within 5 min.
    rt.release();
    await tick(10);
    now = 60_000;
    await inv.list();
    await tick(10);
    const t2 = byPath((await inv.list()).targets);
    expect(t2.get(`${POD}/c4`)?.identity.container).toBe('c4');
    expect(stats.sourceErrors.cri?.UNKNOWN).toBeGreaterThanOrEqual(4);
    expect(warnings.filter((w) => w.startsWith('CRI ContainerStatus failed (UNKNOWN)'))).toHaveLength(1);
    now = 6 * 60_000;
    await inv.list();
    await tick(10);
    expect(warnings.filter((w) => w.startsWith('CRI ContainerStatus failed (UNKNOWN)'))).toHaveLength(2);
    await inv.close();
  });

  it('retries a failed status after 5 s, doubling the wait: a stuck one does not hold a slot every cycle', async () => {
    const rt = new ControlledRuntime();
    rt.statusOf.set('c2', { fail: 'DEADLINE_EXCEEDED' });
    let now = 0;
    const { inv } = setup([rt], { now: () => now });
    const statusCalls = () => rt.calls.filter((c) => c === 'ContainerStatus/c2').length;
    const cycleAt = async (t: number) => {
      now = t;
      await inv.list();
      await tick(10);
    };
    await cycleAt(0);
    expect(statusCalls()).toBe(1);
    await cycleAt(1_000);
    expect(statusCalls()).toBe(1);
    await cycleAt(5_000);
    expect(statusCalls()).toBe(2);
    await cycleAt(10_000); // the wait doubled to 10 s
    expect(statusCalls()).toBe(2);
    await cycleAt(15_000);
    expect(statusCalls()).toBe(3);
    rt.statusOf.delete('c2');
    await cycleAt(35_000);
    expect(statusCalls()).toBe(4);
    expect(byPath((await inv.list()).targets).get(`${POD}/c2`)?.identity.container).toBe('c2');
    await inv.close();
  });

  it('one list failing alone costs only what it lists', async () => {
    const rt = new ControlledRuntime();
    const { inv, stats } = setup([rt]);
    await inv.list();
    await tick(10);
    rt.podList = { fail: 'RESOURCE_EXHAUSTED' };
    await inv.list();
    await tick(10);
    const t = byPath((await inv.list()).targets);
    // The runtime answered ListContainers: it is up, containers keep their labels, the pod is kept as known.
    expect(stats.criUp).toBe(true);
    expect(stats.sourceErrors.cri?.RESOURCE_EXHAUSTED).toBeGreaterThanOrEqual(1);
    expect(t.get(`${POD}/c1`)?.identity).toMatchObject({ container: 'c1', pod: 'web' });
    expect(t.get(`${POD}/sb`)?.identity.pod).toBe('web');
    await inv.close();
  });

  it('DEADLINE_EXCEEDED on the lists renews the connection (close, then a new client)', async () => {
    const first = new ControlledRuntime();
    first.lists = { fail: 'DEADLINE_EXCEEDED' };
    const second = new ControlledRuntime();
    const { inv, stats, connects } = setup([first, second]);
    await inv.list();
    await tick(10);
    expect(first.closed).toBe(true);
    expect(stats.criUp).toBe(false);
    expect(stats.sourceErrors.cri?.DEADLINE_EXCEEDED).toBe(1);
    await inv.list();
    await tick(10);
    expect(connects()).toBe(2);
    expect(stats.criUp).toBe(true);
    expect(byPath((await inv.list()).targets).get(`${POD}/c1`)?.identity.pod).toBe('web');
    await inv.close();
  });

  it('a refresh that outlives its overall deadline is let go; the next one starts on a new connection', async () => {
    const stuck = new ControlledRuntime();
    stuck.statusOf.set('*', 'hang'); // never answers, not even when closed
    const healthy = new ControlledRuntime();
    const { inv, stats, warnings, connects } = setup([stuck, healthy], { refreshTimeoutMs: 50 });
    await inv.list();
    await tick(100);
    expect(stuck.closed).toBe(true);
    expect(stats.sourceErrors.cri?.DEADLINE_EXCEEDED).toBe(1);
    expect(warnings.some((w) => w.startsWith('CRI refresh did not finish in time'))).toBe(true);
    await inv.list();
    await tick(10);
    expect(connects()).toBe(2);
    expect(byPath((await inv.list()).targets).get(`${POD}/c1`)?.identity.container).toBe('c1');
    // Late answers of the abandoned refresh change nothing.
    const before = { ...stats.sourceErrors.cri };
    stuck.release();
    await tick(10);
    expect(stats.sourceErrors.cri).toEqual(before);
    await inv.close();
  });

  it('close() ends waiting: calls are released by the runtime, nothing more is started', async () => {
    const rt = new ControlledRuntime();
    rt.lists = 'hang';
    const { inv } = setup([rt]);
    await inv.list();
    await inv.close();
    expect(rt.closed).toBe(true);
    const t = await inv.list(); // after close: the latest results, no new calls
    expect(t.targets.length).toBeGreaterThan(0);
    expect(rt.calls.filter((c) => c === 'ListContainers')).toHaveLength(1);
  });
});
