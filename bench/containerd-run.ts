import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseMountinfo } from '../src/cgroup/mountinfo.js';
import type { ContainerdFigures } from './figures.js';
import type { StageMark } from './protocol.js';
import { sampleProcess, startAgentProcess, USER_HZ, type AgentProcess } from './soak/agent-process.js';
import { ChurnPods, startRuntime, stopRuntime, type SoakRuntime } from './soak/churn.js';
import { startOtlpCounter, type OtlpCounter } from './soak/otlp-counter.js';

/**
 * `npm run bench -- --runtime containerd --pods 100`: the real agent (dist/src/main.js, default
 * config apart from the endpoints and the interval) on a private containerd from the test harness,
 * with `pods` kubelet-like pods (one busybox `sleep infinity` each), node's flags as in `npm start`,
 * exporting over real OTLP/gRPC to
 * a counting receiver on 127.0.0.1. Once the agent reports every container, its CPU (all threads,
 * from /proc/<pid>/stat) is measured over a window. Teardown removes the pods, stops the agent and
 * the receiver, and stops the runtime with stop-runtime.sh, which fails when anything of it is left.
 */

export interface ContainerdOptions {
  repoRoot: string;
  pods: number;
  intervalSec: number;
  windowSec: number;
  log: (msg: string) => void;
  /** Run the agent with node --cpu-prof into this directory (written when it exits). */
  cpuProfDir?: string;
}

/** File name of the agent's CPU profile in ContainerdOptions.cpuProfDir. */
export const AGENT_PROFILE = 'agent-containerd.cpuprofile';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every cgroup hierarchy of this host (v1 controllers and cgroup2) with the cgroup its mount shows. */
function cgroupMounts(): { mountPoint: string; root: string }[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => ({ mountPoint: m.mountPoint, root: m.root }));
}

/**
 * node's own flags in `npm start` (V8 heap sizing; the image's CMD has the same, test/pipeline/dockerfile.test.ts):
 * the bench runs the agent as users do.
 */
export function npmStartNodeFlags(repoRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  for (const step of (pkg.scripts?.start ?? '').split('&&')) {
    const words = step.trim().replace(/^exec\s+/, '').split(/\s+/);
    const script = words.findIndex((w, i) => i > 0 && !w.startsWith('--'));
    if (words[0] === 'node' && words[script]?.startsWith('dist/')) return words.slice(1, script);
  }
  return [];
}

