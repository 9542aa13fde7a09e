/**
 * Issue 9 on a REAL containerd: the cgroup series kubelet's /metrics/cadvisor has that podpulse
 * lacked (CFS burst, kernel memory, swap and reservation limits, blkio per operation) appear on real
 * pods with the kernel's values, and container_oom_events_total counts OOM kills from the kernel:
 * a child process killed inside a container that keeps running, and a main-process kill after
 * that, counted once past the cgroup's removal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { CriRuntime } from '../../src/runtime/cri/client.js';
import { startAgentWithSteadyPod, type AgentOnRuntime } from '../helpers/agent-on-runtime.js';
import { flattenRequest } from '../helpers/otlp-receiver.js';
import { childOomVictim, oomVictim, TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-kubelet-cgroup';
const MIB = 1024 * 1024;

type JsonPoint = { name: string; attributes: Record<string, string>; value: number };

/** awk holding `mib` MiB in a string, then exiting: under a smaller limit the OOM killer takes it. */
const allocate = (mib: number): string => `awk 'BEGIN { s = sprintf("%${mib * MIB}s", "x") }'`;

async function collect(socket: string): Promise<JsonPoint[]> {
  const { config } = loadConfig(['--cri-endpoint', socket, '--discovery-cgroup-parents', 'kubepods'], {});
  return toJsonPoints(await new Agent({ config, env: {}, log: pino({ level: 'silent' }) }).collectOnce()) as JsonPoint[];
}

