/**
 * Runs podpulse exactly as the README tells a user to: `npm start --silent -- <args>` from the
 * repository root (which builds if needed, then runs `node dist/src/main.js --config
 * config/podpulse.yaml <args>`).
 *
 * npm does not run the agent itself: it runs `sh -c "… && node dist/src/main.js …"`, so the agent is
 * a grandchild. Every child is therefore started in its own process group (`detached: true`) and
 * signalled through the group (`process.kill(-pid)`), and `stop()`/`kill()` wait until the whole group
 * is gone, so a test can assert that nothing was left behind. `killAllStarted()` is the safety net
 * for afterEach/afterAll: it SIGKILLs the groups of every child this module started that still exist.
 *
 * The child's environment is the test process's minus every PODPULSE_* variable (the test runner's
 * own PODPULSE_TEST_RUNTIME would otherwise draw an "unknown variable" warning), plus `opts.env`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  /** The npm process's exit code; null when it was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface StopResult extends CliResult {
  /** False when processes of the group outlived the timeout (they were SIGKILLed). */
  groupEmpty: boolean;
  /** The signal stop() sent, and how long npm took to exit after it. */
  sent: NodeJS.Signals;
  stopMs: number;
  /** True when npm had not exited within the timeout and the group was SIGKILLed. */
  killedAfterTimeout: boolean;
}

/**
 * One line for an assertion message: how npm ended, how long stopping took, and the last stderr
 * lines (the agent's own account of its shutdown), so a failure says which of "killed by the
 * timeout", "died of the signal" and "exited non-zero" happened.
 */
export function exitSummary(result: CliResult | StopResult, tailLines = 6): string {
  const how = `npm exited with code=${result.code} signal=${result.signal}`;
  const stop =
    'sent' in result
      ? ` ${Math.round(result.stopMs)} ms after ${result.sent} to its group${result.killedAfterTimeout ? ' (SIGKILLed: the stop timeout passed)' : ''}${result.groupEmpty ? '' : ', group not empty'}`
      : ` after ${Math.round(result.durationMs)} ms`;
  const tail = result.stderr.split('\n').filter((l) => l !== '').slice(-tailLines);
  return `${how}${stop}; stderr tail:\n${tail.join('\n')}`;
}

export interface CliOptions {
  /** Added to (and overriding) the inherited environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** runCli only: SIGKILL the group and reject after this long (default 60 s). */
  timeoutMs?: number;
}

export interface RunningCli {
  /** The npm process's pid, which is also its process group id. */
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Complete stderr lines so far. */
  stderrLines(): string[];
  /** False once the npm process has exited and its stdio is closed. */
  readonly running: boolean;
  /** Resolves when the npm process has exited and its stdio is closed. */
  readonly exited: Promise<CliResult>;
  /** Whether any live (non-zombie) process of the child's process group still exists. */
  groupAlive(): boolean;
  /** Resolves with stderr once `predicate(stderr)` holds; rejects after timeoutMs or on exit. */
  waitForStderr(predicate: (stderr: string) => boolean, timeoutMs: number): Promise<string>;
  /**
   * Sends `signal` to the whole process group and waits for npm to exit and for the group to be
   * empty. `groupEmpty` is false when processes of the group outlived `timeoutMs` (they are then
   * SIGKILLed, so nothing leaks into the next test).
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<StopResult>;
  /** SIGKILL to the whole group (cleanup). */
  kill(): void;
}

const started = new Set<number>();

function childEnv(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PODPULSE_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Pids of the live (not zombie) processes in process group `pgid`, from /proc/<pid>/stat (field 5
 * is the process group, field 3 the state). Zombies are left out: an orphaned agent that already
 * exited waits there until init reaps it, which can take seconds and says nothing about podpulse.
 */
export function liveGroupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(entry));
  }
  return pids;
}

function groupExists(pgid: number): boolean {
  return liveGroupMembers(pgid).length > 0;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupExists(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

/** Starts `npm start --silent -- ...args` in its own process group. */
export function startCli(args: readonly string[], opts: CliOptions = {}): RunningCli {
  const t0 = performance.now();
  const child: ChildProcess = spawn('npm', ['start', '--silent', '--', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(opts.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('npm did not start (spawn failed)');
  const pid = child.pid;
  started.add(pid);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const l of listeners) l();
  });
  let done = false;
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      done = true;
      for (const l of listeners) l();
      resolve({ code, signal, stdout, stderr, durationMs: performance.now() - t0 });
    });
  });

  return {
    pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get running() {
      return !done;
    },
    stderrLines: () => stderr.split('\n').slice(0, -1),
    exited,
    groupAlive: () => groupExists(pid),
    waitForStderr(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(stderr)) finish(() => resolve(stderr));
          else if (done) finish(() => reject(new Error(`podpulse exited before the expected stderr; stderr was:\n${stderr}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`expected stderr not seen within ${timeoutMs} ms; stderr was:\n${stderr}`))),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      const t0 = performance.now();
      killGroup(pid, signal);
      const deadline = Date.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
      clearTimeout(timer);
      const stopMs = performance.now() - t0;
      const groupEmpty = await waitGroupGone(pid, Math.max(0, deadline - Date.now()));
      if (!groupEmpty || result === undefined) killGroup(pid, 'SIGKILL');
      const final = result ?? (await exited);
      await waitGroupGone(pid, 5000);
      started.delete(pid);
      return { ...final, groupEmpty: groupEmpty && result !== undefined, sent: signal, stopMs, killedAfterTimeout: result === undefined };
    },
    kill() {
      killGroup(pid, 'SIGKILL');
    },
  };
}

/** Runs `npm start --silent -- ...args` to completion (the group is SIGKILLed on timeout). */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const running = startCli(args, opts);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.kill();
      reject(new Error(`npm start ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr:\n${running.stderr}`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([running.exited, timedOut]);
    // npm is gone; make sure the agent it ran is too before the next test starts.
    if (!(await waitGroupGone(running.pid, 10_000))) {
      running.kill();
      throw new Error(`processes of the npm start group outlived npm by 10 s (args: ${args.join(' ')})`);
    }
    started.delete(running.pid);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILLs the process group of every child started here that still exists (afterEach/afterAll). */
export async function killAllStarted(): Promise<void> {
  for (const pid of started) {
    if (groupExists(pid)) killGroup(pid, 'SIGKILL');
    await waitGroupGone(pid, 5000);
    started.delete(pid);
  }
}

/**
 * Builds dist/ if it is stale, as `npm start` would on first use, so the build's time does not count
 * against the first test. Throws with the build output when it fails.
 */
export function ensureBuilt(): void {
  const r = spawnSync('node', ['scripts/ensure-built.mjs'], { cwd: REPO_ROOT, env: childEnv(), encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`scripts/ensure-built.mjs failed (${r.status ?? r.signal}):\n${r.stderr}`);
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      s.close(() => resolve(addr.port));
    });
  });
}
