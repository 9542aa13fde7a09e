import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { layoutFromMounts, rebaseMountPoint } from '../src/cgroup/detect.js';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import { parseMountinfo } from '../src/cgroup/mountinfo.js';
import type { BenchTarget } from './protocol.js';

/** The controllers a container runtime puts every container into, and the bench does too. */
export const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'] as const;
export const PARENT = 'podpulse-bench';

/**
 * Runs in each fake container's first process: it joins the cgroups before anything else so its
 * memory is charged there, then takes a network namespace of its own with `lo` and one more
 * interface (an ifb device; a veth would need a peer outside), as a pod sandbox has, and becomes
 * `sleep infinity`. Every step execs, so the pid Node knows is the sleeping one.
 */
const CHILD_SCRIPT = `for f in "$@"; do echo $$ > "$f" || exit 1; done
exec unshare -n sh -c 'ip link set lo up; ip link add eth0 type ifb && ip link set eth0 up; exec sleep infinity'`;

const SPAWN_BATCH = 32;
const READY_TIMEOUT_MS = 30_000;

interface FakeContainer {
  index: number;
  cgroupPath: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

export type Probe = { ok: true; layout: CgroupLayout; mounts: string[] } | { ok: false; reason: string; fatal?: boolean };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Mount dirs the bench creates its cgroups in: the five controllers, plus cgroup2 on a hybrid host. */
function benchMounts(layout: CgroupLayout): string[] {
  const out = CONTROLLERS.map((c) => layout.v1.get(c) as string);
  // runc creates every container in the controller-less cgroup2 tree of a hybrid host as well, and
  // podpulse reads PSI there: without it the bench would read fewer files than a real node needs.
  if (layout.mode === 'hybrid' && layout.unified !== undefined) out.push(layout.unified);
  return out;
}

/** Can this process create fake containers here? Says why not, for the synthetic fallback. */
export function probeHost(procRoot = '/proc', sysRoot = '/sys'): Probe {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  let text: string;
  try {
    text = readFileSync(join(procRoot, 'self', 'mountinfo'), 'utf8');
  } catch (err) {
    return { ok: false, reason: `cannot read ${procRoot}/self/mountinfo: ${(err as Error).message}` };
  }
  const layout = layoutFromMounts(parseMountinfo(text), sysRoot);
  if (layout === undefined) return { ok: false, reason: 'no cgroup mounts found' };
  if (layout.mode === 'v2') return { ok: false, reason: 'the host is cgroup v2 only (the real mode builds v1 containers)' };
  const missing = CONTROLLERS.filter((c) => !layout.v1.has(c));
  if (missing.length > 0) return { ok: false, reason: `v1 controllers not mounted: ${missing.join(', ')}` };
  for (const cmd of ['unshare', 'ip']) if (!onPath(cmd)) return { ok: false, reason: `\`${cmd}\` is not on PATH` };
  const mounts = benchMounts(layout);
  const leftover = mounts.map((m) => join(m, PARENT)).filter((d) => existsSync(d));
  if (leftover.length > 0) {
    return { ok: false, fatal: true, reason: `${leftover[0]} exists (an interrupted run?); remove it with \`npm run bench -- --cleanup\`` };
  }
  return { ok: true, layout, mounts };
}

/**
 * N fake containers in the host's cgroup hierarchies, each one cgroup per hierarchy under
 * /podpulse-bench/c<i> holding one `sleep infinity` in its own network namespace. Grows on demand;
 * teardown kills only the processes it started, by pid, and removes only the directories it made.
 */
export class HostCgroups {
  readonly layout: CgroupLayout;
  readonly mounts: string[];
  #containers: FakeContainer[] = [];
  /** Every directory made, in creation order; removed in reverse. */
  #dirs: string[] = [];
  #errLog: string;
  #errFd: number;
  #tornDown = false;
  #removed = 0;

  constructor(layout: CgroupLayout, mounts: string[], errLog: string) {
    this.layout = layout;
    this.mounts = mounts;
    this.#errLog = errLog;
    this.#errFd = openSync(errLog, 'a');
  }

  get size(): number {
    return this.#containers.length;
  }