function pick(points: JsonPoint[], name: string, match: Record<string, string>): JsonPoint[] {
  return points.filter((p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}

function one(points: JsonPoint[], name: string, match: Record<string, string>): JsonPoint {
  const found = pick(points, name, match);
  expect(found, `${name} ${JSON.stringify(match)}`).toHaveLength(1);
  return found[0]!;
}

const kv = (text: string): Map<string, number> =>
  new Map(text.trim().split('\n').map((l) => l.split(/\s+/) as [string, string]).map(([k, v]) => [k, Number(v)]));

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(gate.skip)(gate.title('kubelet cgroup series and kernel OOM counts on a real containerd'), () => {
  let pods: TestPods;
  let cri: CriRuntime;
  let pod: TestPod;
  const ctr = (name: string) => {
    const c = pod.containers.find((x) => x.name === name);
    if (!c) throw new Error(`no container ${name}`);
    return c;
  };
  const read = (controller: string, cgroup: string, file: string): string => readFileSync(join(pods.cgroupDir(controller, cgroup), file), 'utf8');
  const oomKills = (cgroup: string): number => kv(read('memory', cgroup, 'memory.oom_control')).get('oom_kill') ?? NaN;

  beforeAll(async () => {
    const rt = gate.get();
    pods = new TestPods(rt);
    cri = new CriRuntime({ endpoint: rt.socket });
    pod = await pods.createPod({
      name: 'kubelet-cgroup',
      namespace: NS,
      qos: 'burstable',
      containers: [
        // A child allocates 64 MiB under a 32 MiB limit and is OOM-killed; the container's shell goes on.
        childOomVictim('survivor'),
        { name: 'burner', command: workloads.cpuLoop(), cpuQuota: 50_000, cpuPeriod: 100_000 },
        // 8 MiB written and read back with O_DIRECT: block I/O charged to this cgroup (buffered writeback is not, on v1).
        {
          name: 'io',
          command: ['sh', '-c', 'dd if=/dev/zero of=/io.bin bs=1M count=8 oflag=direct 2>/dev/null; dd if=/io.bin of=/dev/null bs=1M iflag=direct 2>/dev/null; exec sleep infinity'],
        },
      ],
    });
    await until('the child OOM kill in "survivor"', () => oomKills(ctr('survivor').cgroup) >= 1);
  });

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
    cri?.close();
  });

  it('counts a child process OOM-killed inside a running container, from the kernel', async () => {
    const survivor = ctr('survivor');
    const points = await collect(gate.get().socket);
    const status = await cri.containerStatus(survivor.id);
    expect(status.state).toBe('running');
    const kernel = oomKills(survivor.cgroup);
    const oom = one(points, 'container_oom_events_total', { id: survivor.cgroup });
    expect(oom.value).toBe(1);
    expect(oom.value).toBe(kernel);
    expect(oom.attributes).toMatchObject({ name: survivor.id, container: 'survivor', pod: 'kubelet-cgroup', namespace: NS });
    // The other containers, the sandbox, the pod cgroup and "/" have the series too, at their own (0) counts:
    // a v1 kill is counted on the killed task's cgroup only, as cAdvisor counts it.
    expect(one(points, 'container_oom_events_total', { id: ctr('burner').cgroup }).value).toBe(0);
    expect(one(points, 'container_oom_events_total', { id: pod.sandboxCgroup }).value).toBe(0);
    expect(one(points, 'container_oom_events_total', { id: pod.cgroup }).value).toBe(oomKills(pod.cgroup));
    expect(one(points, 'container_oom_events_total', { id: '/' }).value).toBe(oomKills('/'));
    console.log(`[kubelet-cgroup] survivor: kernel oom_kill ${kernel}, podpulse ${oom.value}, CRI state ${status.state}`);
  });

  it('reports CFS burst, kernel memory, swap and reservation limits and blkio per operation with the kernel\'s values', async () => {
    const burner = ctr('burner');
    const survivor = ctr('survivor');
    const io = ctr('io');
    await until('the O_DIRECT reads of "io"', () => /Read [1-9]/.test(read('blkio', io.cgroup, 'blkio.throttle.io_service_bytes_recursive')));
    const points = await collect(gate.get().socket);
    const cpuStat = kv(read('cpu', burner.cgroup, 'cpu.stat'));
    // No cpu.cfs_burst_us is set, so the kernel counts no bursts (5.14+ has the keys).
    expect(cpuStat.get('nr_bursts')).toBe(0);
    expect(one(points, 'container_cpu_cfs_burst_periods_total', { id: burner.cgroup }).value).toBe(0);
    expect(one(points, 'container_cpu_cfs_burst_seconds_total', { id: burner.cgroup }).value).toBe(0);
    // Only under a quota, as the other CFS series.
    expect(pick(points, 'container_cpu_cfs_burst_periods_total', { id: io.cgroup })).toEqual([]);

    const kmem = Number(read('memory', survivor.cgroup, 'memory.kmem.usage_in_bytes'));
    const kernelUsage = one(points, 'container_memory_kernel_usage', { id: survivor.cgroup }).value;
    expect(kernelUsage).toBeGreaterThan(0);
    expect(Math.abs(kernelUsage - kmem)).toBeLessThanOrEqual(kmem * 0.25);

    const memsw = Number(read('memory', survivor.cgroup, 'memory.memsw.limit_in_bytes'));
    const swapLimit = one(points, 'container_spec_memory_swap_limit_bytes', { id: survivor.cgroup }).value;
    expect(swapLimit).toBe(memsw > 2 ** 62 ? 0 : memsw);
    expect(one(points, 'container_spec_memory_limit_bytes', { id: survivor.cgroup }).value).toBe(32 * MIB);
    // No soft limit was set: unlimited, exported as 0.
    expect(Number(read('memory', survivor.cgroup, 'memory.soft_limit_in_bytes'))).toBeGreaterThan(2 ** 62);
    expect(one(points, 'container_spec_memory_reservation_limit_bytes', { id: survivor.cgroup }).value).toBe(0);

    const usage = pick(points, 'container_blkio_device_usage_total', { id: io.cgroup });
    const ops = new Map(usage.map((p) => [p.attributes.operation, p.value]));
    expect([...ops.keys()].sort()).toEqual(['Async', 'Discard', 'Read', 'Sync', 'Total', 'Write']);
    expect(ops.get('Write')).toBeGreaterThanOrEqual(8 * MIB);
    expect(ops.get('Read')).toBeGreaterThanOrEqual(8 * MIB);
    expect(ops.get('Total')).toBe((ops.get('Read') ?? 0) + (ops.get('Write') ?? 0) + (ops.get('Discard') ?? 0));
    const first = usage[0]!.attributes;
    expect(first.device).toMatch(/^\/dev\/|^\d+:\d+$/);
    expect(`${first.major}:${first.minor}`).toMatch(/^\d+:\d+$/);
    // The same bytes as container_fs_{reads,writes}_bytes_total for that device.
    expect(one(points, 'container_fs_writes_bytes_total', { id: io.cgroup, device: first.device! }).value).toBe(ops.get('Write'));
    console.log(
      `[kubelet-cgroup] kernel usage ${kernelUsage} (kmem file ${kmem}); swap limit ${swapLimit}; blkio ${[...ops].map(([k, v]) => `${k}=${v}`).join(' ')} on ${first.device}`,
    );
  });
});

