/**
 * The opt-in groups on a REAL containerd pod on this host (cgroup v1 hybrid): socket states of a
 * listening pod, per-CPU usage, schedstat sums, referenced bytes and the machine topology, each
 * checked against the kernel's own files read around the collection.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { argName } from '../../src/config/schema.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { parseCpuList } from '../../src/machine/cpu-list.js';
import { METRIC_GROUPS_DECLARED } from '../../src/metrics/spec.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
type JsonPoint = { name: string; attributes: Record<string, string>; value: number };

const OPT_IN_ARGS = Object.entries(METRIC_GROUPS_DECLARED)
  .filter(([, g]) => !g.on)
  .flatMap(([group]) => [`--metrics-groups-${argName(group)}`, 'true']);

const points = (all: JsonPoint[], name: string, match: Record<string, string> = {}) =>
  all.filter((p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v));

describe.skipIf(gate.skip)(gate.title('opt-in groups on a real containerd pod'), () => {
  let pods: TestPods;
  let pod: TestPod;
  let agent: Agent;
  const burn = () => pod.containers.find((c) => c.name === 'burn')!;
  const server = () => pod.containers.find((c) => c.name === 'server')!;
  const collect = async () => toJsonPoints(await agent.collectOnce()) as JsonPoint[];

  beforeAll(async () => {
    const rt = gate.get();
    pods = new TestPods(rt);
    pod = await pods.createPod({
      name: 'optin',
      namespace: 'podpulse-optin',
      qos: 'burstable',
      containers: [
        { name: 'server', command: ['sh', '-c', 'sleep 1000000 | nc -l -p 8080 >/dev/null & exec sleep infinity'] },
        { name: 'burn', command: workloads.cpuLoop(), cpuQuota: 20_000, cpuPeriod: 100_000 },
      ],
    });
    const { config } = loadConfig(['--cri-endpoint', rt.socket, '--discovery-cgroup-parents', 'kubepods', ...OPT_IN_ARGS], {});
    agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    // Let the listener start and the loop run on both CPUs.
    await new Promise((r) => setTimeout(r, 1500));
  }, 60_000);

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
  });

  it('tcp: the listening socket in the pod netns, on the sandbox series, as /proc/<pid>/net/tcp6 shows it', async () => {
    const pid = Number(readFileSync(`${pods.cgroupDir('cpu', server().cgroup)}/cgroup.procs`, 'utf8').trim().split('\n')[0]);
    const listening = (file: string) => readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1).filter((l) => l.trim().split(/\s+/)[3] === '0A').length;
    const all = await collect();
    const sandbox = { pod: 'optin', namespace: 'podpulse-optin', container: '' };
    const listen6 = points(all, 'container_network_tcp6_usage_total', { ...sandbox, tcp_state: 'listen' }).filter((p) => p.attributes.image !== '');
    const listen4 = points(all, 'container_network_tcp_usage_total', { ...sandbox, tcp_state: 'listen' }).filter((p) => p.attributes.image !== '');
    expect(listen6).toHaveLength(1);
    expect(listen6[0]!.value).toBe(listening('tcp6'));
    expect(listen6[0]!.value + listen4[0]!.value).toBeGreaterThanOrEqual(1);
    expect(listen4[0]!.value).toBe(listening('tcp'));
    // Only the netns owner reports sockets: not the app containers.
    expect(points(all, 'container_network_tcp6_usage_total', { container: 'server' })).toEqual([]);
    expect(points(all, 'container_network_udp_usage_total', { ...sandbox, udp_state: 'listen' }).filter((p) => p.attributes.image !== '')).toHaveLength(1);
  });

  it('percpu (v1): per-CPU points replace cpu="total" and add up to cpuacct.usage read around the collection', async () => {
    const dir = pods.cgroupDir('cpuacct', burn().cgroup);
    // In whole nanoseconds, as the kernel counts: a sum of per-CPU seconds in floating point can land
    // one rounding step above the same total divided once.
    const usageNs = () => Number(readFileSync(`${dir}/cpuacct.usage`, 'utf8'));
    const before = usageNs();
    const all = await collect();
    const after = usageNs();
    const perCpu = points(all, 'container_cpu_usage_seconds_total', { container: 'burn' });
    expect(perCpu.map((p) => p.attributes.cpu).every((c) => /^cpu\d{2,}$/.test(c!))).toBe(true);
    expect(perCpu.length).toBeGreaterThan(0);
    const sumNs = perCpu.reduce((a, p) => a + Math.round(p.value * 1e9), 0);
    expect(sumNs).toBeGreaterThanOrEqual(before);
    expect(sumNs).toBeLessThanOrEqual(after);
  });

  it('sched: the loop\'s run time is its CPU time, and grows from one collection to the next', async () => {
    const dir = pods.cgroupDir('cpuacct', burn().cgroup);
    const usage = () => Number(readFileSync(`${dir}/cpuacct.usage`, 'utf8')) / 1e9;
    const before = usage();
    const first = points(await collect(), 'container_cpu_schedstat_run_seconds_total', { container: 'burn' });
    const after = usage();
    expect(first).toHaveLength(1);
    // One process, the loop: its schedstat run time is the cgroup's CPU time at the moment it was read.
    expect(first[0]!.value).toBeGreaterThanOrEqual(before * 0.99 - 0.01);
    expect(first[0]!.value).toBeLessThanOrEqual(after + 0.01);
    await new Promise((r) => setTimeout(r, 300));
    const second = points(await collect(), 'container_cpu_schedstat_run_seconds_total', { container: 'burn' });
    expect(second[0]!.value).toBeGreaterThan(first[0]!.value);
    const periods = points(await collect(), 'container_cpu_schedstat_run_periods_total', { container: 'burn' });
    expect(periods[0]!.value).toBeGreaterThan(0);
  });

  it('referenced_memory: the containers\' processes touched some memory', async () => {
    const all = await collect();
    expect(points(all, 'container_referenced_bytes', { container: 'burn' })[0]?.value).toBeGreaterThan(0);
  });

  it('hugetlb: absent (not 0) where no hugetlb hierarchy holds the cgroup', async () => {
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / - cgroup cgroup .*hugetlb/.test(l));
    const all = await collect();
    const series = points(all, 'container_hugetlb_usage_bytes', { container: 'burn' });
    if (mounted) expect(series.length).toBeGreaterThan(0);
    else expect(series).toEqual([]);
  });

  it('cpu_topology: one thread per online CPU and each NUMA node\'s memory, as /sys has them', async () => {
    const all = await collect();
    const online = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
    const threads = points(all, 'machine_thread_siblings_count').map((p) => Number(p.attributes.thread_id)).sort((a, b) => a - b);
    expect(threads).toEqual(online);
    const node0 = points(all, 'machine_node_memory_capacity_bytes', { node_id: '0' });
    const kb = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/sys/devices/system/node/node0/meminfo', 'utf8'))?.[1]);
    expect(node0[0]?.value).toBe(kb * 1024);
    expect(points(all, 'machine_cpu_cache_capacity_bytes').length).toBeGreaterThan(0);
  });
});
