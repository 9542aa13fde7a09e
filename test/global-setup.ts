/**
 * Vitest global setup: starts one private containerd for the whole `vitest run` and stops it at
 * the end. The runtime is described by test/harness/start-runtime.sh.
 *
 * - Tests read the result with `inject('runtime')`, best through test/helpers/runtime-env.ts.
 * - Teardown runs test/harness/stop-runtime.sh, which kills only the processes this runtime
 *   started (found by pid, socket and state dir), unmounts, deletes the bridge and removes the
 *   test cgroups.
 * - It runs only for the `system` vitest project (vitest.config.ts): `npm run test:unit` starts no
 *   runtime.
 * - PODPULSE_TEST_RUNTIME controls the setup:
 *   - `auto`: start when running as root; otherwise the real-runtime suites are skipped, with the
 *     reason in their titles.
 *   - `off`: never start.
 *   - `required`: fail the run instead of skipping (for CI, where a silent skip would hide a
 *     broken harness). `.ci/run` sets it when it runs as root.
 *   - unset: `required` as root under CI (the CI variable set, and not `false` or `0`), else `auto`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { ProvidedRuntime, RuntimeInfo } from './helpers/runtime-env.js';

const HARNESS = fileURLToPath(new URL('./harness/', import.meta.url));
/** Installing packages on a fresh machine (apt-get update + install) can take minutes. */
const START_TIMEOUT_MS = 10 * 60_000;
const STOP_TIMEOUT_MS = 60_000;

const MODES = ['auto', 'off', 'required'] as const;
type Mode = (typeof MODES)[number];

/** The mode from PODPULSE_TEST_RUNTIME, or its default for this uid and environment. */
export function runtimeMode(env: NodeJS.ProcessEnv, uid: number | undefined): Mode {
  const value = env.PODPULSE_TEST_RUNTIME;
  if (value === undefined || value === '') {
    const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
    return uid === 0 && ci ? 'required' : 'auto';
  }
  if (!(MODES as readonly string[]).includes(value)) {
    throw new Error(`PODPULSE_TEST_RUNTIME: value was "${value}"; use ${MODES.join(', ')} (or leave it unset)`);
  }
  return value as Mode;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const mode = runtimeMode(process.env, process.getuid?.());
  const unavailable = (reason: string): undefined => {
    if (mode === 'required') throw new Error(`a real containerd is required (PODPULSE_TEST_RUNTIME=required, or root under CI) but cannot start: ${reason}`);
    console.warn(`[podpulse tests] real containerd unavailable: ${reason}; real-runtime suites are skipped`);
    project.provide('runtime', { unavailable: reason } satisfies ProvidedRuntime);
    return undefined;
  };

  if (mode === 'off') return unavailable('PODPULSE_TEST_RUNTIME=off');
  const uid = process.getuid?.();
  if (uid !== 0) return unavailable(`not root (uid ${uid ?? 'unknown'}); containerd needs root`);

  const dir = mkdtempSync(join(tmpdir(), 'podpulse-rt-'));
  const stop = stopper(dir);
  // A run interrupted without a teardown (Ctrl-C while vitest shuts down, an uncaught error) still
  // exits through process.exit. This hook stops the runtime then.
  const onExit = (): void => stop.sync();
  process.once('exit', onExit);

  const t0 = performance.now();
  try {
    // Names this process as the owner: if it is SIGKILLed, the next start cleans the runtime up.
    await run(join(HARNESS, 'start-runtime.sh'), [dir], START_TIMEOUT_MS, { PODPULSE_RT_OWNER_PID: String(process.pid) });
  } catch (err) {
    stop.sync();
    process.removeListener('exit', onExit);
    return unavailable(`start-runtime.sh failed: ${failureReason((err as Error).message)}`);
  }
  const startMs = Math.round(performance.now() - t0);
  const info = runtimeInfo(dir, startMs);
  console.log(`[podpulse tests] containerd ready at ${info.socket} in ${startMs} ms (pods on ${info.subnet})`);
  project.provide('runtime', info satisfies ProvidedRuntime);

  return async () => {
    process.removeListener('exit', onExit);
    const t1 = performance.now();
    await stop.async();
    console.log(`[podpulse tests] containerd stopped in ${Math.round(performance.now() - t1)} ms`);
  };
}

/** The script's own "error:" line, if it printed one, else the last line of the error. */
function failureReason(message: string): string {
  const lines = message.split('\n');
  const errors = lines.filter((l) => l.includes('] error: '));
  return (errors[0] ?? lines[lines.length - 1] ?? message).replace(/^\[start-runtime\] (error: )?/, '');
}

/** Reads the KEY=VALUE lines start-runtime.sh wrote to DIR/runtime.env. */
function runtimeInfo(dir: string, startMs: number): RuntimeInfo {
  const env = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'runtime.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) env.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  const need = (key: string): string => {
    const v = env.get(key);
    if (v === undefined || v === '') throw new Error(`${dir}/runtime.env has no ${key}`);
    return v;
  };
  return {
    socket: need('CRI_SOCK'),
    image: need('IMAGE'),
    subnet: need('SUBNET'),
    gateway: need('GATEWAY'),
    bridge: need('BRIDGE'),
    dir,
    cgroupParents: need('CGROUP_PARENTS').split(/\s+/),
    startMs,
  };
}

/** Stops DIR's runtime at most once, either asynchronously (teardown) or synchronously (exit hook). */
function stopper(dir: string): { async(): Promise<void>; sync(): void } {
  const script = join(HARNESS, 'stop-runtime.sh');
  let done = false;
  return {
    async async() {
      if (done) return;
      done = true;
      // Leftovers must not go unnoticed: the script names them and exits non-zero, and the
      // rejection fails the run.
      await run(script, [dir], STOP_TIMEOUT_MS);
    },
    sync() {
      if (done) return;
      done = true;
      try {
        execFileSync('bash', [script, dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: STOP_TIMEOUT_MS });
      } catch (err) {
        console.error(`[podpulse tests] stop-runtime.sh ${dir}: ${(err as Error).message}`);
      }
    },
  };
}

/**
 * Runs a harness script. Its stderr (progress, package installs, leftovers) is passed through as it
 * comes; on failure the promise rejects with the tail of that stderr, so the reason is in the error.
 */
function run(file: string, args: string[], timeout: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // Through bash, so a checkout that lost the scripts' exec bit still works.
    const child = spawn('bash', [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      const tail = stderr.trim().split('\n').slice(-12).join('\n');
      reject(new Error(`${file} exited with ${signal ?? code}${tail ? `:\n${tail}` : ''}`));
    });
  });
}
