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
  /** Also write the figures as JSON to this file. */
  json?: string;
  /** Measure a peer agent on the same fake containers after each count. */
  peer?: 'netdata';
  /** Seconds of netdata CPU measured per count. */
  peerWindowSec: number;
  /** Instead of fake containers: the real agent on a private containerd with `pods` pods. */
  runtime?: 'containerd';
  pods: number;
  /** containerd variant: agent collection interval and the CPU window, seconds. */
  intervalSec: number;
  windowSec: number;
  /** Write a V8 CPU profile of each worker into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** Write a heap snapshot of each worker, after its FULL cycles, into this directory. */
  heapSnapshotDir?: string;
  /**
   * Extra workers per count, each with other node flags (and NAME=value environment words), on the
   * same containers right after the main one: a compact line of memory and CPU figures each.
   */
  variants: string[];
  /** Write a sampling heap profile (allocations, collected ones included) of each worker's READ stage into this directory. */
  heapProfDir?: string;
}

export const USAGE = `Usage: npm run bench -- [--n 100,1000] [--cycles 20] [--warmup 2] [--mode auto|real|synthetic] [--cleanup]
                      [--json FILE] [--peer netdata [--peer-window 30]] [--cpu-prof DIR] [--heap-snapshot DIR] [--heap-prof DIR]
                      [--variant "--max-semi-space-size=2 MALLOC_ARENA_MAX=2" ...]
       npm run bench -- --runtime containerd [--pods 100] [--interval 10] [--window 60] [--json FILE] [--cpu-prof DIR]

  --n        container counts to measure (comma separated)           default 100,1000
  --cycles   measured collection cycles per count and stage          default 20
  --warmup   unmeasured cycles before them                           default 2
  --mode     real: fake containers in the host's cgroup v1 hierarchies (root only);
             synthetic: copies of a fixture container in a temp dir;
             auto: real when possible, else synthetic                 default auto
  --cleanup  kill the sleep processes and remove the cgroups an interrupted run left under
             /podpulse-bench, then exit
  --json     also write every figure as JSON to FILE
  --peer     netdata: after each count, run Debian's netdata (cgroups plugin only) on the same
             fake containers and measure its cgroups threads' CPU (root, netdata installed)
  --peer-window  seconds of netdata CPU measured per count                 default 30
  --cpu-prof DIR       node --cpu-prof for each worker (or the agent with --runtime), plus a summary
  --heap-snapshot DIR  a V8 heap snapshot of each worker after its FULL cycles
  --variant FLAGS      (repeatable) after each count's worker, one more with these node flags added
                       (NAME=value words go to its environment): peak RSS, retained heap, CPU, loop max
  --heap-prof DIR      a sampling heap profile of what READ's measured cycles allocate (collected objects included)
  --runtime  containerd: the real agent (dist/src/main.js) on a private containerd from
             test/harness with --pods pods, its CPU over --window seconds at --interval
  --pods     pods (one busybox container each) for --runtime                default 100
  --interval the agent's collection interval in seconds for --runtime      default 10
  --window   seconds of agent CPU measured for --runtime                   default 60

Prints figures only; it asserts nothing about timings.`;

function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new BenchUsageError(`--${flag}: expected a positive integer, got "${text}"`);
  return Number(text);
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    counts: [100, 1000],
    cycles: 20,
    warmup: 2,
    mode: 'auto',
    cleanup: false,
    help: false,
    peerWindowSec: 30,
    pods: 100,
    intervalSec: 10,
    windowSec: 60,
    variants: [],
  };
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
      case 'json':
        args.json = value();
        break;
      case 'peer': {
        const v = value();
        if (v !== 'netdata') throw new BenchUsageError(`--peer: expected netdata, got "${v}"`);
        args.peer = v;
        break;
      }
      case 'peer-window':
        args.peerWindowSec = positiveInt('peer-window', value());
        break;
      case 'runtime': {
        const v = value();
        if (v !== 'containerd') throw new BenchUsageError(`--runtime: expected containerd, got "${v}"`);
        args.runtime = v;
        break;
      }
      case 'pods':
        args.pods = positiveInt('pods', value());
        break;
      case 'interval':
        args.intervalSec = positiveInt('interval', value());
        break;
      case 'window':
        args.windowSec = positiveInt('window', value());
        break;
      case 'cpu-prof':
        args.cpuProfDir = value();
        break;
      case 'heap-snapshot':
        args.heapSnapshotDir = value();
        break;
      case 'variant':
        args.variants.push(value());
        break;
      case 'heap-prof':
        args.heapProfDir = value();
        break;
      case 'help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new BenchUsageError(`unknown argument "${token}"\n${USAGE}`);
    }
  }
  if (args.runtime && args.peer) throw new BenchUsageError('--peer measures the fake containers; it does not combine with --runtime');
  return args;
}
