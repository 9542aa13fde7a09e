/**
 * podpulse against a REAL containerd with real kubelet-like pods (test/global-setup.ts starts it as
 * root). Every figure is checked against two independent oracles read at nearly the same instant:
 * the kernel's own cgroup files, and containerd's ListContainerStats.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { CriRuntime } from '../../src/runtime/cri/client.js';
import type { ContainerStatsSample } from '../../src/runtime/types.js';
import { oomVictim, TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-e2e';
const MIB = 1024 * 1024;

type JsonPoint = { name: string; type: string; unit: string; attributes: Record<string, string>; value: number };

function agentFor(socket: string, extra: string[] = []): Agent {
  const { config } = loadConfig(['--cri-endpoint', socket, '--discovery-cgroup-parents', 'kubepods', ...extra], {});
  return new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
}

async function collect(socket: string): Promise<JsonPoint[]> {
  return toJsonPoints(await agentFor(socket).collectOnce()) as JsonPoint[];
}

function pick(points: JsonPoint[], name: string, match: Record<string, string>): JsonPoint[] {
  return points.filter((p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}

function one(points: JsonPoint[], name: string, match: Record<string, string>): JsonPoint {
  const found = pick(points, name, match);
  expect(found, `${name} ${JSON.stringify(match)}`).toHaveLength(1);
  return found[0] as JsonPoint;
}

function within(actual: number, expected: number, ratio: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * ratio);
}

function kv(text: string): Map<string, number> {
  return new Map(text.trim().split('\n').map((l) => l.split(/\s+/) as [string, string]).map(([k, v]) => [k, Number(v)]));
}

describe.skipIf(gate.skip)(gate.title('podpulse on a real containerd'), () => {
  let pods: TestPods;
  let cri: CriRuntime;
  let socket = '';
  let workload: TestPod;
  let hostnet: TestPod;
  let oomer: TestPod;
  const cid = (pod: TestPod, name: string): { id: string; cgroup: string } => {
    const c = pod.containers.find((x) => x.name === name);
    if (!c) throw new Error(`no container ${name}`);
    return c;
  };
  const read = (controller: string, cgroup: string, file: string): string => readFileSync(join(pods.cgroupDir(controller, cgroup), file), 'utf8');
  const kernelWorkingSet = (cgroup: string): number =>
    Number(read('memory', cgroup, 'memory.usage_in_bytes')) - (kv(read('memory', cgroup, 'memory.stat')).get('total_inactive_file') ?? 0);
  const kernelCpuSeconds = (cgroup: string): number => Number(read('cpuacct', cgroup, 'cpuacct.usage')) / 1e9;
  const criCpu = async (id: string): Promise<number> =>
    Number((await cri.listContainerStats()).find((s) => s.id === id)?.cpuUsageCoreNanoSeconds ?? NaN) / 1e9;

  /** Why containerd's own figures cannot be compared here; undefined when it reports them. */
  let criStatsMissing: string | undefined;

  beforeAll(async () => {
    const rt = gate.get();
    socket = rt.socket;
    pods = new TestPods(rt);
    cri = new CriRuntime({ endpoint: rt.socket });
    const started = performance.now();
    workload = await pods.createPod({
      name: 'workload',
      namespace: NS,
      qos: 'burstable',
      labels: { app: 'demo' },
      containers: [
        { name: 'cpu-burner', command: workloads.cpuLoop(), cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512 },
        {
          name: 'mem-holder',
          // 20 MiB of shmem (page cache), an 8 MiB file in the writable layer, then 50 MiB held by awk.
          command: [
            'sh',
            '-c',
            'dd if=/dev/zero of=/dev/shm/fill bs=1M count=20 2>/dev/null; dd if=/dev/zero of=/data.bin bs=1M count=8 2>/dev/null; ' +
              `exec awk 'BEGIN { s = sprintf("%${50 * MIB}s", "x"); system("sleep infinity") }'`,
          ],
          memoryLimitBytes: 256 * MIB,
          cpuShares: 256,
        },
        { name: 'net-gen', command: workloads.pingGateway(rt.gateway, 3000, 0.2, 1000) },
      ],
    });
    hostnet = await pods.createPod({ name: 'hostnet', namespace: NS, qos: 'besteffort', hostNetwork: true, containers: [{ name: 'sleeper', command: workloads.sleep() }] });
    oomer = await pods.createPod({ name: 'oomer', namespace: NS, qos: 'burstable', containers: [oomVictim()] });
    // Let the workloads reach steady state: awk's 50 MiB allocated, the OOM victim killed.
    const victim = cid(oomer, 'oom-victim').id;
    for (let i = 0; i < 100; i++) {
      const s = await cri.containerStatus(victim);
      if (s.state === 'exited') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 100; i++) {
      const rss = kv(read('memory', cid(workload, 'mem-holder').cgroup, 'memory.stat')).get('total_rss') ?? 0;
      if (rss > 50 * MIB) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    // containerd's own figures, which two tests compare against: some hosts' containerd reports none
    // (containerd 1.6 on a cgroup v1 host with a 6.18 kernel answered ListContainerStats with the
    // writable layer only). Then those comparisons are skipped with that reason, never passed.
    const mem = cid(workload, 'mem-holder').id;
    for (let i = 0; i < 20 && criStatsMissing === undefined; i++) {
      const s = (await cri.listContainerStats()).find((x) => x.id === mem);
      if (s?.memoryWorkingSetBytes !== undefined && s.cpuUsageCoreNanoSeconds !== undefined) break;
      if (i === 19) criStatsMissing = `containerd's ListContainerStats has no cpu/memory figures on this host (kernel ${release()}): ${JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
      else await new Promise((r) => setTimeout(r, 500));
    }
    if (criStatsMissing) console.log(`[e2e] ${criStatsMissing}`);
    console.log(`[e2e] pods up and steady in ${Math.round(performance.now() - started)} ms`);
  });

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
    cri?.close();
  });

  it('labels every container, sandbox and pod cgroup exactly as kubelet /metrics/cadvisor does', async () => {
    const points = await collect(socket);
    const image = gate.get().image;
    for (const c of workload.containers) {
      const p = one(points, 'container_memory_working_set_bytes', { id: c.cgroup });
      expect(p.attributes).toEqual({ id: c.cgroup, name: c.id, image, container: c.name, pod: 'workload', namespace: NS });
    }
    const sandbox = one(points, 'container_memory_working_set_bytes', { id: workload.sandboxCgroup });
    expect(sandbox.attributes).toEqual({ id: workload.sandboxCgroup, name: workload.id, image, container: '', pod: 'workload', namespace: NS });
    const podLevel = one(points, 'container_memory_working_set_bytes', { id: workload.cgroup });
    expect(podLevel.attributes).toEqual({ id: workload.cgroup, name: '', image: '', container: '', pod: 'workload', namespace: NS });
    const root = one(points, 'container_memory_working_set_bytes', { id: '/' });
    expect(root.attributes).toEqual({ id: '/', name: '', image: '', container: '', pod: '', namespace: '' });
    // kubernetes-mixin's image!="" / container!="" filters keep exactly the three workload containers of this pod.
    const mixin = pick(points, 'container_memory_working_set_bytes', { pod: 'workload' }).filter((p) => p.attributes.image !== '' && p.attributes.container !== '');
    expect(mixin.map((p) => p.attributes.container).sort()).toEqual(['cpu-burner', 'mem-holder', 'net-gen']);
  });

  it('matches the kernel for working set and CPU', async () => {
    const mem = cid(workload, 'mem-holder');
    const burner = cid(workload, 'cpu-burner');
    const wsBefore = kernelWorkingSet(mem.cgroup);
    const cpuBefore = kernelCpuSeconds(burner.cgroup);
    const points = await collect(socket);
    const cpuAfter = kernelCpuSeconds(burner.cgroup);
    const wsAfter = kernelWorkingSet(mem.cgroup);
    const ws = one(points, 'container_memory_working_set_bytes', { id: mem.cgroup }).value;
    within(ws, (wsBefore + wsAfter) / 2, 0.02);
    expect(ws).toBeGreaterThan(50 * MIB);
    expect(one(points, 'container_memory_rss', { id: mem.cgroup }).value).toBeGreaterThan(50 * MIB);
    expect(one(points, 'container_memory_cache', { id: mem.cgroup }).value).toBeGreaterThanOrEqual(20 * MIB);
    expect(one(points, 'container_spec_memory_limit_bytes', { id: mem.cgroup }).value).toBe(256 * MIB);
    const cpu = one(points, 'container_cpu_usage_seconds_total', { id: burner.cgroup, cpu: 'total' }).value;
    expect(cpu).toBeGreaterThanOrEqual(cpuBefore);
    expect(cpu).toBeLessThanOrEqual(cpuAfter);
    console.log(`[e2e] working set podpulse=${ws} kernel=${wsBefore}..${wsAfter}; cpu podpulse=${cpu.toFixed(4)} kernel=${cpuBefore.toFixed(4)}..${cpuAfter.toFixed(4)}`);
  });

  it('matches containerd for working set and CPU (within 2 %); skipped with the reason when containerd reports none', async (ctx) => {
    if (criStatsMissing) ctx.skip(criStatsMissing);
    const mem = cid(workload, 'mem-holder');
    const burner = cid(workload, 'cpu-burner');
    const criBefore = await criCpu(burner.id);
    const points = await collect(socket);
    const stats = new Map<string, ContainerStatsSample>((await cri.listContainerStats()).map((s) => [s.id, s]));
    const criAfter = Number(stats.get(burner.id)?.cpuUsageCoreNanoSeconds ?? NaN) / 1e9;
    const ws = one(points, 'container_memory_working_set_bytes', { id: mem.cgroup }).value;
    within(ws, stats.get(mem.id)?.memoryWorkingSetBytes ?? NaN, 0.02);
    const cpu = one(points, 'container_cpu_usage_seconds_total', { id: burner.cgroup, cpu: 'total' }).value;
    // The loop burns half a core, so containerd's reading depends on when it was taken: podpulse's
    // must fall between containerd's readings just before and just after it (2 % slack).
    expect(cpu).toBeGreaterThanOrEqual(criBefore * 0.98);
    expect(cpu).toBeLessThanOrEqual(criAfter * 1.02);
    console.log(`[e2e] working set podpulse=${ws} containerd=${stats.get(mem.id)?.memoryWorkingSetBytes}; cpu podpulse=${cpu.toFixed(4)} containerd=${criBefore.toFixed(4)}..${criAfter.toFixed(4)}`);
  });

  it('matches containerd for the writable layer (within 2 %)', async () => {
    const mem = cid(workload, 'mem-holder');
    // containerd measures snapshot usage on its own schedule (about every 10 s); wait for a figure.
    let layer = (await cri.listContainerStats()).find((s) => s.id === mem.id)?.writableLayer;
    for (let i = 0; i < 60 && layer?.usedBytes === undefined; i++) {
      await new Promise((r) => setTimeout(r, 500));
      layer = (await cri.listContainerStats()).find((s) => s.id === mem.id)?.writableLayer;
    }
    expect(layer?.usedBytes).toBeGreaterThanOrEqual(8 * MIB);
    const fsPoints = await collect(socket);
    const layerAfter = (await cri.listContainerStats()).find((s) => s.id === mem.id)?.writableLayer;
    expect(layerAfter?.usedBytes).toBe(layer?.usedBytes);
    const fs = one(fsPoints, 'container_fs_usage_bytes', { id: mem.cgroup });
    expect(fs.attributes.device).toBe(layer?.mountpoint);
    within(fs.value, layer?.usedBytes ?? NaN, 0.02);
    expect(one(fsPoints, 'container_fs_inodes_total', { id: mem.cgroup }).value).toBeGreaterThan(0);
    expect(one(fsPoints, 'container_fs_inodes_free', { id: mem.cgroup }).value).toBeGreaterThan(0);
    console.log(`[e2e] writable layer podpulse=${fs.value} containerd=${layer?.usedBytes}`);
  });

  it('agrees with containerd for every workload container (working set and CPU); skipped with the reason when containerd reports none', async (ctx) => {
    if (criStatsMissing) ctx.skip(criStatsMissing);
    const before = new Map<string, ContainerStatsSample>((await cri.listContainerStats()).map((s) => [s.id, s]));
    const points = await collect(socket);
    const stats = new Map<string, ContainerStatsSample>((await cri.listContainerStats()).map((s) => [s.id, s]));
    const lines: string[] = [];
    for (const c of workload.containers) {
      const ws = one(points, 'container_memory_working_set_bytes', { id: c.cgroup }).value;
      const cpu = one(points, 'container_cpu_usage_seconds_total', { id: c.cgroup }).value;
      const theirWs = stats.get(c.id)?.memoryWorkingSetBytes ?? NaN;
      const theirCpu = Number(stats.get(c.id)?.cpuUsageCoreNanoSeconds ?? NaN) / 1e9;
      within(ws, theirWs, 0.02);
      // CPU moves between the reads (the loop burns half a core): podpulse's reading must fall between
      // containerd's before and after it, with 2 % slack.
      const theirCpuBefore = Number(before.get(c.id)?.cpuUsageCoreNanoSeconds ?? NaN) / 1e9;
      expect(cpu, c.name).toBeGreaterThanOrEqual(theirCpuBefore * 0.98);
      expect(cpu, c.name).toBeLessThanOrEqual(theirCpu * 1.02);
      const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(3)} %`;
      lines.push(
        `${c.name}: working set ${ws} vs ${theirWs} (${pct(ws, theirWs)}), ` +
          `cpu ${cpu.toFixed(4)} s vs ${theirCpuBefore.toFixed(4)}..${theirCpu.toFixed(4)} s (${pct(cpu, (theirCpuBefore + theirCpu) / 2)} from the midpoint)`,
      );
    }
    console.log(`[e2e] podpulse vs containerd ListContainerStats:\n  ${lines.join('\n  ')}`);
  });

  it('shows the 0.5-core quota: spec, CFS periods and rising throttling', async () => {
    const burner = cid(workload, 'cpu-burner');
    // The kernel's own CFS counters (nr_periods, nr_throttled: same names in v1 and v2 cpu.stat)
    // and usage, read around each collection: podpulse's readings must fall between them.
    const kernel = (): { periods: number; throttled: number; cpu: number; at: number } => {
      const stat = kv(read('cpu', burner.cgroup, 'cpu.stat'));
      return { periods: stat.get('nr_periods') ?? NaN, throttled: stat.get('nr_throttled') ?? NaN, cpu: kernelCpuSeconds(burner.cgroup), at: Date.now() };
    };
    const k0 = kernel();
    const first = await collect(socket);
    const k1 = kernel();
    // The loop is throttled only in periods where it got its whole 50 ms; on a busy machine it may
    // get less and go unthrottled for a while. So the window is not a fixed 1.5 s: wait until the
    // kernel has counted more than 5 throttled periods since the first collection (at least 1.5 s),
    // with a deadline, and fail with what the burner got if that never happens.
    let k2 = kernel();
    const deadline = Date.now() + 30_000;
    while (k2.at - k1.at < 1500 || k2.throttled - k1.throttled <= 5) {
      if (Date.now() > deadline) {
        throw new Error(
          `precondition: the 0.5-core burner was throttled in only ${k2.throttled - k1.throttled} of ${k2.periods - k1.periods} CFS periods in ` +
            `${k2.at - k1.at} ms (it got ${(k2.cpu - k1.cpu).toFixed(3)} CPU-seconds; load average ${readFileSync('/proc/loadavg', 'utf8').trim()})`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
      k2 = kernel();
    }
    const second = await collect(socket);
    const k3 = kernel();
    expect(one(first, 'container_spec_cpu_quota', { id: burner.cgroup }).value).toBe(50_000);
    expect(one(first, 'container_spec_cpu_period', { id: burner.cgroup }).value).toBe(100_000);
    expect(one(first, 'container_spec_cpu_shares', { id: burner.cgroup }).value).toBe(512);
    const t1 = one(first, 'container_cpu_cfs_throttled_periods_total', { id: burner.cgroup }).value;
    const t2 = one(second, 'container_cpu_cfs_throttled_periods_total', { id: burner.cgroup }).value;
    const p1 = one(first, 'container_cpu_cfs_periods_total', { id: burner.cgroup }).value;
    const p2 = one(second, 'container_cpu_cfs_periods_total', { id: burner.cgroup }).value;
    const window = `kernel throttled ${k0.throttled}..${k1.throttled} then ${k2.throttled}..${k3.throttled}, periods ${k0.periods}..${k1.periods} then ${k2.periods}..${k3.periods}`;
    expect([t1, t2, p1, p2], window).toEqual([
      expect.toSatisfy((v: number) => v >= k0.throttled && v <= k1.throttled),
      expect.toSatisfy((v: number) => v >= k2.throttled && v <= k3.throttled),
      expect.toSatisfy((v: number) => v >= k0.periods && v <= k1.periods),
      expect.toSatisfy((v: number) => v >= k2.periods && v <= k3.periods),
    ]);
    expect(t2 - t1, window).toBeGreaterThan(5);
    expect(one(second, 'container_cpu_cfs_throttled_seconds_total', { id: burner.cgroup }).value).toBeGreaterThan(0);
    // Without a quota there are no CFS series at all (cAdvisor's rule).
    expect(pick(second, 'container_cpu_cfs_periods_total', { id: cid(workload, 'net-gen').cgroup })).toEqual([]);
    // The CPU rate over the window never exceeds the quota (half a core, with slack for the CFS
    // period edges), and is what the kernel counted over the same window.
    const c1 = one(first, 'container_cpu_usage_seconds_total', { id: burner.cgroup }).value;
    const c2 = one(second, 'container_cpu_usage_seconds_total', { id: burner.cgroup }).value;
    const l1 = one(first, 'container_last_seen', { id: burner.cgroup }).value;
    const l2 = one(second, 'container_last_seen', { id: burner.cgroup }).value;
    const rate = (c2 - c1) / (l2 - l1);
    expect(c2 - c1).toBeGreaterThanOrEqual(k2.cpu - k1.cpu);
    expect(c2 - c1).toBeLessThanOrEqual(k3.cpu - k0.cpu);
    expect(rate).toBeLessThan(0.6);
    console.log(
      `[e2e] 0.5-core burner over ${(l2 - l1).toFixed(2)} s: ${rate.toFixed(3)} cores, throttled in ${t2 - t1} of ${p2 - p1} CFS periods ` +
        `(load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
    );
  });

  it('reports pod network on the sandbox only, with eth0 traffic rising, and none for a host-network pod', async () => {
    const first = await collect(socket);
    await new Promise((r) => setTimeout(r, 1200));
    const second = await collect(socket);
    const rx1 = one(first, 'container_network_receive_bytes_total', { id: workload.sandboxCgroup, interface: 'eth0' }).value;
    const rx2 = one(second, 'container_network_receive_bytes_total', { id: workload.sandboxCgroup, interface: 'eth0' }).value;
    const tx1 = one(first, 'container_network_transmit_bytes_total', { id: workload.sandboxCgroup, interface: 'eth0' }).value;
    const tx2 = one(second, 'container_network_transmit_bytes_total', { id: workload.sandboxCgroup, interface: 'eth0' }).value;
    expect(rx2).toBeGreaterThan(rx1);
    expect(tx2 - tx1).toBeGreaterThan(5 * 1000); // ≥ 5 pings of 1000 bytes
    for (const name of ['receive_bytes', 'receive_packets', 'receive_errors', 'receive_packets_dropped', 'transmit_bytes', 'transmit_packets', 'transmit_errors', 'transmit_packets_dropped']) {
      expect(pick(second, `container_network_${name}_total`, { id: workload.sandboxCgroup, interface: 'eth0' })).toHaveLength(1);
    }
    // Skipped interfaces, and no network series on containers (only the netns owner reports it).
    const podNet = pick(second, 'container_network_receive_bytes_total', { pod: 'workload' });
    expect(podNet.map((p) => p.attributes.interface)).toEqual(['eth0']);
    expect(podNet.every((p) => p.attributes.container === '')).toBe(true);
    // The host-network pod would otherwise show the node's eth0 as its own traffic.
    expect(second.filter((p) => p.name.startsWith('container_network_') && p.attributes.pod === 'hostnet')).toEqual([]);
    expect(one(second, 'container_memory_working_set_bytes', { id: hostnet.sandboxCgroup }).attributes.pod).toBe('hostnet');
  });

  it('counts the OOM kill of a container whose cgroup is already gone, when CRI names it', async () => {
    const victim = cid(oomer, 'oom-victim');
    const status = await cri.containerStatus(victim.id);
    expect(status).toMatchObject({ state: 'exited', exitCode: 137 });
    const points = await collect(socket);
    const oom = pick(points, 'container_oom_events_total', { pod: 'oomer', container: 'oom-victim' });
    if (status.reason === 'OOMKilled') {
      expect(oom).toHaveLength(1);
      expect(oom[0]!.value).toBe(1);
      expect(oom[0]!.attributes).toMatchObject({ name: victim.id, namespace: NS, image: gate.get().image });
    } else {
      // containerd 1.6 on some cgroup v1 kernels reports the kill as "Error" (seen on 6.18): nothing
      // says the OOM killer ended it, and its cgroup is gone, so there is no series (as with cAdvisor).
      expect(status.reason).toBe('Error');
      expect(oom).toEqual([]);
    }
    console.log(`[e2e] OOM victim: CRI reason ${status.reason}, container_oom_events_total ${oom.map((p) => p.value).join(',') || 'absent'}`);
    // Running containers report the kernel's count (0 here), not nothing.
    expect(one(points, 'container_oom_events_total', { id: cid(workload, 'cpu-burner').cgroup }).value).toBe(0);
    // The gone cgroup yields no made-up memory or CPU series.
    expect(pick(points, 'container_memory_working_set_bytes', { container: 'oom-victim' })).toEqual([]);
  });
});
