import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { cgroupPathFromSpec, expandSlice, isPodCgroup } from '../../src/discovery/cgroups-path.js';
import { CriInventory, type RuntimeConnector } from '../../src/discovery/inventory.js';
import type { Target } from '../../src/discovery/target.js';
import { RuntimeCallError } from '../../src/runtime/runtime-error.js';
import type { ContainerRuntime } from '../../src/runtime/runtime.js';
import type { Container, Pod } from '../../src/runtime/types.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

/**
 * A scripted ContainerRuntime: this test is about the inventory's joins and caching, not about
 * gRPC (the CRI client is tested against a real gRPC server, and the whole thing against a real
 * containerd in test/e2e).
 */
class ScriptedRuntime implements ContainerRuntime {
  pods: Pod[] = [];
  containers: Container[] = [];
  down = false;
  statusCalls: string[] = [];
  closed = false;
  #fail(rpc: string): never {
    throw new RuntimeCallError('CRI_UNAVAILABLE', rpc, 'UNAVAILABLE', `${rpc}: UNAVAILABLE: connect ECONNREFUSED`);
  }
  async version() {
    return { runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' } as never;
  }
  async status() {
    return {} as never;
  }
  async listPods() {
    if (this.down) this.#fail('ListPodSandbox');
    return this.pods.map(({ pid: _p, cgroupPath: _c, hostNetwork: _h, image: _i, ...rest }) => rest as Pod);
  }
  async listContainers() {
    if (this.down) this.#fail('ListContainers');
    return this.containers.map(({ pid: _p, cgroupPath: _c, reason: _r, ...rest }) => rest as Container);
  }
  async podStatus(id: string) {
    this.statusCalls.push(id);
    const p = this.pods.find((x) => x.id === id);
    if (!p) throw new RuntimeCallError('CRI_CALL', 'PodSandboxStatus', 'NOT_FOUND', 'not found');
    return p;
  }
  async containerStatus(id: string) {
    this.statusCalls.push(id);
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new RuntimeCallError('CRI_CALL', 'ContainerStatus', 'NOT_FOUND', 'not found');
    return c;
  }
  statsCalls = 0;
  async listContainerStats() {
    this.statsCalls++;
    return this.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ id: c.id, writableLayer: { mountpoint: '/', usedBytes: 8192, inodesUsed: 3 } }));
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

const UID = '2c468998-0000-4000-8000-000000000001';
const root = writeTree({ memory: { kubepods: { burstable: { [`pod${UID}`]: { sandbox1: {}, ctr1: {} } } }, system: {} } });
afterAll(() => removeTree(root));
const layout: CgroupLayout = { mode: 'v1', v1: new Map([['memory', `${root}/memory`]]) };

function pod(over: Partial<Pod> = {}): Pod {
  return {
    id: 'sandbox1', name: 'workload', namespace: 'demo', uid: UID, attempt: 0, state: 'ready', createdAt: 1n,
    labels: {}, annotations: {}, pid: 4242, cgroupPath: `/kubepods/burstable/pod${UID}/sandbox1`, image: 'localhost/busybox:1', hostNetwork: false,
    ...over,
  };
}

function container(over: Partial<Container> = {}): Container {
  return {
    id: 'ctr1', podId: 'sandbox1', name: 'app', attempt: 0, image: 'localhost/busybox:1', imageRef: 'sha256:abc', state: 'running',
    createdAt: 2n, labels: { 'io.kubernetes.container.name': 'app' }, annotations: {}, restartCount: 0,
    cgroupPath: `/kubepods/burstable/pod${UID}/ctr1`, pid: 4300, startedAt: 1_700_000_000_500_000_000n,
    ...over,
  };
}

function setup(runtime: ScriptedRuntime | undefined, now: () => number = Date.now) {
  const stats = new SelfStats();
  let available = runtime;
  const connector: RuntimeConnector = {
    connect: () => (available ? { runtime: available, endpoint: 'unix:///run/containerd/containerd.sock' } : { reason: 'no CRI socket found' }),
  };
  const inv = new CriInventory({ layout, raw: { parents: [], maxDepth: 6, maxCgroups: 100 }, connector, rootfs: '/', stats, log: pino({ level: 'silent' }), now });
  return { inv, stats, appear: (r: ScriptedRuntime) => (available = r) };
}

const byId = (targets: Target[]) => new Map(targets.map((t) => [t.identity.id, t]));

