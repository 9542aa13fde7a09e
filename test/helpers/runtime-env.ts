/**
 * Access, from test files, to the real containerd that test/global-setup.ts starts.
 *
 * The global setup provides `runtime` exactly once per `vitest run`. The value is either the
 * running runtime or the reason why there is none (not root, PODPULSE_TEST_RUNTIME=off, startup
 * failed). Real-runtime suites must skip visibly, with the reason in their title:
 *
 * ```ts
 * const gate = runtimeOrSkip();
 * describe.skipIf(gate.skip)(gate.title('real containerd'), () => {
 *   test('…', async () => { const rt = gate.get(); … });
 * });
 * ```
 * When skipped, this reports as "real containerd (skipped: not root (uid 1000))".
 */
import { inject } from 'vitest';

/** A containerd started by test/harness/start-runtime.sh (see that script for what it sets up). */
export interface RuntimeInfo {
  /** The CRI socket path, without the `unix://` prefix. */
  socket: string;
  /** The local busybox image. It is also the sandbox image, and its default command sleeps forever. */
  image: string;
  /** The pods' CNI subnet, e.g. `10.200.0.0/16`. It has no route off the machine. */
  subnet: string;
  /** The bridge's address on the host. Pods can reach it, e.g. with ping, to make eth0 traffic. */
  gateway: string;
  /** The runtime's state dir; stop-runtime.sh removes it. Pod log dirs go below `${dir}/logs`. */
  dir: string;
  bridge: string;
  /** Top-level cgroup names that pods may use as `cgroup_parent` roots (cleaned up at stop). */
  cgroupParents: string[];
  /** How long start-runtime.sh took, in milliseconds. */
  startMs: number;
  unavailable?: undefined;
}

export interface RuntimeUnavailable {
  /** Why the suite has no real runtime; shown in the skipped suites' titles. */
  unavailable: string;
  socket?: undefined;
}

export type ProvidedRuntime = RuntimeInfo | RuntimeUnavailable;

declare module 'vitest' {
  export interface ProvidedContext {
    runtime: ProvidedRuntime;
  }
}

export interface RuntimeGate {
  /** True when there is no runtime: pass it to `describe.skipIf`. */
  skip: boolean;
  /** Why there is no runtime ('' when there is one). */
  reason: string;
  /** `name` when the runtime is there, `name (skipped: <reason>)` when it is not. */
  title(name: string): string;
  /**
   * The runtime. Call it inside tests and hooks only: the body of a skipped describe still runs
   * while tests are collected, and this throws when there is no runtime.
   */
  get(): RuntimeInfo;
}

export function runtimeOrSkip(): RuntimeGate {
  // inject() returns undefined when the global setup was not run at all (e.g. a config without it).
  const provided = inject('runtime') as ProvidedRuntime | undefined;
  const reason =
    provided === undefined
      ? 'test/global-setup.ts did not run (not listed in vitest.config.ts globalSetup?)'
      : (provided.unavailable ?? '');
  return {
    skip: reason !== '',
    reason,
    title: (name) => (reason === '' ? name : `${name} (skipped: ${reason})`),
    get: () => {
      if (provided === undefined || provided.socket === undefined) {
        throw new Error(`no real containerd: ${reason}`);
      }
      return provided;
    },
  };
}
