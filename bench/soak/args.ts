/** Command-line flags of `npm run soak -- …`. */

/** A condition the user can fix (bad flag, not root): printed without a stack. */
export class SoakUsageError extends Error {}

export interface SoakArgs {
  /** How long to churn, in minutes (fractions allowed). */
  minutes: number;
  /** Pods alive at once: the churn keeps this many and replaces the oldest. */
  pods: number;
  /** Pods replaced per step (removed and created). */
  step: number;
  /** The agent's collection interval, seconds. */
  intervalSec: number;
  help: boolean;
}

export const SOAK_USAGE = `Usage: npm run soak -- [--minutes 10] [--pods 30] [--step 5] [--interval 2]

  --minutes   how long to churn pods under the agent (fractions allowed)     default 10
  --pods      pods alive at a time (1 sandbox + 1 busybox container each)     default 30
  --step      pods replaced per churn step (oldest removed, new created)      default 5
  --interval  the agent's collection interval in seconds                      default 2

Needs root: starts a private containerd (test/harness/start-runtime.sh), a real agent
(dist/src/main.js) exporting to a loopback OTLP/gRPC receiver, and churns pods through CRI.
Prints one line per minute (agent RSS, CPU %, open fds, exports, points per export, containers)
and stops everything it started on exit or Ctrl-C. Prints figures only; asserts nothing.`;

function positive(flag: string, text: string, integer: boolean): number {
  const ok = integer ? /^\d+$/.test(text) : /^\d+(\.\d+)?$/.test(text);
  const n = Number(text);
  if (!ok || !(n > 0)) throw new SoakUsageError(`--${flag}: expected a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  return n;
}

export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const args: SoakArgs = { minutes: 10, pods: 30, step: 5, intervalSec: 2, help: false };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-h' || token === '--help') {
      args.help = true;
      continue;
    }
    if (!token.startsWith('--')) throw new SoakUsageError(`unexpected argument "${token}"\n\n${SOAK_USAGE}`);
    const eq = token.indexOf('=');
    const flag = token.slice(2, eq === -1 ? undefined : eq);
    const value = (): string => {
      if (eq !== -1) return token.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new SoakUsageError(`--${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case 'minutes':
        args.minutes = positive(flag, value(), false);
        break;
      case 'pods':
        args.pods = positive(flag, value(), true);
        break;
      case 'step':
        args.step = positive(flag, value(), true);
        break;
      case 'interval':
        args.intervalSec = positive(flag, value(), false);
        break;
      default:
        throw new SoakUsageError(`unknown flag --${flag}\n\n${SOAK_USAGE}`);
    }
  }
  if (args.step > args.pods) throw new SoakUsageError(`--step (${args.step}) cannot exceed --pods (${args.pods})`);
  return args;
}