describe('cgroup paths from runtime specs', () => {
  it('keeps cgroupfs paths and expands systemd slice:prefix:name', () => {
    expect(cgroupPathFromSpec('/kubepods/burstable/podu/abc')).toBe('/kubepods/burstable/podu/abc');
    expect(cgroupPathFromSpec('kubepods-burstable-pod1_2.slice:cri-containerd:abc')).toBe(
      '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice/cri-containerd-abc.scope',
    );
    expect(expandSlice('-.slice')).toBe('/');
    expect(cgroupPathFromSpec('')).toBeUndefined();
    expect(isPodCgroup('/kubepods/burstable/pod1-2', '1-2')).toBe(true);
    expect(isPodCgroup('/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice', '1-2')).toBe(true);
    expect(isPodCgroup('/k8s.io', '1-2')).toBe(false);
  });
});

describe('CriInventory', () => {
  it('labels containers, sandboxes and pod cgroups as kubelet /metrics/cadvisor does', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    const { inv, stats } = setup(rt);
    const t = byId((await inv.list()).targets);
    expect(stats.criUp).toBe(true);
    const podPath = `/kubepods/burstable/pod${UID}`;
    expect(t.get(`${podPath}/ctr1`)?.identity).toEqual({ id: `${podPath}/ctr1`, name: 'ctr1', image: 'localhost/busybox:1', container: 'app', pod: 'workload', namespace: 'demo' });
    expect(t.get(`${podPath}/sandbox1`)?.identity).toEqual({ id: `${podPath}/sandbox1`, name: 'sandbox1', image: 'localhost/busybox:1', container: '', pod: 'workload', namespace: 'demo' });
    expect(t.get(podPath)?.identity).toEqual({ id: podPath, name: '', image: '', container: '', pod: 'workload', namespace: 'demo' });
    // Network belongs to the sandbox only; raw cgroups outside pods stay raw.
    expect(t.get(`${podPath}/sandbox1`)?.netPid).toBe(4242);
    expect(t.get(`${podPath}/ctr1`)?.netPid).toBeUndefined();
    expect(t.get('/')?.netPid).toBe(1);
    expect(t.get('/system')?.identity).toEqual({ id: '/system', name: '', image: '', container: '', pod: '', namespace: '' });
    // The start time is the cgroup's (the cycle reader's, as cAdvisor), not CRI started_at.
    expect(t.get(`${podPath}/ctr1`)).not.toHaveProperty('startTimeSeconds');
    expect(t.get(`${podPath}/ctr1`)?.fs).toEqual([expect.objectContaining({ device: '/', usageBytes: 8192 })]);
  });

  it('asks verbose status only for new ids or changed states, and forgets what disappeared', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    const { inv } = setup(rt);
    await inv.list();
    await inv.list();
    expect(rt.statusCalls).toEqual(['sandbox1', 'ctr1']);
    rt.containers = [];
    rt.pods = [];
    const t = byId((await inv.list()).targets);
    expect(t.get(`/kubepods/burstable/pod${UID}/ctr1`)?.identity.name).toBe('');
  });

  it('hands out the same identity objects every list while the labels stay, and new ones when a label changes', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    const { inv } = setup(rt);
    const ctr = `/kubepods/burstable/pod${UID}/ctr1`;
    const first = byId((await inv.list()).targets);
    const second = byId((await inv.list()).targets);
    expect(first.size).toBeGreaterThan(3);
    for (const [id, t] of first) {
      expect(second.get(id)).toBe(t);
      expect(second.get(id)?.identity).toBe(t.identity);
    }
    // The kubelet's restart count is not a label: a new target object, the same identity.
    rt.containers = [container({ restartCount: 1 })];
    const third = byId((await inv.list()).targets);
    expect(third.get(ctr)?.restartCount).toBe(1);
    expect(third.get(ctr)?.identity).toBe(first.get(ctr)?.identity);
    // A new image after a state change (status asked again) is a new series: a new identity object.
    rt.containers = [container({ state: 'exited' })];
    await inv.list();
    rt.containers = [container({ image: 'localhost/busybox:2', restartCount: 1 })];
    const fourth = byId((await inv.list()).targets);
    expect(fourth.get(ctr)?.identity.image).toBe('localhost/busybox:2');
    expect(fourth.get(ctr)?.identity).not.toBe(first.get(ctr)?.identity);
    expect(fourth.get(`/kubepods/burstable/pod${UID}/sandbox1`)?.identity).toBe(first.get(`/kubepods/burstable/pod${UID}/sandbox1`)?.identity);
  });

  it('does not attribute host traffic to a host-network pod', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod({ hostNetwork: true })];
    const { inv } = setup(rt);
    const t = byId((await inv.list()).targets);
    expect(t.get(`/kubepods/burstable/pod${UID}/sandbox1`)?.identity.pod).toBe('workload');
    expect(t.get(`/kubepods/burstable/pod${UID}/sandbox1`)?.netPid).toBeUndefined();
  });

  it('reports an OOM-killed exit under its own labels until the next instance starts', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    const finishedAt = 1_700_000_100_250_000_000n;
    rt.containers = [
      container({ id: 'old', state: 'exited', reason: 'OOMKilled', exitCode: 137, finishedAt, cgroupPath: `/kubepods/burstable/pod${UID}/old` }),
      container({ id: 'done', name: 'job', state: 'exited', reason: 'Completed', exitCode: 0, cgroupPath: `/kubepods/burstable/pod${UID}/done` }),
    ];
    const { inv } = setup(rt);
    let targets = (await inv.list()).targets;
    const exited = targets.find((t) => t.identity.name === 'old');
    expect(exited).toMatchObject({
      cgroupless: true,
      cgroupPath: `/kubepods/burstable/pod${UID}/old`,
      oomKilledExit: { finishedAtMs: 1_700_000_100_250 },
      identity: { id: `/kubepods/burstable/pod${UID}/old`, container: 'app', pod: 'workload' },
    });
    // An exit for another reason has nothing left to report.
    expect(targets.find((t) => t.identity.name === 'done')).toBeUndefined();
    // The kubelet restarts it: the new instance is a new series with its own kernel count; the old one ends.
    rt.containers = [...rt.containers, container({ id: 'new', attempt: 1, restartCount: 1, cgroupPath: `/kubepods/burstable/pod${UID}/new` })];
    targets = (await inv.list()).targets;
    expect(targets.find((t) => t.identity.name === 'old')).toBeUndefined();
    expect(targets.find((t) => t.identity.name === 'new')).toMatchObject({ restartCount: 1 });
    expect(targets.find((t) => t.identity.name === 'new')).not.toHaveProperty('oomKilledExit');
  });

  it('collects raw cgroups without a runtime, and connects when one appears', async () => {
    const { inv, stats, appear } = setup(undefined);
    const raw = (await inv.list()).targets;
    expect(stats.criUp).toBe(false);
    expect(raw.every((t) => t.identity.pod === '')).toBe(true);
    expect(raw.map((t) => t.cgroupPath)).toContain(`/kubepods/burstable/pod${UID}/ctr1`);
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    appear(rt);
    const t = byId((await inv.list()).targets);
    expect(stats.criUp).toBe(true);
    expect(t.get(`/kubepods/burstable/pod${UID}/ctr1`)?.identity.container).toBe('app');
  });

  it('keeps the last known labels while the runtime is down, and resumes when it is back', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    const { inv, stats } = setup(rt);
    await inv.list();
    rt.down = true;
    const during = byId((await inv.list()).targets);
    expect(stats.criUp).toBe(false);
    expect(stats.sourceErrors.cri).toEqual({ UNAVAILABLE: 1, DEADLINE_EXCEEDED: 0 });
    expect(during.get(`/kubepods/burstable/pod${UID}/ctr1`)?.identity.container).toBe('app');
    rt.down = false;
    await inv.list();
    expect(stats.criUp).toBe(true);
  });

  it('asks for writable-layer stats at most every 10 s (containerd measures no more often)', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container()];
    let t = 0;
    const { inv } = setup(rt, () => t);
    await inv.list();
    t = 5_000;
    const mid = byId((await inv.list()).targets);
    expect(rt.statsCalls).toBe(1);
    expect(mid.get(`/kubepods/burstable/pod${UID}/ctr1`)?.fs).toHaveLength(1); // the last figure is kept meanwhile
    t = 10_000;
    await inv.list();
    expect(rt.statsCalls).toBe(2);
  });

  it('forgets an OOM-killed exit with its pod', async () => {
    const rt = new ScriptedRuntime();
    rt.pods = [pod()];
    rt.containers = [container({ id: 'old', state: 'exited', reason: 'OOMKilled', exitCode: 137 })];
    const { inv } = setup(rt);
    expect((await inv.list()).targets.some((t) => t.oomKilledExit !== undefined)).toBe(true);
    rt.pods = [];
    rt.containers = [];
    expect((await inv.list()).targets.some((t) => t.oomKilledExit !== undefined)).toBe(false);
  });
});