  describe(): string {
    const names = this.mounts.map((m) => m.replace(/^.*\//, ''));
    return `real cgroups: /${PARENT}/c<i> in ${names.join(', ')} (from /proc/self/mountinfo, mode ${this.layout.mode}); one \`sleep infinity\` per container in its own netns (lo + ifb eth0)`;
  }

  targets(n: number): BenchTarget[] {
    return this.#containers.slice(0, n).map((c) => ({ index: c.index, cgroupPath: c.cgroupPath, netPid: c.pid }));
  }

  async grow(n: number): Promise<void> {
    if (this.#tornDown) throw new Error('torn down');
    if (this.#dirs.length === 0) this.#mkdirAll(`/${PARENT}`);
    while (this.#containers.length < n) {
      const batch: FakeContainer[] = [];
      if (this.#tornDown) throw new Error('interrupted by teardown');
      for (let k = 0; k < SPAWN_BATCH && this.#containers.length < n; k++) {
        const c = this.#start(this.#containers.length);
        this.#containers.push(c);
        batch.push(c);
      }
      await Promise.all(batch.map((c) => this.#ready(c)));
    }
  }

  #mkdirAll(cgroupPath: string): void {
    for (const mount of this.mounts) {
      const dir = join(mount, cgroupPath);
      mkdirSync(dir);
      this.#dirs.push(dir);
    }
  }

  #start(index: number): FakeContainer {
    const cgroupPath = `/${PARENT}/c${index}`;
    this.#mkdirAll(cgroupPath);
    const procsFiles = this.mounts.map((m) => join(m, cgroupPath, 'cgroup.procs'));
    // detached: a Ctrl-C to the terminal reaches the bench, which tears down, not the sleeps.
    const child = spawn('sh', ['-c', CHILD_SCRIPT, 'podpulse-bench', ...procsFiles], {
      stdio: ['ignore', 'ignore', this.#errFd],
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`cannot spawn sh for ${cgroupPath}`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.unref();
    return { index, cgroupPath, child, pid: child.pid, exited };
  }

  async #ready(c: FakeContainer): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) {
        throw new Error(`the process of ${c.cgroupPath} exited (${c.child.exitCode ?? c.child.signalCode}); see ${this.#errLog}`);
      }
      let comm = '';
      try {
        comm = readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim();
      } catch {
        // not yet visible, or just exited: the next round says which
      }
      if (comm === 'sleep') break;
      if (Date.now() > deadline) throw new Error(`the process of ${c.cgroupPath} did not reach \`sleep\` in ${READY_TIMEOUT_MS} ms`);
      await sleep(5);
    }
    const memory = this.layout.v1.get('memory') as string;
    const procs = readFileSync(join(memory, c.cgroupPath, 'cgroup.procs'), 'utf8');
    if (!procs.split('\n').includes(String(c.pid))) throw new Error(`pid ${c.pid} is not in the memory cgroup ${c.cgroupPath}`);
  }

  async teardown(): Promise<string> {
    if (this.#tornDown) return 'already torn down';
    this.#tornDown = true;
    for (const c of this.#containers) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, 10_000)));
    await Promise.race([Promise.all(this.#containers.map((c) => c.exited)), timeout]);
    clearTimeout(timer);
    const deadline = Date.now() + 10_000;
    while (!this.#removeDirs() && Date.now() < deadline) await sleep(20);
    return this.#outcome();
  }

  /** For process 'exit': no event loop, so no reaping; cgroup v1 and v2 both let a zombie's cgroup go. */
  teardownSync(): string {
    if (this.#tornDown) return 'already torn down';
    this.#tornDown = true;
    for (const c of this.#containers) {
      try {
        if (readFileSync(`/proc/${c.pid}/cgroup`, 'utf8').includes(c.cgroupPath)) process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (!this.#removeDirs() && Date.now() < deadline) sleepSync(20);
    return this.#outcome();
  }

  /** After teardown: bench cgroups still present, and started pids still running `sleep infinity`. */
  leftovers(): { dirs: string[]; pids: number[] } {
    const dirs = this.mounts.map((m) => join(m, PARENT)).filter((d) => existsSync(d));
    const pids = this.#containers
      .map((c) => c.pid)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\0infinity\0';
        } catch {
          return false;
        }
      });
    return { dirs, pids };
  }

  /** One pass of rmdir, newest first; EBUSY until the killed processes have left. True when all are gone. */
  #removeDirs(): boolean {
    const left: string[] = [];
    for (const dir of [...this.#dirs].reverse()) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.unshift(dir);
      }
    }
    this.#removed += this.#dirs.length - left.length;
    this.#dirs = left;
    return left.length === 0;
  }

  #outcome(): string {
    closeSync(this.#errFd);
    // The children's stderr: kept only when something was written to it.
    const errors = statSync(this.#errLog, { throwIfNoEntry: false });
    if (errors?.size === 0) unlinkSync(this.#errLog);
    else if (errors) return `${this.#summary()}; the fake containers wrote to stderr, see ${this.#errLog}`;
    return this.#summary();
  }

  #summary(): string {
    const killed = `killed ${this.#containers.length} processes, removed ${this.#removed} cgroup directories`;
    return this.#dirs.length === 0 ? killed : `${killed}; could NOT remove ${this.#dirs.length}, e.g. ${this.#dirs[0]}`;
  }
}

/**
 * Removes what an interrupted run left: kills processes in /podpulse-bench/c* whose command line
 * is exactly `sleep infinity` (what the bench starts), then removes those cgroups.
 */
export async function cleanupLeftovers(sysRoot = '/sys'): Promise<string[]> {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const mounts = parseMountinfo(text)
    .filter((m) => m.root === '/')
    .map((m) => rebaseMountPoint(m.mountPoint, sysRoot))
    .map((m) => join(m, PARENT))
    .filter((d) => existsSync(d));
  const report: string[] = [];
  const dirs: string[] = [];
  let killed = 0;
  for (const parent of mounts) {
    for (const e of readdirSync(parent, { withFileTypes: true })) {
      if (!e.isDirectory() || !/^c\d+$/.test(e.name)) continue;
      const dir = join(parent, e.name);
      dirs.push(dir);
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((s) => s !== '')) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\0infinity\0') {
            process.kill(Number(pid), 'SIGKILL');
            killed++;
          }
        } catch {
          // gone already
        }
      }
    }
    dirs.push(parent);
  }
  const deadline = Date.now() + 10_000;
  let left = dirs;
  while (left.length > 0 && Date.now() < deadline) {
    left = left.filter((d) => {
      try {
        rmdirSync(d);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code !== 'ENOENT';
      }
    });
    if (left.length > 0) await sleep(50);
  }
  report.push(`killed ${killed} leftover \`sleep infinity\` processes; removed ${dirs.length - left.length} directories`);
  if (left.length > 0) report.push(`could not remove: ${left.join(', ')}`);
  return report;
}
