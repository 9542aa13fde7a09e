/**
 * The same agent, pointed at fixture roots through paths.proc / paths.sys / paths.rootfs, reads only
 * from those roots: mountinfo, cgroup mounts (rebased onto paths.sys), /proc and /etc/machine-id.
 * This is how it runs in a container with the host's /proc and /sys under /host/….
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';

type P = { name: string; attributes: Record<string, string>; value: number };

async function collectAt(root: string): Promise<{ points: P[]; agent: Agent }> {
  const abs = resolve(root);
  const { config } = loadConfig(['--paths-proc', `${abs}/proc`, '--paths-sys', `${abs}/sys`, '--paths-rootfs', abs], {});
  const agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
  return { points: toJsonPoints(await agent.collectOnce()) as P[], agent };
}

const value = (points: P[], name: string, id: string): number | undefined => points.find((p) => p.name === name && p.attributes.id === id)?.value;
const fx = (path: string): string => readFileSync(`test/fixtures/${path}`, 'utf8').trim();

describe('agent on fixture roots', () => {
  it('host-v1 (captured from this kind of host): cgroups, machine facts and identity come from the fixture only', async () => {
    const { points, agent } = await collectAt('test/fixtures/host-v1');
    expect(agent.layout.mode).toBe('hybrid');
    expect(value(points, 'container_memory_usage_bytes', '/')).toBe(Number(fx('host-v1/sys/fs/cgroup/memory/memory.usage_in_bytes')));
    const pod = '/kubepods/burstable/pod65c1a366-6f0c-4217-8100-a93fcc75852a';
    const ids = new Set(points.map((p) => p.attributes.id));
    expect(ids).toContain(pod);
    const containers = [...ids].filter((id) => id?.startsWith(`${pod}/`));
    expect(containers).toHaveLength(3); // sandbox + cpu-loop + mem-holder
    for (const id of containers) {
      expect(value(points, 'container_memory_usage_bytes', id as string)).toBe(Number(fx(`host-v1/sys/fs/cgroup/memory${id}/memory.usage_in_bytes`)));
    }
    const machineMem = points.find((p) => p.name === 'machine_memory_bytes');
    expect(machineMem?.value).toBe(Number(/MemTotal:\s+(\d+)/.exec(fx('host-v1/proc/meminfo'))?.[1]) * 1024);
    expect(machineMem?.attributes).toMatchObject({ machine_id: fx('host-v1/etc/machine-id'), boot_id: fx('host-v1/proc/sys/kernel/random/boot_id') });
    expect(agent.resource.attributes['host.id']).toBe(fx('host-v1/etc/machine-id'));
    expect(agent.resource.attributes['os.version']).toBe(fx('host-v1/proc/sys/kernel/osrelease'));
  });

  it('cgroup-v2 (kernel-documented formats): a v2-only host, root memory from memory.stat', async () => {
    const { points, agent } = await collectAt('test/fixtures/cgroup-v2');
    expect(agent.layout.mode).toBe('v2');
    const stat = new Map(fx('cgroup-v2/sys/fs/cgroup/memory.stat').split('\n').map((l) => l.split(' ') as [string, string]));
    // The v2 root has no memory.current: usage is anon + file, as cAdvisor computes it.
    expect(value(points, 'container_memory_usage_bytes', '/')).toBe(Number(stat.get('anon')) + Number(stat.get('file')));
    expect(points.some((p) => p.attributes.id?.includes('cri-containerd-'))).toBe(true);
    expect(points.some((p) => p.name === 'container_pressure_cpu_waiting_seconds_total')).toBe(true);
  });
});
