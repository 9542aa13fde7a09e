/**
 * Kubelet-like pods on the real test containerd (see runtime-env.ts), for real-runtime tests.
 *
 * ```ts
 * const pods = new TestPods(gate.get());
 * const pod = await pods.createPod({ name: 'web', namespace: 'e2e', qos: 'burstable',
 *   containers: [{ name: 'burn', command: workloads.cpuLoop(), cpuQuota: 50_000, cpuPeriod: 100_000 }] });
 * pods.cgroupDir('memory', pod.containers[0]!.cgroup);   // /sys/fs/cgroup/memory/kubepods/burstable/pod<uid>/<id>
 * await pods.removePod(pod.id);
 * await pods.removeAll(); pods.close();                   // in afterAll
 * ```
 *
 * Cgroup layout is the kubelet's cgroupfs one: `/kubepods/<qos>/pod<uid>` for burstable and
 * besteffort pods, `/kubepods/pod<uid>` for guaranteed ones. The sandbox and each container get
 * `<pod cgroup>/<id>` in every hierarchy; runc creates those dirs. As the kubelet does,
 * removePod() also deletes the pod-level dir, which runc leaves behind. With
 * `parent: 'podpulse-test'` the pod goes under `/podpulse-test/...` instead, for tests that must
 * not look like kubelet pods.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMountinfo, type CgroupMount } from '../../src/cgroup/mountinfo.js';
import { CriAdmin, type ContainerSpec, type PodSpec } from './cri-admin.js';
import type { RuntimeInfo } from './runtime-env.js';

export type Qos = 'guaranteed' | 'burstable' | 'besteffort';

export interface TestContainer {
  name: string;
  /** Replaces the image's command; the image is busybox, so `sh -c '…'` and applets work. */
  command: string[];
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
  memoryLimitBytes?: number;
  /** Defaults to the harness image (RuntimeInfo.image). */
  image?: string;
}

export interface CreatePodOptions {
  name: string;
  namespace: string;
  /** Defaults to a random UUID. */
  uid?: string;
  qos: Qos;
  /** Share the host's network namespace (its /proc/<pid>/net/dev then shows the host's interfaces). */
  hostNetwork?: boolean;
  /** Top-level cgroup; default `kubepods`. */
  parent?: 'kubepods' | 'podpulse-test';
  labels?: Record<string, string>;
  containers: TestContainer[];
}

export interface TestPodContainer {
  name: string;
  id: string;
  /** Cgroup path relative to each hierarchy's root: `<pod cgroup>/<container id>`. */
  cgroup: string;
}

export interface TestPod {
  /** Sandbox id. */
  id: string;
  uid: string;
  name: string;
  namespace: string;
  /** The pod-level cgroup (the sandbox's cgroup_parent), e.g. `/kubepods/burstable/pod<uid>`. */
  cgroup: string;
  /** `<pod cgroup>/<sandbox id>`: where the sandbox (pause) process lives. */
  sandboxCgroup: string;
  containers: TestPodContainer[];
  /** The spec handed to CriAdmin, for tests that create more containers in this pod. */
  spec: PodSpec;
}

