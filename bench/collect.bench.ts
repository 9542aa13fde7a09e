import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import type { MachineRoots } from '../src/machine/machine-info.js';
import { BenchUsageError, parseArgs, USAGE, type BenchArgs } from './args.js';
import { cleanupLeftovers, HostCgroups, probeHost } from './host-cgroups.js';
import { layoutToMessage, type BenchTarget, type WorkerReply, type WorkerRequest, type WorkerResult } from './protocol.js';
import { coreShare, section } from './report.js';
import { repoRootFrom, SyntheticTree } from './synthetic-tree.js';

/**
 * `npm run bench`: CPU and memory of podpulse's collection cycle per container, on fake containers
 * made for the run (or a synthetic file tree without root). Prints figures; asserts nothing.
 *
 * This process owns the fake containers; each container count is measured in a fresh worker
 * process (worker.ts) so that its memory figures are its own.
 */

interface BenchHost {
  readonly layout: CgroupLayout;
  readonly roots: MachineRoots;
  readonly size: number;
  describe(): string;
  grow(n: number): Promise<void> | void;
  targets(n: number): BenchTarget[];
  teardown(): Promise<string> | string;
  teardownSync(): string;
  leftovers(): string;
}

const here = dirname(fileURLToPath(import.meta.url));
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function realHost(h: HostCgroups): BenchHost {
  return {
    layout: h.layout,
    roots: { procRoot: '/proc', sysRoot: '/sys', rootfsRoot: '/' },
    get size() {
      return h.size;
    },
    describe: () => h.describe(),
    grow: (n) => h.grow(n),
    targets: (n) => h.targets(n),
    teardown: () => h.teardown(),
    teardownSync: () => h.teardownSync(),
    leftovers: () => {
      const { dirs, pids } = h.leftovers();
      return dirs.length === 0 && pids.length === 0
        ? 'none (no /podpulse-bench cgroup in any hierarchy, no started `sleep infinity` alive)'
        : `LEFT BEHIND: dirs ${dirs.join(', ') || 'none'}; pids ${pids.join(', ') || 'none'}`;
    },
  };
}

function syntheticHost(t: SyntheticTree): BenchHost {
  return {
    layout: t.layout,
    roots: t.roots,
    get size() {
      return t.size;
    },
    describe: () => t.describe(),
    grow: (n) => t.grow(n),
    targets: (n) => t.targets(n),
    teardown: () => t.teardown(),
    teardownSync: () => t.teardown(),
    leftovers: () => 'temp dir removed',
  };
}

function chooseHost(args: BenchArgs): { host: BenchHost; note?: string } {
  if (args.mode !== 'synthetic') {
    const probe = probeHost();
    if (probe.ok) {
      return { host: realHost(new HostCgroups(probe.layout, probe.mounts, join(tmpdir(), `podpulse-bench-${process.pid}.stderr`))) };
    }
    if (args.mode === 'real' || probe.fatal) throw new BenchUsageError(`cannot build real fake containers: ${probe.reason}`);
    return { host: syntheticHost(new SyntheticTree(repoRootFrom(here))), note: `fell back to the synthetic tree: ${probe.reason}` };
  }
  return { host: syntheticHost(new SyntheticTree(repoRootFrom(here))), note: 'synthetic tree requested with --mode synthetic' };
}

function runWorker(req: WorkerRequest, onChild: (c: ChildProcess | undefined) => void): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'worker.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Only used after the measured cycles, for the retained-memory figure.
      execArgv: [...process.execArgv, '--expose-gc'],
    });
    onChild(child);
    let reply: WorkerReply | undefined;
    child.once('message', (m: WorkerReply) => {
      reply = m;
    });
    child.once('exit', (code, signal) => {
      onChild(undefined);
      if (reply?.ok) resolve(reply.result);
      else reject(new Error(reply ? `worker failed: ${reply.error}` : `worker exited (${code ?? signal}) without a result`));
    });
    child.send(req);
  });
}

function header(args: BenchArgs, host: BenchHost, note: string | undefined): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `podpulse collection benchmark  ${new Date().toISOString()}`,
    `machine: nproc ${availableParallelism()} (${cpu}), kernel ${release()}, node ${process.version}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${load}`,
    `mode:    ${host.describe()}`,
    ...(note ? [`         ${note}`] : []),
    `method:  per stage ${args.warmup} warm-up + ${args.cycles} measured cycles, back to back, each N in a fresh worker process;`,
    `         CPU = process.cpuUsage() user+system of the worker (all threads: JS, GC, libuv); µs per container = CPU per cycle ÷ N.`,
    `         READ = CycleReader.collect() (cgroup files + /proc/<pid>/net/dev + samples); FULL = MetricsPipeline.collectNow() with the real`,
    `         catalog, OtlpDelivery, and an exporter that encodes the OTLP protobuf request (ProtobufMetricsSerializer) instead of sending it.`,
    `refs:    C floor 72 µs = open+read+close of 12 files per container in C; netdata 90 µs per cgroup per cycle (design notes §2f, §2g).`,
  ].join('\n');
}

async function main(): Promise<void> {
  // `npm run bench | head` closes stdout early; the teardown must still run.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.cleanup) {
    for (const line of await cleanupLeftovers()) process.stdout.write(`${line}\n`);
    return;
  }

  const { host, note } = chooseHost(args);
  let worker: ChildProcess | undefined;
  let tearing: Promise<string> | undefined;
  const teardown = () => (tearing ??= Promise.resolve(host.teardown()));
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping and tearing down`);
    worker?.kill('SIGKILL');
    void teardown().then(
      (r) => {
        log(r);
        process.exit(130);
      },
      () => process.exit(130),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort (uncaught exception, process.exit elsewhere): kill by pid and rmdir synchronously.
  process.once('exit', () => {
    if (!tearing) log(host.teardownSync());
  });

  const results: WorkerResult[] = [];
  try {
    process.stdout.write(`${header(args, host, note)}\n`);
    for (const n of args.counts) {
      const t0 = performance.now();
      log(`setting up ${n} containers (have ${host.size})`);
      await host.grow(n);
      const setupSeconds = (performance.now() - t0) / 1000;
      log(`measuring N=${n}`);
      const loadBefore = loadavg()[0] ?? 0;
      const req: WorkerRequest = {
        layout: layoutToMessage(host.layout),
        roots: host.roots,
        targets: host.targets(n),
        cycles: args.cycles,
        warmup: args.warmup,
      };
      const result = await runWorker(req, (c) => (worker = c));
      results.push(result);
      const context = `setup ${setupSeconds.toFixed(1)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`;
      process.stdout.write(`\n${section(result, context)}\n`);
    }
  } finally {
    log('tearing down');
    const outcome = await teardown();
    process.stdout.write(`\nteardown: ${outcome}\nleft behind: ${host.leftovers()}\n`);
  }
  const summary = results.find((r) => r.n === 1000) ?? results[results.length - 1];
  if (summary) process.stdout.write(`\n${coreShare(summary)}\n`);
}

main().catch((err: unknown) => {
  const text = err instanceof BenchUsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench: ${text}\n`);
  process.exitCode = 1;
});
