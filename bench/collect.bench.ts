import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import type { MachineRoots } from '../src/machine/machine-info.js';
import { BenchUsageError, parseArgs, USAGE, type BenchArgs } from './args.js';
import { compileFloor, runFloor, type FloorResult } from './c-floor.js';
import { AGENT_PROFILE, ContainerdRun, npmStartNodeFlags } from './containerd-run.js';
import { countFigures, JSON_VERSION, summaryLine, type BenchJson, type CountFigures } from './figures.js';
import { formatHeap, summarizeHeapFile } from './heap-summary.js';
import { cleanupLeftovers, HostCgroups, PARENT, probeHost } from './host-cgroups.js';
import { NetdataPeer, netdataInstalled, type NetdataFigures } from './netdata-peer.js';
import { formatAllocations, summarizeAllocations, type SamplingHeapProfile } from './alloc-summary.js';
import { formatProfile, summarizeProfile, type CpuProfile } from './profile-summary.js';
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
  /** Fake containers in the host's cgroups (a peer can watch them), not the synthetic file tree. */
  readonly real: boolean;
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
    real: true,
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
    real: false,
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

/** On SIGINT/SIGTERM: `first` (e.g. kill the worker), the teardown with its report, then exit 130. */
function exitOnSignal(teardown: () => Promise<string>, first?: () => void): void {
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping and tearing down`);
    first?.();
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
}

function runWorker(req: WorkerRequest, execArgv: string[], onChild: (c: ChildProcess | undefined) => void, env: Record<string, string> = {}): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'worker.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The agent's own V8 flags (as `npm start` runs it), so memory figures are the agent's; --expose-gc only
      // for the retained-memory figure after the measured cycles.
      execArgv: [...process.execArgv, ...npmStartNodeFlags(repoRootFrom(here)), '--expose-gc', ...execArgv],
      // WORKER_ENV of worker.ts (not imported here: it would load the SDK into this process).
      env: { ...process.env, ...env, PODPULSE_BENCH_WORKER: '1' },
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

function machine(): BenchJson['machine'] {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    kernel: release(),
    node: process.version,
    memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function header(args: BenchArgs, m: BenchJson['machine'], mode: string, note: string | undefined, startedAt: string): string {
  return [
    `podpulse collection benchmark  ${startedAt}`,
    `machine: nproc ${m.nproc} (${m.cpu}), kernel ${m.kernel}, node ${m.node}, ${m.memGiB} GiB RAM, load average ${m.loadAtStart.join(' ')}`,
    `mode:    ${mode}`,
    ...(note ? [`         ${note}`] : []),
    `method:  per stage ${args.warmup} warm-up + ${args.cycles} measured cycles, back to back (1 ms apart), each N in a fresh worker process (node flags as npm start: ${npmStartNodeFlags(repoRootFrom(here)).join(' ') || 'none'});`,
    `         CPU = process.cpuUsage() user+system of the worker (all threads: JS, GC, libuv); µs per container = CPU per cycle ÷ N.`,
    `         READ = CycleReader.collect() (cgroup files + /proc/<pid>/net/dev + samples); FULL = MetricsPipeline.collectNow() with the real`,
    `         catalog, OtlpDelivery encoding the OTLP request (podpulse's RequestEncoder), and an exporter that gzips it as grpc-js does (the agent's default compression).`,
    `         C floor = bench/c-floor/floor.c (cc -O2, compiled by this run) doing open+read+close of the very files READ opened, same cycles.`,
  ].join('\n');
}

/** netdata's CPU on the same fake containers, or why it was not measured. */
async function measureNetdata(n: number, args: BenchArgs, onPeer: (p: NetdataPeer | undefined) => void): Promise<NetdataFigures | { error: string }> {
  if (process.getuid?.() !== 0) return { error: 'needs root' };
  if (!netdataInstalled()) return { error: 'netdata is not installed (as root: apt-get install netdata)' };
  const peer = new NetdataPeer();
  onPeer(peer);
  try {
    const updateEvery = 1;
    await peer.start(PARENT, updateEvery, n + 100);
    log(`netdata pid ${peer.pid}: waiting until it collects ${n} cgroups`);
    const seen = await peer.waitForCgroups(PARENT, n, 120_000 + n * 300);
    // Charts exist after the first collection of a new cgroup; let a few plain cycles pass.
    await new Promise((r) => setTimeout(r, 3000));
    log(`netdata collects ${seen} cgroups; measuring its cgroups threads for ${args.peerWindowSec} s`);
    return await peer.measure(args.peerWindowSec, updateEvery, seen);
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] ?? String(err) };
  } finally {
    log(await peer.stop());
    onPeer(undefined);
  }
}

function profileReport(dir: string, name: string, result: WorkerResult, cycles: number): string {
  const file = join(dir, name);
  if (!existsSync(file)) return `profile: ${file} was not written`;
  const stages = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, result.marks);
  const text = formatProfile(stages, result.n, cycles);
  writeFileSync(join(dir, name.replace(/\.cpuprofile$/, '.summary.txt')), `${text}\n`);
  writeFileSync(join(dir, name.replace(/\.cpuprofile$/, '.summary.json')), `${JSON.stringify(stages, null, 2)}\n`);
  // The stage marks, to cut the profile again with other tools.
  writeFileSync(join(dir, name.replace(/\.cpuprofile$/, '.marks.json')), `${JSON.stringify(result.marks)}\n`);
  return `${text}\n  (profile: ${file})`;
}

async function runContainerd(args: BenchArgs, startedAt: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new BenchUsageError('--runtime containerd needs root: it starts containerd and creates pods');
  const m = machine();
  const repoRoot = repoRootFrom(here);
  process.stdout.write(
    [
      `podpulse benchmark on a real containerd  ${startedAt}`,
      `machine: nproc ${m.nproc} (${m.cpu}), kernel ${m.kernel}, node ${m.node}, ${m.memGiB} GiB RAM, load average ${m.loadAtStart.join(' ')}`,
      `method:  private containerd (test/harness/start-runtime.sh), ${args.pods} pods with one busybox sleep each, the agent (dist/src/main.js,`,
      `         default config, --collection-interval ${args.intervalSec}s) exporting OTLP/gRPC to a counting receiver on 127.0.0.1;`,
      `         CPU = utime+stime of the agent process (all threads) over ${args.windowSec} s once it reports every container.`,
    ].join('\n') + '\n',
  );
  const profDir = args.cpuProfDir ? resolve(args.cpuProfDir) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const run = new ContainerdRun({ repoRoot, pods: args.pods, intervalSec: args.intervalSec, windowSec: args.windowSec, log, ...(profDir ? { cpuProfDir: profDir } : {}) });
  let tearing: Promise<string> | undefined;
  const teardown = () => (tearing ??= run.teardown());
  exitOnSignal(teardown);
  process.once('exit', () => {
    if (!tearing) run.teardownSync();
  });
  let figures: Awaited<ReturnType<ContainerdRun['measure']>> | undefined;
  let failure: unknown;
  try {
    figures = await run.measure();
  } catch (err) {
    failure = err;
  }
  log('tearing down');
  const outcome = await teardown();
  process.stdout.write(`left behind: ${outcome}\n`);
  if (!figures) throw failure;
  const c = { ...figures, teardown: outcome };
  process.stdout.write(
    [
      `pods ${c.pods}, agent reports ${c.containersReported ?? '?'} containers; interval ${c.intervalSec} s; window ${c.windowSec.toFixed(1)} s; ` +
        `1-min load average ${c.loadBefore.toFixed(2)} before, ${c.loadAfter.toFixed(2)} after`,
      `agent CPU ${c.cpuPercent.toFixed(3)} % of one core (${c.usPerContainerPerCycle.toFixed(0)} µs per reported container per cycle, discovery and export included)`,
      `agent RSS ${c.rssMiB.toFixed(1)} MiB (peak ${c.peakRssMiB?.toFixed(1) ?? "n/a"}); ${c.exportsInWindow} export requests in the window, ${c.pointsPerExport.toFixed(0)} points each`,
    ].join('\n') + '\n',
  );
  if (profDir && run.window) {
    const file = join(profDir, AGENT_PROFILE);
    if (existsSync(file)) {
      const stages = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, [run.window]);
      const cycles = c.windowSec / c.intervalSec;
      const text = formatProfile(stages, c.containersReported ?? c.pods, cycles);
      writeFileSync(join(profDir, AGENT_PROFILE.replace(/\.cpuprofile$/, '.summary.txt')), `${text}\n`);
      writeFileSync(join(profDir, AGENT_PROFILE.replace(/\.cpuprofile$/, '.summary.json')), `${JSON.stringify({ window: run.window, stages }, null, 2)}\n`);
      process.stdout.write(`\n${text}\n  (profile: ${file})\n`);
    } else process.stdout.write(`profile: ${file} was not written (the agent did not exit normally?)\n`);
  }
  const summary = summaryLine([], c);
  if (args.json) {
    const json: BenchJson = { version: JSON_VERSION, startedAt, machine: m, mode: 'containerd', cycles: 0, warmup: 0, counts: [], containerd: c, summary };
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`figures written to ${args.json}`);
  }
  process.stdout.write(`\n${summary}\n`);
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
  const startedAt = new Date().toISOString();
  if (args.runtime === 'containerd') return runContainerd(args, startedAt);

  const { host, note } = chooseHost(args);
  const work = mkdtempSync(join(tmpdir(), 'podpulse-bench-work-'));
  let worker: ChildProcess | undefined;
  let peer: NetdataPeer | undefined;
  let tearing: Promise<string> | undefined;
  const teardown = () =>
    (tearing ??= (async () => {
      await peer?.stop();
      rmSync(work, { recursive: true, force: true });
      return host.teardown();
    })());
  exitOnSignal(teardown, () => worker?.kill('SIGKILL'));
  // Last resort (uncaught exception, process.exit elsewhere): kill by pid and rmdir synchronously.
  process.once('exit', () => {
    if (tearing) return;
    peer?.killSync();
    rmSync(work, { recursive: true, force: true });
    log(host.teardownSync());
  });

  const m = machine();
  const counts: CountFigures[] = [];
  let teardownInfo: BenchJson['teardown'];
  const profDir = args.cpuProfDir ? resolve(args.cpuProfDir) : undefined;
  const heapDir = args.heapSnapshotDir ? resolve(args.heapSnapshotDir) : undefined;
  const heapProfDir = args.heapProfDir ? resolve(args.heapProfDir) : undefined;
  for (const d of [profDir, heapDir, heapProfDir]) if (d) mkdirSync(d, { recursive: true });
  try {
    process.stdout.write(`${header(args, m, host.describe(), note, startedAt)}\n`);
    let floorBin: string | { error: string };
    try {
      floorBin = compileFloor(repoRootFrom(here), work);
    } catch (err) {
      floorBin = { error: (err as Error).message };
    }
    for (const n of args.counts) {
      const t0 = performance.now();
      log(`setting up ${n} containers (have ${host.size})`);
      await host.grow(n);
      const setupSec = (performance.now() - t0) / 1000;
      log(`measuring N=${n}`);
      const loadBefore = loadavg()[0] ?? 0;
      const fileListPath = join(work, `files-n${n}.txt`);
      const req: WorkerRequest = {
        layout: layoutToMessage(host.layout),
        roots: host.roots,
        targets: host.targets(n),
        cycles: args.cycles,
        warmup: args.warmup,
        fileListPath,
        ...(heapDir ? { heapSnapshotDir: heapDir } : {}),
        ...(heapProfDir ? { heapProfDir } : {}),
      };
      const profName = `bench-n${n}.cpuprofile`;
      const execArgv = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', profName] : [];
      const result = await runWorker(req, execArgv, (c) => (worker = c));
      const loadAfter = loadavg()[0] ?? 0;
      let floor: FloorResult | { error: string };
      if (typeof floorBin === 'string') {
        log(`C floor on the ${n} containers' file list`);
        try {
          floor = runFloor(floorBin, fileListPath, args.cycles, args.warmup);
        } catch (err) {
          floor = { error: (err as Error).message.split('\n')[0] ?? 'failed' };
        }
      } else floor = floorBin;
      const netdata =
        args.peer !== 'netdata'
          ? undefined
          : host.real
            ? await measureNetdata(n, args, (p) => (peer = p))
            : { error: 'the synthetic tree is not in any cgroup hierarchy; netdata needs the real mode' };
      const figures = countFigures(result, { setupSec, loadBefore, loadAfter }, floor, netdata);
      counts.push(figures);
      process.stdout.write(`\n${section(figures)}\n`);
      if (profDir) process.stdout.write(`\n${profileReport(profDir, profName, result, args.warmup + args.cycles)}\n`);
      if (result.readHeapProfile) {
        const profile = JSON.parse(readFileSync(result.readHeapProfile, 'utf8')) as SamplingHeapProfile;
        process.stdout.write(`\n${formatAllocations(summarizeAllocations(profile), n, args.cycles)}\n  (profile: ${result.readHeapProfile})\n`);
      }
      if (result.heapSnapshot) {
        log(`summarizing ${result.heapSnapshot}`);
        process.stdout.write(`\n${formatHeap(summarizeHeapFile(result.heapSnapshot), `of the worker after FULL at N=${n}`)}\n`);
      }
      if (args.variants.length > 0) {
        const { heapSnapshotDir: _, ...plain } = req;
        process.stdout.write(`\n  variants at N=${n} (each a fresh worker right after the one above; load ${loadavg()[0]?.toFixed(2)}):\n  ${variantLine('as npm start', result)}\n`);
        for (const v of args.variants) {
          const words = v.split(/\s+/).filter(Boolean);
          const env = Object.fromEntries(words.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
          const flags = words.filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
          log(`measuring N=${n} with ${v}`);
          const r = await runWorker(plain, flags, (c) => (worker = c), env);
          process.stdout.write(`  ${variantLine(v, r)}\n`);
        }
      }
    }
  } finally {
    log('tearing down');
    const outcome = await teardown();
    teardownInfo = { outcome, leftBehind: host.leftovers() };
    process.stdout.write(`\nteardown: ${outcome}\nleft behind: ${teardownInfo.leftBehind}\n`);
  }
  const largest = counts[counts.length - 1];
  if (largest) process.stdout.write(`\n${coreShare(largest)}\n`);
  const summary = summaryLine(counts);
  if (args.json) {
    const json: BenchJson = { version: JSON_VERSION, startedAt, machine: m, mode: host.describe(), cycles: args.cycles, warmup: args.warmup, counts, teardown: teardownInfo, summary };
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`figures written to ${args.json}`);
  }
  // The last line: one summary with the main ratio.
  process.stdout.write(`\n${summary}\n`);
}

/** One worker's memory and CPU figures on one line (for --variant comparisons). */
function variantLine(label: string, r: WorkerResult): string {
  const mib = (b: number | undefined) => (b === undefined ? 'n/a' : (b / 2 ** 20).toFixed(1));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const m = r.memory;
  return (
    `${label.padEnd(44)} peak RSS ${mib(m.maxRss)} MiB (READ ${mib(m.maxRssAfterRead)}), after FULL ${mib(m.afterFull.rss)}, ` +
    `heap retained ${mib(m.retained?.heapUsed)} of ${mib(m.retained?.heapTotal)}, external ${mib(m.retained?.external)} MiB; ` +
    `FULL ${(median(r.full.cpuUs) / r.n).toFixed(0)} µs/container (gzip ${(median(r.full.gzipCpuUs) / r.n).toFixed(0)}), READ ${(median(r.read.cpuUs) / r.n).toFixed(0)}; loop max ${r.eventLoop.full.maxMs.toFixed(0)} ms`
  );
}

main().catch((err: unknown) => {
  const text = err instanceof BenchUsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench: ${text}\n`);
  process.exitCode = 1;
});
