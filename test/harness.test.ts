/**
 * Smoke test of the real-runtime harness: the containerd that global-setup.ts started answers
 * over CRI, and TestPods creates a kubelet-like pod whose cgroups appear and disappear where
 * podpulse will look for them. Skipped, with the reason in the title, when there is no runtime.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CriRuntime } from '../src/runtime/cri/client.js';
import { TestPods, workloads } from './helpers/pods.js';
import { runtimeOrSkip } from './helpers/runtime-env.js';

const gate = runtimeOrSkip();

describe.skipIf(gate.skip)(gate.title('real containerd harness'), () => {
  let pods: TestPods;
  let cri: CriRuntime;

  beforeAll(() => {
    const rt = gate.get();
    console.log(`[harness] start-runtime.sh took ${rt.startMs} ms`);
    pods = new TestPods(rt);
    cri = new CriRuntime({ endpoint: rt.socket });
  });

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
    cri?.close();
  });

  test('Version names containerd and CRI v1', async () => {
    const v = await cri.version();
    expect(v.runtimeName).toBe('containerd');
    expect(v.apiVersion).toBe('v1');
    expect(v.runtimeVersion).toMatch(/^\d+\.\d+\./);
  });

  test('a kubelet-like pod runs in /kubepods/<qos>/pod<uid>/<id> and leaves no cgroup behind', async () => {
    const t0 = performance.now();
    const pod = await pods.createPod({
      name: 'harness-smoke',
      namespace: 'podpulse-harness',
      qos: 'besteffort',
      containers: [{ name: 'sleeper', command: workloads.sleep() }],
    });
    const createMs = Math.round(performance.now() - t0);
    const ctr = pod.containers[0]!;
    expect(pod.cgroup).toBe(`/kubepods/besteffort/pod${pod.uid}`);
    expect(ctr.cgroup).toBe(`${pod.cgroup}/${ctr.id}`);

    const status = await cri.containerStatus(ctr.id);
    expect(status.state).toBe('running');
    expect(status.podId).toBe(pod.id);
    // What the runtime handed to runc is what we predicted, so agents can map cgroup dirs to ids.
    expect(status.cgroupPath).toBe(ctr.cgroup);
    expect((await cri.podStatus(pod.id)).cgroupPath).toBe(pod.sandboxCgroup);

    const memDir = pods.cgroupDir('memory', ctr.cgroup);
    expect(memDir).toMatch(new RegExp(`/kubepods/besteffort/pod${pod.uid}/${ctr.id}$`));
    expect(existsSync(memDir)).toBe(true);
    const procs = readFileSync(`${memDir}/cgroup.procs`, 'utf8').trim().split('\n').map(Number);
    expect(procs).toContain(status.pid);

    const t1 = performance.now();
    await pods.removePod(pod.id);
    const removeMs = Math.round(performance.now() - t1);
    console.log(`[harness] pod with 1 container: create ${createMs} ms, remove ${removeMs} ms`);

    expect(existsSync(memDir)).toBe(false);
    for (const controller of ['memory', 'cpu', 'cpuacct', 'pids', 'unified']) {
      expect(existsSync(pods.cgroupDir(controller, pod.cgroup)), `${controller} pod dir`).toBe(false);
    }
    expect((await cri.listPods()).map((p) => p.id)).not.toContain(pod.id);
    expect((await cri.listContainers()).map((c) => c.id)).not.toContain(ctr.id);
  });
});