/** Ready-made container commands whose effects the facts notes measured on this kind of host. */
export const workloads = {
  /** Does nothing, forever; a container that just exists. */
  sleep: (): string[] => ['sleep', 'infinity'],
  /** One busy core. With cpuQuota 50000 / cpuPeriod 100000 it uses about 0.5 core and is throttled in every period. */
  cpuLoop: (): string[] => ['sh', '-c', 'while :; do :; done'],
  /**
   * Holds `mib` MiB in an awk string (RSS ≈ mib MiB) and then waits forever. Under a smaller
   * memory limit it is OOM-killed: exit code 137, reason OOMKilled.
   */
  memoryHolder: (mib: number): string[] => [
    'sh',
    '-c',
    `exec awk 'BEGIN { s = sprintf("%${Math.round(mib * 1024 * 1024)}s", "x"); system("sleep infinity") }'`,
  ],
  /**
   * Writes `mib` MiB to /dev/shm, then waits. The data is charged to the container's memcg as
   * shmem and cache, and lives as long as the pod's /dev/shm.
   */
  pageCache: (mib: number): string[] => [
    'sh',
    '-c',
    `dd if=/dev/zero of=/dev/shm/podpulse-fill bs=1M count=${Math.round(mib)} 2>/dev/null; exec sleep infinity`,
  ],
  /**
   * Pings the bridge gateway (RuntimeInfo.gateway) `count` times, each `size` bytes, every
   * `intervalSec` seconds. This is traffic on the pod's eth0 that never leaves the machine. Then waits.
   */
  pingGateway: (gateway: string, count = 600, intervalSec = 0.5, size = 1000): string[] => [
    'sh',
    '-c',
    `ping -q -c ${count} -i ${intervalSec} -s ${size} ${gateway} >/dev/null 2>&1; exec sleep infinity`,
  ],
} as const;

/** A container that is OOM-killed at once: a 32 MiB memory limit while it allocates 64 MiB. */
export function oomVictim(name = 'oom-victim'): TestContainer {
  return { name, command: workloads.memoryHolder(64), memoryLimitBytes: 32 * 1024 * 1024 };
}

/**
 * A container that keeps running after an OOM kill: a child awk allocates 64 MiB under a 32 MiB limit
 * and is killed at once, then the shell sleeps. The kernel counts the kill in the container's own
 * cgroup (memory.oom_control / memory.events.local oom_kill), whatever the runtime reports.
 */
export function childOomVictim(name = 'oom-victim'): TestContainer {
  return { name, command: ['sh', '-c', `awk 'BEGIN { s = sprintf("%${64 * 1024 * 1024}s", "x") }'; exec sleep infinity`], memoryLimitBytes: 32 * 1024 * 1024 };
}

/** Pod cgroup path as the kubelet's cgroupfs driver names it. */
export function podCgroupPath(parent: string, qos: Qos, uid: string): string {
  return qos === 'guaranteed' ? `/${parent}/pod${uid}` : `/${parent}/${qos}/pod${uid}`;
}

/**
 * Creates and removes test pods on one runtime. Remembers what it created, so that removeAll()
 * in an afterAll cleans up even after a failed test. Not safe for concurrent create/remove
 * of the same pod.
 */
export class TestPods {
  readonly admin: CriAdmin;
  readonly #rt: RuntimeInfo;
  readonly #mounts: CgroupMount[];
  readonly #live = new Map<string, TestPod>();

  /** @param mountinfoPath where to find the cgroup mounts (this process's view by default). */
  constructor(rt: RuntimeInfo, mountinfoPath = '/proc/self/mountinfo') {
    this.#rt = rt;
    this.#mounts = parseMountinfo(readFileSync(mountinfoPath, 'utf8'));
    this.admin = new CriAdmin({ endpoint: rt.socket });
  }

