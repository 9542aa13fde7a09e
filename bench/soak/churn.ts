/**
 * The soak's runtime and pods: a private containerd from the test harness
 * (test/harness/start-runtime.sh DIR, stop-runtime.sh DIR), and kubelet-like pods created and
 * removed through CRI (CriAdmin, test/helpers/cri-admin.ts: RunPodSandbox, CreateContainer, StartContainer, then
 * StopPodSandbox + RemovePodSandbox and an rmdir of the pod-level cgroup, as the kubelet does).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMountinfo, type CgroupMount } from '../../src/cgroup/mountinfo.js';
import { CriAdmin, type PodSpec } from '../../test/helpers/cri-admin.js';

export interface SoakRuntime {
  dir: string;
  socket: string;
  image: string;
}

/** Starts a harness containerd in a fresh temp dir. Rejects with the script's stderr tail. */
export async function startRuntime(repoRoot: string, log: (msg: string) => void): Promise<SoakRuntime> {
  const script = join(repoRoot, 'test/harness/start-runtime.sh');
  if (!existsSync(script)) throw new Error(`${script} not found: the soak needs the repository's test harness`);
  const dir = mkdtempSync(join(tmpdir(), 'podpulse-soak-rt-'));
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [script, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Names this process as the owner: if it is SIGKILLed, the next harness start cleans up.
      env: { ...process.env, PODPULSE_RT_OWNER_PID: String(process.pid) },
      timeout: 10 * 60_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      reject(new Error(`start-runtime.sh exited with ${code}:\n${stderr.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
  const env = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'runtime.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) env.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  const socket = env.get('CRI_SOCK');
  const image = env.get('IMAGE');
  if (!socket || !image) throw new Error(`${dir}/runtime.env lacks CRI_SOCK or IMAGE`);
  log(`containerd up at ${socket}`);
  return { dir, socket, image };
}

/** Stops the runtime in `dir` (stop-runtime.sh exits non-zero when something is left over). */
export function stopRuntime(repoRoot: string, dir: string): void {
  execFileSync('bash', [join(repoRoot, 'test/harness/stop-runtime.sh'), dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
}

interface LivePod {
  id: string;
  cgroup: string;
}

/** Pods of one soak, oldest first. Not safe for concurrent create/remove of the same pod. */
export class ChurnPods {
  readonly #admin: CriAdmin;
  readonly #image: string;
  readonly #logDir: string;
  readonly #mounts: CgroupMount[];
  readonly #live: LivePod[] = [];
  created = 0;
  removed = 0;
  /** Pod-level cgroup of every pod ever created, for a leftover check after teardown. */
  readonly createdCgroups: string[] = [];

  readonly #prefix: string;

  /** `prefix` names the pods `<prefix>-<n>` in namespace `podpulse-<prefix>` (the bench uses its own). */
  constructor(rt: SoakRuntime, prefix = 'soak') {
    this.#prefix = prefix;
    this.#admin = new CriAdmin({ endpoint: rt.socket });
    this.#image = rt.image;
    this.#logDir = join(rt.dir, 'logs');
    this.#mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  }

  get alive(): number {
    return this.#live.length;
  }

  /** A besteffort pod `<prefix>-<n>` with one `sleep infinity` busybox container. */
  async create(): Promise<void> {
    const uid = randomUUID();
    const name = `${this.#prefix}-${this.created}`;
    const namespace = `podpulse-${this.#prefix}`;
    const cgroup = `/kubepods/besteffort/pod${uid}`;
    const spec: PodSpec = { name, namespace, uid, cgroupParent: cgroup, logDirectory: join(this.#logDir, `${namespace}_${name}_${uid}`) };
    const id = await this.#admin.runPod(spec);
    this.created++;
    this.createdCgroups.push(cgroup);
    this.#live.push({ id, cgroup });
    const cid = await this.#admin.createContainer(id, spec, { name: 'sleeper', image: this.#image, command: ['sleep', 'infinity'], resources: {} });
    await this.#admin.startContainer(cid);
  }

  /** Removes the oldest pod. */
  async removeOldest(): Promise<void> {
    const pod = this.#live.shift();
    if (pod === undefined) return;
    await this.#admin.teardownPod(pod.id);
    this.removed++;
    this.#rmdirPodCgroup(pod.cgroup);
  }

  async removeAll(): Promise<void> {
    while (this.#live.length > 0) await this.removeOldest().catch(() => undefined);
  }

  close(): void {
    this.#admin.close();
  }

  /** The kubelet removes the pod-level cgroup; runc leaves it. Best effort: stop-runtime.sh sweeps the rest. */
  #rmdirPodCgroup(cgroup: string): void {
    for (const m of new Set(this.#mounts.map((x) => x.mountPoint))) {
      const mount = this.#mounts.find((x) => x.mountPoint === m)!;
      const rel = mount.root === '/' || mount.root === '' ? cgroup : cgroup.startsWith(`${mount.root}/`) ? cgroup.slice(mount.root.length) : cgroup;
      try {
        rmdirSync(join(m, rel));
      } catch {
        // ENOENT (not in this hierarchy) or EBUSY (last task still exiting): left to stop-runtime.sh.
      }
    }
  }
}
