import { writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CriRuntime } from '../../src/runtime/cri/client.js';
import { criProtoPath } from '../../src/runtime/cri/connection.js';
import { RuntimeCallError } from '../../src/runtime/runtime-error.js';
import { absentSocketPath, startFakeCri, startSilentSocket, type FakeCri } from '../helpers/fake-cri.js';

async function rejection(p: Promise<unknown>): Promise<RuntimeCallError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeCallError);
    return err as RuntimeCallError;
  }
  throw new Error('expected the call to reject');
}

describe('CriRuntime against a fake containerd 1.6 (real gRPC over a unix socket)', () => {
  let fake: FakeCri;
  let cri: CriRuntime;

  beforeEach(async () => {
    fake = await startFakeCri({ scenario: 'containerd-1.6' });
    cri = new CriRuntime({ endpoint: fake.endpoint, timeoutMs: 2000 });
  });

  afterEach(async () => {
    cri.close();
    await fake.dispose();
  });

  it('finds api.proto relative to the module', () => {
    expect(criProtoPath()).toMatch(/src\/runtime\/cri\/api\.proto$/);
  });

  it('accepts a bare socket path as endpoint', async () => {
    const bare = new CriRuntime({ endpoint: fake.socketPath });
    try {
      expect(bare.endpoint).toBe(`unix://${fake.socketPath}`);
      expect((await bare.version()).runtimeName).toBe('containerd');
    } finally {
      bare.close();
    }
  });

  it('version and status', async () => {
    expect(await cri.version()).toEqual({ runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', apiVersion: 'v1' });
    const st = await cri.status();
    expect([st.runtimeReady, st.networkReady]).toEqual([true, true]);
  });

  it('lists pods and containers in every state, without filters', async () => {
    const pods = await cri.listPods();
    expect(pods.map((p) => [p.name, p.state])).toEqual([
      ['workload', 'ready'],
      ['hostnet', 'ready'],
      ['finished', 'notready'],
    ]);
    const containers = await cri.listContainers();
    // containerd lists containers in no particular order.
    expect(Object.fromEntries(containers.map((c) => [c.name, c.state]))).toEqual({
      'cpu-burner': 'running',
      'mem-holder': 'running',
      'net-gen': 'running',
      'oom-victim': 'exited',
      agent: 'running',
      job: 'exited',
    });
    const workload = pods[0];
    expect(containers.filter((c) => c.podId === workload?.id).map((c) => c.name).sort()).toEqual([
      'cpu-burner',
      'mem-holder',
      'net-gen',
      'oom-victim',
    ]);
    expect(fake.callsOf('ListContainers')[0]?.request).toEqual({ filter: null });
  });

  it('podStatus asks for verbose status and returns pid, cgroup path, host network, image', async () => {
    const [workload, hostnet] = await cri.listPods();
    if (!workload || !hostnet) throw new Error('scenario lacks pods');
    const pod = await cri.podStatus(workload.id);
    expect(fake.callsOf('PodSandboxStatus')[0]?.request).toEqual({ pod_sandbox_id: workload.id, verbose: true });
    expect(pod).toMatchObject({ name: 'workload', pid: 29062, hostNetwork: false, ip: '10.97.0.4', image: 'localhost/busybox:1' });
    expect(pod.cgroupPath).toBe(`/podpulse-crichk/pod${workload.uid}/${workload.id}`);
    expect((await cri.podStatus(hostnet.id)).hostNetwork).toBe(true);
  });

  it('containerStatus asks for verbose status and returns pid, cgroup path, exit details', async () => {
    const containers = await cri.listContainers();
    const burner = containers.find((c) => c.name === 'cpu-burner');
    const victim = containers.find((c) => c.name === 'oom-victim');
    if (!burner || !victim) throw new Error('scenario lacks containers');
    const running = await cri.containerStatus(burner.id);
    expect(fake.callsOf('ContainerStatus')[0]?.request).toEqual({ container_id: burner.id, verbose: true });
    expect(running).toMatchObject({ podId: burner.podId, pid: 29100, state: 'running', image: 'localhost/busybox:1' });
    expect(running.cgroupPath).toMatch(new RegExp(`/${burner.id}$`));
    const dead = await cri.containerStatus(victim.id);
    expect(dead).toMatchObject({ state: 'exited', exitCode: 137, reason: 'OOMKilled', restartCount: 2 });
    expect(dead.finishedAt).toBeGreaterThan(dead.createdAt);
  });

  it('a container that vanished between list and status is CRI_CALL with status NOT_FOUND', async () => {
    const err = await rejection(cri.containerStatus('0'.repeat(64)));
    expect(err.code).toBe('CRI_CALL');
    expect(err.status).toBe('NOT_FOUND');
    expect(err.rpc).toBe('ContainerStatus');
    expect(err.message).toMatch(/CRI ContainerStatus on unix:\/\/.*failed: NOT_FOUND \(5\)/);
  });

  it('listContainerStats covers running and exited containers', async () => {
    const cs = await cri.listContainerStats();
    expect(cs).toHaveLength(6);
    const burner = cs.find((s) => s.name === 'cpu-burner');
    expect(burner?.cpuUsageCoreNanoSeconds).toBe(2651287323n);
    expect(cs.find((s) => s.name === 'job')?.cpuUsageCoreNanoSeconds).toBeUndefined();
  });

  it('containerd 1.6 fails ListPodSandboxStats as a whole for a stopped pod; PodSandboxStats per ready pod works', async () => {
    const err = await rejection(cri.listPodSandboxStats());
    expect([err.code, err.status, err.rpc]).toEqual(['CRI_CALL', 'UNKNOWN', 'ListPodSandboxStats']);
    expect(err.message).toMatch(/is not in ready state/);

    const pods = await cri.listPods();
    const ready = pods.filter((p) => p.state === 'ready');
    const stats = await Promise.all(ready.map((p) => cri.podSandboxStats(p.id)));
    expect(stats.map((s) => [s.name, s.processCount])).toEqual([
      ['workload', 4],
      ['hostnet', 1],
    ]);
    const stopped = pods.find((p) => p.state === 'notready');
    expect((await rejection(cri.podSandboxStats(stopped?.id ?? ''))).status).toBe('UNKNOWN');
  });

  it('stats calls use their own, longer deadline', async () => {
    cri.close();
    cri = new CriRuntime({ endpoint: fake.endpoint, timeoutMs: 100, statsTimeoutMs: 3000 });
    fake.stall('*', 400);
    expect(await cri.listContainerStats()).toHaveLength(6);
    const err = await rejection(cri.listPods());
    expect(err.status).toBe('DEADLINE_EXCEEDED');
  });

  it('a stalled runtime yields DEADLINE_EXCEEDED (CRI_CALL) at the configured deadline', async () => {
    cri.close();
    cri = new CriRuntime({ endpoint: fake.endpoint, timeoutMs: 300 });
    fake.stall('ListContainers', 5000);
    const t0 = performance.now();
    const err = await rejection(cri.listContainers());
    const elapsed = performance.now() - t0;
    expect(err.code).toBe('CRI_CALL');
    expect(err.status).toBe('DEADLINE_EXCEEDED');
    expect(err.rpc).toBe('ListContainers');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
    // Other calls are unaffected.
    expect(await cri.listPods()).toHaveLength(3);
  });

  it('passes runtime errors through with their status (UNIMPLEMENTED, UNKNOWN)', async () => {
    fake.failNext('PodSandboxStats', grpc.status.UNIMPLEMENTED, 'unknown method PodSandboxStats');
    const err = await rejection(cri.podSandboxStats('x'));
    expect([err.code, err.status]).toEqual(['CRI_CALL', 'UNIMPLEMENTED']);
    expect(err.message).toMatch(/unknown method PodSandboxStats/);
  });

  it('a runtime restart: UNAVAILABLE while down, then calls succeed again on the same client', async () => {
    expect(await cri.listPods()).toHaveLength(3);
    await fake.stop();
    const err = await rejection(cri.listPods());
    expect(err.code).toBe('CRI_UNAVAILABLE');
    await fake.restart();
    await expect
      .poll(async () => (await cri.listPods().catch(() => [])).length, { timeout: 8000, interval: 100 })
      .toBe(3);
  });

  it('close() cancels calls in flight instead of leaving them to their deadline', async () => {
    cri.close();
    // A deadline far beyond the test's timeout: only the cancellation can end these calls in time.
    cri = new CriRuntime({ endpoint: fake.endpoint, timeoutMs: 120_000 });
    fake.hang('ContainerStatus');
    const pending = cri.containerStatus('9e9ae6aefd59f1147eb78476f2d880444cfc2c1c545f20640c716c86f5b96294');
    await expect.poll(() => fake.pending('ContainerStatus')).toBe(1);
    cri.close();
    const err = await rejection(pending);
    expect(err.status).toBe('CANCELLED');
    expect(err.rpc).toBe('ContainerStatus');
  });

  it('a socket that accepts and never answers: DEADLINE_EXCEEDED at the deadline, not a hang', async () => {
    const silent = await startSilentSocket();
    const stuck = new CriRuntime({ endpoint: silent.endpoint, timeoutMs: 300 });
    try {
      const err = await rejection(stuck.listPods());
      expect(err.status).toBe('DEADLINE_EXCEEDED');
      expect(err.code).toBe('CRI_CALL');
      expect(silent.connections).toBeGreaterThanOrEqual(1);
    } finally {
      stuck.close();
      await silent.dispose();
    }
  });

  it('rejects calls after close()', async () => {
    cri.close();
    const err = await rejection(cri.listPods());
    expect(err.code).toBe('CRI_UNAVAILABLE');
    expect(err.message).toMatch(/closed/);
  });
});

describe('CriRuntime with only ready pods', () => {
  it('listPodSandboxStats returns every pod with network and process stats', async () => {
    const fake = await startFakeCri({ scenario: 'containerd-1.6-ready' });
    const cri = new CriRuntime({ endpoint: fake.endpoint });
    try {
      const ps = await cri.listPodSandboxStats();
      expect(ps.map((p) => [p.name, p.network?.map((n) => n.name), p.processCount, p.containers.length])).toEqual([
        ['workload', ['eth0'], 4, 4],
        ['hostnet', undefined, 1, 1],
      ]);
    } finally {
      cri.close();
      await fake.dispose();
    }
  });
});

describe('CriRuntime with ListPodSandboxStats failing (containerd 1.6, a pod without cgroup_parent)', () => {
  it('surfaces the runtime error as CRI_CALL / UNKNOWN with the rpc name', async () => {
    const fake = await startFakeCri({ scenario: 'no-cgroup-parent' });
    const cri = new CriRuntime({ endpoint: fake.endpoint });
    try {
      const err = await rejection(cri.listPodSandboxStats());
      expect([err.code, err.status, err.rpc]).toEqual(['CRI_CALL', 'UNKNOWN', 'ListPodSandboxStats']);
      expect(err.message).toMatch(/cgroupPath is empty/);
      // Container stats and the pod's cgroup path (under /k8s.io) still work.
      expect(await cri.listContainerStats()).toHaveLength(1);
      const [pod] = await cri.listPods();
      expect((await cri.podStatus(pod?.id ?? '')).cgroupPath).toBe(`/k8s.io/${pod?.id}`);
    } finally {
      cri.close();
      await fake.dispose();
    }
  });
});

describe('CriRuntime without a runtime', () => {
  it('a missing socket is CRI_UNAVAILABLE / UNAVAILABLE, fast, naming rpc and endpoint', async () => {
    const absent = absentSocketPath();
    const cri = new CriRuntime({ endpoint: absent.path, timeoutMs: 5000 });
    try {
      const t0 = performance.now();
      const err = await rejection(cri.listPods());
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(err.code).toBe('CRI_UNAVAILABLE');
      expect(err.status).toBe('UNAVAILABLE');
      expect(err.message).toContain('ListPodSandbox');
      expect(err.message).toContain(absent.path);
    } finally {
      cri.close();
      absent.cleanup();
    }
  });

  it('a path that is not a socket is CRI_UNAVAILABLE too', async () => {
    const absent = absentSocketPath();
    writeFileSync(absent.path, 'not a socket');
    const cri = new CriRuntime({ endpoint: `unix://${absent.path}` });
    try {
      expect((await rejection(cri.version())).code).toBe('CRI_UNAVAILABLE');
    } finally {
      cri.close();
      absent.cleanup();
    }
  });

  it('rejects bad options up front', () => {
    expect(() => new CriRuntime({ endpoint: 'tcp://127.0.0.1:1' })).toThrow(/cri.endpoint/);
    expect(() => new CriRuntime({ endpoint: '/x.sock', timeoutMs: 0 })).toThrow(RangeError);
  });
});