  /** Runs the sandbox, then creates and starts the containers in order. Undoes the pod if any step fails. */
  async createPod(opts: CreatePodOptions): Promise<TestPod> {
    const uid = opts.uid ?? randomUUID();
    const cgroup = podCgroupPath(opts.parent ?? 'kubepods', opts.qos, uid);
    // Same naming as the kubelet's /var/log/pods/<namespace>_<name>_<uid>.
    const logDirectory = join(this.#rt.dir, 'logs', `${opts.namespace}_${opts.name}_${uid}`);
    mkdirSync(logDirectory, { recursive: true });
    const spec: PodSpec = {
      name: opts.name,
      namespace: opts.namespace,
      uid,
      cgroupParent: cgroup,
      logDirectory,
      ...(opts.hostNetwork !== undefined && { hostNetwork: opts.hostNetwork }),
      ...(opts.labels !== undefined && { labels: opts.labels }),
    };
    const id = await this.admin.runPod(spec);
    const pod: TestPod = {
      id,
      uid,
      name: opts.name,
      namespace: opts.namespace,
      cgroup,
      sandboxCgroup: `${cgroup}/${id}`,
      containers: [],
      spec,
    };
    this.#live.set(id, pod);
    try {
      for (const c of opts.containers) {
        const cid = await this.admin.createContainer(id, spec, this.#containerSpec(c));
        await this.admin.startContainer(cid);
        pod.containers.push({ name: c.name, id: cid, cgroup: `${cgroup}/${cid}` });
      }
    } catch (err) {
      await this.removePod(id).catch(() => undefined);
      throw err;
    }
    return pod;
  }

  /**
   * StopPodSandbox + RemovePodSandbox (the containers go with it), then rmdir of the pod-level
   * cgroup dir in every hierarchy, as the kubelet does. Throws if a pod cgroup dir cannot be removed.
   */
  async removePod(id: string): Promise<void> {
    const pod = this.#live.get(id);
    await this.admin.teardownPod(id);
    this.#live.delete(id);
    if (pod !== undefined) await this.#removeCgroup(pod.cgroup);
  }

  /** Removes every pod this instance created and has not removed yet. */
  async removeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const id of [...this.#live.keys()]) {
      await this.removePod(id).catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) throw new AggregateError(errors, `removeAll: ${errors.length} pod(s) not removed`);
  }

  /**
   * Absolute dir of `cgroupPath` in the hierarchy of `controller` ('memory', 'cpu', 'cpuacct',
   * 'pids', 'blkio', …). With 'unified', or on a host where the controller has no v1 mount, the
   * cgroup2 hierarchy is used.
   */
  cgroupDir(controller: string, cgroupPath: string): string {
    const v1 = controller === 'unified' ? undefined : this.#mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    const mount = v1 ?? this.#mounts.find((m) => m.version === 2);
    if (mount === undefined) throw new Error(`no cgroup mount for ${controller}`);
    return join(mount.mountPoint, relativeTo(mount.root, cgroupPath));
  }

  close(): void {
    this.admin.close();
  }

  #containerSpec(c: TestContainer): ContainerSpec {
    const resources = {
      ...(c.cpuPeriod !== undefined && { cpuPeriod: c.cpuPeriod }),
      ...(c.cpuQuota !== undefined && { cpuQuota: c.cpuQuota }),
      ...(c.cpuShares !== undefined && { cpuShares: c.cpuShares }),
      ...(c.memoryLimitBytes !== undefined && { memoryLimitBytes: c.memoryLimitBytes }),
    };
    return { name: c.name, image: c.image ?? this.#rt.image, command: c.command, resources };
  }

  async #removeCgroup(cgroupPath: string): Promise<void> {
    const left: string[] = [];
    const seen = new Set<string>();
    for (const m of this.#mounts) {
      if (seen.has(m.mountPoint)) continue;
      seen.add(m.mountPoint);
      const dir = join(m.mountPoint, relativeTo(m.root, cgroupPath));
      if (!(await rmdirRetrying(dir))) left.push(dir);
    }
    if (left.length > 0) throw new Error(`pod cgroup still present (busy?): ${left.join(', ')}`);
  }
}

/** `path` relative to a mount's root: a bind-mounted subtree or a cgroup namespace shows only part of it. */
function relativeTo(root: string, path: string): string {
  if (root === '/' || root === '') return path;
  return path.startsWith(`${root}/`) ? path.slice(root.length) : path;
}

/**
 * rmdir with a few retries. Right after RemovePodSandbox, the kernel may still be tearing down
 * the last exiting task, and rmdir fails with EBUSY. Returns false if the dir is still there at
 * the end.
 */
async function rmdirRetrying(dir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      rmdirSync(dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw err;
    }
    await sleep(50);
  }
  return !existsSync(dir);
}
