/**
 * A real podpulse agent as a child process (`node dist/src/main.js …`), so that its RSS, CPU and
 * open file descriptors are its own, read from /proc/<pid>. Used by `npm run soak` and by the
 * churn test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AgentSample {
  /** Wall clock of the sample, ms since the epoch. */
  at: number;
  /** VmRSS from /proc/<pid>/status. */
  rssBytes: number;
  /** VmHWM from /proc/<pid>/status: the highest RSS since the process started. */
  peakRssBytes: number;
  /** utime + stime of the process, in USER_HZ ticks. */
  cpuTicks: number;
  /** Entries of /proc/<pid>/fd. */
  openFds: number;
}

export interface AgentProcess {
  readonly pid: number;
  /** Last lines of the agent's stderr (its JSON log), for failure messages. */
  stderrTail(lines?: number): string;
  /** Null once the process has exited. */
  sample(): AgentSample | null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process is gone. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** USER_HZ: 100 on every mainstream Linux build (the agent's own readers assume the same). */
export const USER_HZ = 100;

/**
 * Starts `node <repo>/dist/src/main.js ...args`. The child's environment is this process's minus
 * every PODPULSE_* variable (a test runner's PODPULSE_TEST_RUNTIME would draw a warning), plus
 * `opts.env`. `opts.nodeArgs` go to node itself (e.g. --trace-gc). `opts.onLine` sees every
 * complete line the agent writes (its JSON log on stderr; V8 traces on stdout).
 * The caller must have built dist/ (scripts/ensure-built.mjs).
 */
export function startAgentProcess(
  repoRoot: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; nodeArgs?: readonly string[]; onLine?: (line: string) => void } = {},
): AgentProcess {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PODPULSE_')) childEnv[k] = v;
  Object.assign(childEnv, opts.env ?? {});
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(repoRoot, 'dist/src/main.js'), ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('podpulse agent did not start (spawn failed)');
  const pid = child.pid;
  // A bounded tail: a long soak must not keep every log line in memory.
  const tail: string[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    if (opts.onLine) for (const l of lines) opts.onLine(l);
    tail.push(...lines);
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  });
  // The daemon writes nothing to stdout; V8's --trace-gc does, a line per GC.
  let partialOut = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partialOut + d).split('\n');
    partialOut = lines.pop() ?? '';
    if (opts.onLine) for (const l of lines) opts.onLine(l);
  });
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
  });
  return {
    pid,
    stderrTail: (n = 20) => tail.slice(-n).join('\n'),
    sample: () => (gone ? null : sampleProcess(pid)),
    exited,
    async stop(timeoutMs = 15_000) {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) child.kill('SIGKILL');
      }, timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** RSS, CPU ticks and open fds of `pid` from /proc; null if it has exited. */
export function sampleProcess(pid: number): AgentSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
    const peakKb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? rssKb);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(f[14 - 3]) + Number(f[15 - 3]);
    const openFds = readdirSync(`/proc/${pid}/fd`).length;
    if (!Number.isFinite(rssKb) || !Number.isFinite(cpuTicks)) return null;
    return { at: Date.now(), rssBytes: rssKb * 1024, peakRssBytes: peakKb * 1024, cpuTicks, openFds };
  } catch {
    return null;
  }
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(a: AgentSample, b: AgentSample): number {
  const seconds = (b.at - a.at) / 1000;
  return seconds > 0 ? ((b.cpuTicks - a.cpuTicks) / USER_HZ / seconds) * 100 : 0;
}
