/**
 * `npm run soak -- --minutes N`: a real agent under continuous pod churn for N minutes, printing
 * one line per minute. It starts (and, on exit or Ctrl-C, stops by pid) a harness containerd, a
 * loopback OTLP receiver and `node dist/src/main.js`; pods are replaced `--step` at a time every
 * collection interval, keeping `--pods` alive. Prints figures only; asserts nothing.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuPercent, startAgentProcess, type AgentProcess } from './agent-process.js';
import { parseSoakArgs, SOAK_USAGE, SoakUsageError } from './args.js';
import { ChurnPods, startRuntime, stopRuntime, type SoakRuntime } from './churn.js';
import { startOtlpCounter, type OtlpCounter } from './otlp-counter.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench/soak → the repository root. */
const REPO_ROOT = join(here, '..', '..', '..');
const log = (msg: string): void => void process.stderr.write(`soak: ${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(argv: string[]): Promise<number> {
  const args = parseSoakArgs(argv);
  if (args.help) {
    process.stdout.write(SOAK_USAGE + '\n');
    return 0;
  }
  if (process.getuid?.() !== 0) throw new SoakUsageError('needs root: it starts containerd and creates pods');

  let rt: SoakRuntime | undefined;
  let receiver: OtlpCounter | undefined;
  let agent: AgentProcess | undefined;
  let pods: ChurnPods | undefined;
  let stopping = false;
  let teardownDone = false;
  const onSignal = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Last resort (an exception past the finally): the agent by pid, then the runtime.
  process.once('exit', () => {
    if (teardownDone) return;
    try {
      if (agent) process.kill(agent.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      if (rt) stopRuntime(REPO_ROOT, rt.dir);
    } catch (err) {
      log(`stop-runtime.sh: ${(err as Error).message.split('\n')[0]}`);
    }
  });

  try {
    rt = await startRuntime(REPO_ROOT, log);
    receiver = await startOtlpCounter();
    agent = startAgentProcess(REPO_ROOT, [
      '--cri-endpoint',
      rt.socket,
      '--discovery-cgroup-parents',
      'kubepods',
      '--collection-interval',
      `${args.intervalSec * 1000}ms`,
      '--export-otlp-endpoint',
      receiver.url,
    ]);
    log(`agent pid ${agent.pid} → ${receiver.url}; ${args.pods} pods, ${args.step} replaced every ${args.intervalSec}s, for ${args.minutes} min`);
    pods = new ChurnPods(rt);
    while (pods.alive < args.pods && !stopping) await pods.create();

    const counts = receiver.counts;
    // exports: requests with data received in the row's time; agent_ok / agent_failed: the agent's
    // own podpulse_exports_total (cumulative); containers: its podpulse_containers.
    process.stdout.write('minute  rss_MiB  cpu_%  fds  exports  agent_ok  agent_failed  points/export  containers  pods_alive  created  removed\n');
    const start = Date.now();
    const end = start + args.minutes * 60_000;
    let last = agent.sample();
    let lastData = counts.dataRequests;
    let lastPoints = counts.points;
    let lastRequests = counts.requests;
    let minute = 0;
    /** One row for the time since the previous one; `label` is the minute number (or `end`). */
    const printRow = (label: string): void => {
      const now = agent?.sample();
      if (!now || !last || !pods) return;
      const exports = counts.dataRequests - lastData;
      const perExport = counts.requests > lastRequests ? (counts.points - lastPoints) / (counts.requests - lastRequests) : 0;
      process.stdout.write(
        [
          label.padStart(6),
          (now.rssBytes / 2 ** 20).toFixed(1).padStart(8),
          cpuPercent(last, now).toFixed(1).padStart(6),
          String(now.openFds).padStart(4),
          String(exports).padStart(7),
          String(counts.agentExports.success ?? '?').padStart(9),
          String(counts.agentExports.failure ?? '?').padStart(13),
          perExport.toFixed(0).padStart(14),
          String(counts.containers ?? '?').padStart(11),
          String(pods.alive).padStart(11),
          String(pods.created).padStart(8),
          String(pods.removed).padStart(8),
        ].join(' ') + '\n',
      );
      last = now;
      lastData = counts.dataRequests;
      lastPoints = counts.points;
      lastRequests = counts.requests;
    };
    while (!stopping && Date.now() < end) {
      const stepStart = Date.now();
      for (let i = 0; i < args.step && !stopping; i++) {
        await pods.removeOldest();
        await pods.create();
      }
      if (agent.sample() === null) throw new Error(`the agent exited; its last log lines:\n${agent.stderrTail()}`);
      if (Date.now() >= start + (minute + 1) * 60_000) printRow(String(++minute));
      await sleep(Math.max(0, Math.min(end, stepStart + args.intervalSec * 1000) - Date.now()));
    }
    // The last minute, or the part of one that was interrupted or cut short by --minutes.
    if (last && Date.now() - last.at >= 5000) printRow(stopping ? 'end' : String(minute + 1));
    log(
      `done: ${pods.created} pods created, ${pods.removed} removed; ${counts.requests} requests received ` +
        `(${counts.dataRequests} with data); agent reports exports success ${counts.agentExports.success ?? '?'}, failure ${counts.agentExports.failure ?? '?'}`,
    );
    return 0;
  } finally {
    await teardown();
  }

  async function teardown(): Promise<void> {
    const left: string[] = [];
    if (pods) {
      await pods.removeAll();
      pods.close();
    }
    if (agent) {
      const exit = await agent.stop();
      log(`agent pid ${agent.pid} exited with ${exit.signal ?? exit.code}`);
    }
    await receiver?.stop();
    if (rt) {
      try {
        stopRuntime(REPO_ROOT, rt.dir);
      } catch (err) {
        left.push(`stop-runtime.sh: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    teardownDone = true;
    log(left.length === 0 ? 'teardown: everything started was stopped (stop-runtime.sh found no leftovers)' : `teardown problems: ${left.join('; ')}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SoakUsageError) {
      log(err.message);
      process.exit(2);
    }
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