/** Pod cgroups (absolute cgroup paths) that still exist in some hierarchy. */
export function leftoverCgroups(cgroups: readonly string[], mounts: readonly { mountPoint: string; root: string }[] = cgroupMounts()): string[] {
  const dirOf = (m: { mountPoint: string; root: string }, cg: string) =>
    join(m.mountPoint, m.root === '/' || m.root === '' || !cg.startsWith(`${m.root}/`) ? cg : cg.slice(m.root.length));
  return cgroups.filter((cg) => mounts.some((m) => existsSync(dirOf(m, cg))));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ContainerdRun {
  #rt: SoakRuntime | undefined;
  #receiver: OtlpCounter | undefined;
  #agent: AgentProcess | undefined;
  #pods: ChurnPods | undefined;
  #tornDown = false;
  /** The measured window in CLOCK_MONOTONIC µs, to cut the agent's profile. */
  window: StageMark | undefined;

  constructor(private readonly opts: ContainerdOptions) {}

  async measure(): Promise<Omit<ContainerdFigures, 'teardown'>> {
    const { repoRoot, pods, intervalSec, windowSec, log } = this.opts;
    this.#rt = await startRuntime(repoRoot, log);
    this.#receiver = await startOtlpCounter();
    this.#pods = new ChurnPods(this.#rt, 'bench');
    log(`creating ${pods} pods`);
    while (this.#pods.alive < pods) await this.#pods.create();
    // Started after the pods exist, so the window sees a steady state and not pod creation. The raw
    // cgroup walk covers only this run's pod cgroups: other test runs on the machine put their pods
    // under /kubepods too, and the agent would report those as well (as cAdvisor would).
    this.#agent = startAgentProcess(repoRoot, [
      '--cri-endpoint',
      this.#rt.socket,
      '--discovery-cgroup-parents',
      this.#pods.createdCgroups.join(','),
      '--collection-interval',
      `${intervalSec * 1000}ms`,
      '--export-otlp-endpoint',
      this.#receiver.url,
    ], {
      nodeArgs: [
        ...npmStartNodeFlags(repoRoot),
        ...(this.opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', this.opts.cpuProfDir, '--cpu-prof-name', AGENT_PROFILE] : []),
      ],
    });
    const agent = this.#agent;
    log(`agent node flags: ${npmStartNodeFlags(repoRoot).join(' ') || 'none'} (as npm start)`);
    const counts = this.#receiver.counts;
    log(`agent pid ${agent.pid}; waiting until it reports ${pods} containers`);
    const deadline = Date.now() + 120_000 + 3 * intervalSec * 1000;
    while ((counts.containers ?? 0) < pods) {
      if (agent.sample() === null) throw new Error(`the agent exited; its last log lines:\n${agent.stderrTail()}`);
      if (Date.now() > deadline) throw new Error(`the agent reported ${counts.containers ?? 'no'} containers, not ${pods}; its log:\n${agent.stderrTail()}`);
      await sleep(500);
    }
    // Pod, sandbox and app cgroups show up over a few discovery rounds: wait until the count holds
    // for an interval (which also lets the first cycles, which read every cgroup's full set, pass).
    for (let prev = -1; prev !== counts.containers; ) {
      if (Date.now() > deadline) throw new Error(`the agent's container count did not settle (${counts.containers ?? 'none'})`);
      prev = counts.containers ?? -1;
      await sleep(intervalSec * 1000 + 500);
    }
    const loadBefore = loadavg()[0] ?? 0;
    const requests0 = counts.dataRequests;
    const points0 = counts.points;
    const a = sampleProcess(agent.pid);
    const startUs = Number(process.hrtime.bigint() / 1000n);
    log(`measuring the agent's CPU for ${windowSec} s`);
    await sleep(windowSec * 1000);
    const b = sampleProcess(agent.pid);
    this.window = { stage: 'agent', startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
    if (!a || !b) throw new Error(`the agent exited during the window; its log:\n${agent.stderrTail()}`);
    const seconds = (b.at - a.at) / 1000;
    const cpuUs = ((b.cpuTicks - a.cpuTicks) / USER_HZ) * 1e6;
    const containers = counts.containers ?? pods;
    const exportsInWindow = counts.dataRequests - requests0;
    return {
      pods,
      containersReported: counts.containers,
      intervalSec,
      windowSec: seconds,
      loadBefore,
      loadAfter: loadavg()[0] ?? 0,
      cpuPercent: (cpuUs / (seconds * 1e6)) * 100,
      usPerContainerPerCycle: cpuUs / (seconds / intervalSec) / containers,
      rssMiB: b.rssBytes / 2 ** 20,
      peakRssMiB: b.peakRssBytes / 2 ** 20,
      exportsInWindow,
      pointsPerExport: exportsInWindow > 0 ? (counts.points - points0) / exportsInWindow : 0,
    };
  }

  /** Undoes everything measure() did, whatever point it reached; says what, if anything, is left. */
  async teardown(): Promise<string> {
    if (this.#tornDown) return 'already torn down';
    this.#tornDown = true;
    const problems: string[] = [];
    const pods = this.#pods;
    if (pods) {
      await pods.removeAll();
      pods.close();
    }
    const agent = this.#agent;
    if (agent) {
      await agent.stop();
      if (processAlive(agent.pid)) problems.push(`agent pid ${agent.pid} still alive`);
    }
    await this.#receiver?.stop();
    if (this.#rt) {
      try {
        stopRuntime(this.opts.repoRoot, this.#rt.dir);
      } catch (err) {
        problems.push(`stop-runtime.sh: ${(err as Error).message.split('\n')[0]}`);
      }
      if (existsSync(this.#rt.dir)) problems.push(`${this.#rt.dir} still exists`);
    }
    const left = pods ? leftoverCgroups(pods.createdCgroups) : [];
    if (left.length > 0) problems.push(`pod cgroups left: ${left.slice(0, 3).join(', ')}${left.length > 3 ? ` and ${left.length - 3} more` : ''}`);
    const created = pods?.created ?? 0;
    return problems.length === 0
      ? `none (${created} pods removed, their ${created} pod cgroups gone, agent stopped, stop-runtime.sh found nothing of the runtime left)`
      : `LEFT BEHIND: ${problems.join('; ')}`;
  }

  /** Last resort from a process 'exit' hook: the agent by pid, then the runtime's own stop script. */
  teardownSync(): void {
    if (this.#tornDown) return;
    try {
      if (this.#agent) process.kill(this.#agent.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      if (this.#rt) stopRuntime(this.opts.repoRoot, this.#rt.dir);
    } catch {
      // reported by stop-runtime.sh on stderr
    }
  }
}
