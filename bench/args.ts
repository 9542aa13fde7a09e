/** Command-line flags of `npm run bench -- …`. */

/** A condition the user can fix (bad flag, leftovers, no root for --mode real): printed without a stack. */
export class BenchUsageError extends Error {}

export type HostMode = 'auto' | 'real' | 'synthetic';

export interface BenchArgs {
  /** Container counts to measure, ascending. */
  counts: number[];
  cycles: number;
  warmup: number;
  mode: HostMode;
  /** Only remove what an interrupted earlier run left behind, then exit. */
  cleanup: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--n 100,1000] [--cycles 20] [--warmup 2] [--mode auto|real|synthetic] [--cleanup]

  --n        container counts to measure (comma separated)           default 100,1000
  --cycles   measured collection cycles per count and stage          default 20
  --warmup   unmeasured cycles before them                           default 2
  --mode     real: fake containers in the host's cgroup v1 hierarchies (root only);
             synthetic: copies of a fixture container in a temp dir;
             auto: real when possible, else synthetic                 default auto
  --cleanup  kill the sleep processes and remove the cgroups an interrupted run left under
             /podpulse-bench, then exit

Prints figures only; it asserts nothing about timings.`;

function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new BenchUsageError(`--${flag}: expected a positive integer, got "${text}"`);
  return Number(text);
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { counts: [100, 1000], cycles: 20, warmup: 2, mode: 'auto', cleanup: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    const eq = token.indexOf('=');
    const flag = token.startsWith('--') ? token.slice(2, eq === -1 ? undefined : eq) : token;
    const value = (): string => {
      if (eq !== -1) return token.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new BenchUsageError(`--${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case 'n':
        args.counts = [...new Set(value().split(',').map((s) => positiveInt('n', s.trim())))].sort((a, b) => a - b);
        break;
      case 'cycles':
        args.cycles = positiveInt('cycles', value());
        break;
      case 'warmup': {
        const v = value();
        args.warmup = v === '0' ? 0 : positiveInt('warmup', v);
        break;
      }
      case 'mode': {
        const v = value();
        if (v !== 'auto' && v !== 'real' && v !== 'synthetic') throw new BenchUsageError(`--mode: expected auto, real or synthetic, got "${v}"`);
        args.mode = v;
        break;
      }
      case 'cleanup':
        args.cleanup = true;
        break;
      case 'help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new BenchUsageError(`unknown argument "${token}"\n${USAGE}`);
    }
  }
  return args;
}