describe.skipIf(gate.skip)(gate.title('OOM-killed main processes with a running agent'), () => {
  let running: AgentOnRuntime | undefined;
  let cri: CriRuntime | undefined;

  beforeAll(async () => {
    running = await startAgentWithSteadyPod(gate.get(), NS);
    cri = new CriRuntime({ endpoint: gate.get().socket });
  });

  afterAll(async () => {
    cri?.close();
    await running?.stop();
  });

  /** Every value the receiver got for the series of cgroup `id` (data points only, no end markers). */
  const values = (id: string): number[] =>
    running!.receiver.requests
      .map(flattenRequest)
      .flatMap((r) => r.metrics.filter((m) => m.name === 'container_oom_events_total'))
      .flatMap((m) => m.points.filter((p) => p.attributes.id === id && p.flags === 0))
      .map((p) => Number(p.value));

  it('main-process kills: the series never goes down; past the cgroup it goes on only where CRI says OOMKilled', async () => {
    const pod = await running!.pods.createPod({
      name: 'oom-pair',
      namespace: NS,
      qos: 'burstable',
      containers: [
        oomVictim('victim'),
        // A child is killed first; 10 s later the shell execs the allocation itself and is killed as pid 1.
        { name: 'double', command: ['sh', '-c', `${allocate(64)}; sleep 10; exec ${allocate(64)}`], memoryLimitBytes: 32 * MIB },
      ],
    });
    const victim = pod.containers.find((c) => c.name === 'victim')!;
    const double = pod.containers.find((c) => c.name === 'double')!;
    await until('the child kill in "double" exported while it runs', () => values(double.cgroup).includes(1), 9_000);
    expect((await cri!.containerStatus(double.id)).state).toBe('running');
    await until('both containers to exit', async () => (await cri!.containerStatus(victim.id)).state === 'exited' && (await cri!.containerStatus(double.id)).state === 'exited', 40_000);
    const after = running!.receiver.requests.length;
    await until('three exports after the exits', () => running!.receiver.requests.length >= after + 3, 15_000);

    const lines: string[] = [];
    for (const [c, finalKills] of [[victim, 1], [double, 2]] as const) {
      const status = await cri!.containerStatus(c.id);
      expect(status.exitCode, c.name).toBe(137);
      const seen = values(c.cgroup);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!, `${c.name}: ${seen.join(',')}`).toBeGreaterThanOrEqual(seen[i - 1]!);
      if (c === double) expect(seen, 'the child kill, read while "double" ran').toContain(1);
      if (status.reason === 'OOMKilled') {
        // The runtime names the kill: the series goes on past the cgroup with the kill counted once.
        expect(seen.at(-1), c.name).toBe(finalKills);
      } else {
        // containerd 1.6 on this cgroup v1 kernel reports these kills as "Error": nothing says the OOM
        // killer ended the container, so its series ends with the cgroup at the last count read.
        expect(status.reason, c.name).toBe('Error');
        expect(seen.at(-1) ?? 0, c.name).toBe(finalKills - 1);
      }
      lines.push(`${c.name} (CRI reason ${status.reason}): ${[...new Set(seen)].join(' -> ') || 'no point'} over ${seen.length} exports`);
    }
    console.log(`[kubelet-cgroup] running agent: ${lines.join('; ')}`);
  });
});
