import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CriAdmin, toContainerConfig, toPodSandboxConfig, type PodSpec } from '../helpers/cri-admin.js';
import { CriRuntime } from '../../src/runtime/cri/client.js';
import { startFakeCri, type FakeCri } from '../helpers/fake-cri.js';

const uid = '9a8b7c6d-0000-4000-8000-123456789abc';
const pod: PodSpec = { name: 'web', namespace: 'e2e', uid, cgroupParent: `/kubepods/besteffort/pod${uid}`, labels: { app: 'web' } };

describe('kubelet-like configs', () => {
  it('pod: kubelet labels, cgroup parent, namespace modes, hostname', () => {
    expect(toPodSandboxConfig(pod)).toEqual({
      metadata: { name: 'web', uid, namespace: 'e2e', attempt: 0 },
      hostname: 'web',
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'e2e', 'io.kubernetes.pod.uid': uid, app: 'web' },
      annotations: { 'kubernetes.io/config.source': 'podpulse-test' },
      linux: {
        cgroup_parent: `/kubepods/besteffort/pod${uid}`,
        security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
      },
    });
  });

  it('host-network pod: network NODE and no hostname', () => {
    const cfg = toPodSandboxConfig({ ...pod, hostNetwork: true });
    expect(cfg.hostname).toBeUndefined();
    expect(cfg.linux?.security_context?.namespace_options?.network).toBe('NODE');
  });

  it("container: repeats the pod's namespace modes, kubelet labels, restartCount, resources as int64 strings", () => {
    const cfg = toContainerConfig(
      {
        name: 'burn',
        image: 'localhost/busybox:1',
        command: ['sh', '-c', 'while :; do :; done'],
        env: { A: '1' },
        restartCount: 3,
        resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitBytes: 268435456 },
      },
      { ...pod, pidMode: 'pod', logDirectory: '/var/log/pods/x' },
    );
    expect(cfg).toEqual({
      metadata: { name: 'burn', attempt: 0 },
      image: { image: 'localhost/busybox:1' },
      command: ['sh', '-c', 'while :; do :; done'],
      envs: [{ key: 'A', value: '1' }],
      log_path: 'burn/0.log',
      labels: {
        'io.kubernetes.container.name': 'burn',
        'io.kubernetes.pod.name': 'web',
        'io.kubernetes.pod.namespace': 'e2e',
        'io.kubernetes.pod.uid': uid,
      },
      annotations: { 'io.kubernetes.container.restartCount': '3' },
      linux: {
        security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } },
        resources: { cpu_period: '100000', cpu_quota: '50000', cpu_shares: '512', memory_limit_in_bytes: '268435456' },
      },
    });
  });

  it('no log path unless the pod has a log directory', () => {
    expect(toContainerConfig({ name: 'a', image: 'i' }, pod).log_path).toBeUndefined();
  });
});

describe('CriAdmin against the fake runtime', () => {
  let fake: FakeCri;
  let admin: CriAdmin;
  let cri: CriRuntime;

  beforeEach(async () => {
    fake = await startFakeCri({ scenario: 'containerd-1.6' });
    admin = new CriAdmin({ endpoint: fake.endpoint, timeoutMs: 2000 });
    cri = new CriRuntime({ endpoint: fake.endpoint });
  });

  afterEach(async () => {
    admin.close();
    cri.close();
    await fake.dispose();
  });

  it('startPod sends the configs over the wire and the pod shows up in the lists', async () => {
    const { podId, containerIds } = await admin.startPod(pod, [
      { name: 'burn', image: 'localhost/busybox:1', command: ['sh', '-c', 'while :; do :; done'], resources: { cpuQuota: 50000 } },
      { name: 'idle', image: 'localhost/busybox:1', command: ['sleep', 'infinity'] },
    ]);
    expect(containerIds).toHaveLength(2);

    const run = fake.callsOf('RunPodSandbox')[0]?.request as { config: Record<string, unknown> };
    expect(run.config).toMatchObject({
      metadata: { name: 'web', uid, namespace: 'e2e', attempt: 0 },
      linux: { cgroup_parent: `/kubepods/besteffort/pod${uid}`, security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    });
    const create = fake.callsOf('CreateContainer')[0]?.request as { pod_sandbox_id: string; config: Record<string, unknown> };
    expect(create.pod_sandbox_id).toBe(podId);
    // Decoded on the server side: int64 fields arrive as numbers-as-strings, unset ones as "0".
    expect(create.config).toMatchObject({
      image: { image: 'localhost/busybox:1' },
      linux: { resources: { cpu_quota: '50000', cpu_period: '0' }, security_context: { namespace_options: { pid: 'CONTAINER' } } },
    });
    expect(fake.callsOf('StartContainer').map((c) => c.request)).toEqual(containerIds.map((container_id) => ({ container_id })));

    const listed = (await cri.listContainers()).filter((c) => c.podId === podId);
    expect(listed.map((c) => [c.name, c.state, c.restartCount])).toEqual([
      ['burn', 'running', 0],
      ['idle', 'running', 0],
    ]);
    const p = (await cri.listPods()).find((x) => x.id === podId);
    expect(p).toMatchObject({ name: 'web', namespace: 'e2e', uid, state: 'ready', labels: { app: 'web' } });
  });

  it('stop/remove container and teardownPod', async () => {
    const { podId, containerIds } = await admin.startPod(pod, [{ name: 'a', image: 'localhost/busybox:1' }]);
    const [cid] = containerIds;
    if (!cid) throw new Error('no container');
    await admin.stopContainer(cid, 5);
    expect(fake.callsOf('StopContainer')[0]?.request).toEqual({ container_id: cid, timeout: '5' });
    expect((await cri.listContainers()).find((c) => c.id === cid)?.state).toBe('exited');
    await admin.removeContainer(cid);
    expect((await cri.listContainers()).find((c) => c.id === cid)).toBeUndefined();

    await admin.teardownPod(podId);
    expect(fake.calls.map((c) => c.rpc).slice(-2)).toEqual(['StopPodSandbox', 'RemovePodSandbox']);
    expect((await cri.listPods()).find((x) => x.id === podId)).toBeUndefined();
  });

  it('errors carry the rpc name', async () => {
    await expect(admin.startContainer('nope')).rejects.toMatchObject({ code: 'CRI_CALL', rpc: 'StartContainer', status: 'NOT_FOUND' });
  });
});
