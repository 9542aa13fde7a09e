/**
 * `npm run stack`: starts Prometheus, the collector and the agent on loopback, prints the Prometheus
 * URL and example queries, and stops all three on Ctrl-C (SIGINT), by pid.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { collectorOrSkip, REPO } from '../helpers/collector.js';
import { TestPods, workloads } from '../helpers/pods.js';
import { ensurePrometheusInstalled } from '../helpers/prometheus.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const rt = runtimeOrSkip();
const col = collectorOrSkip();
const prom = ensurePrometheusInstalled();
const NAME = 'npm run stack';
const title = rt.skip ? rt.title(NAME) : col.skip ? col.title(NAME) : prom.title(NAME);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(rt.skip || col.skip || !prom.ok)(title, () => {
  let stackPid = 0;
  const pids: number[] = [];
  let pods: TestPods | undefined;
  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
    // Safety net only: the test stops the stack itself.
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (stackPid > 0 && alive(stackPid)) process.kill(-stackPid, 'SIGKILL');
  });

  it('brings up the push path, answers the printed queries, and Ctrl-C stops all three', async () => {
    pods = new TestPods(rt.get());
    await pods.createPod({ name: 'stack-demo', namespace: 'podpulse-stack', qos: 'burstable', containers: [{ name: 'busy', command: workloads.cpuLoop(), cpuQuota: 20_000, cpuPeriod: 100_000 }] });
    const child = spawn('npm', ['run', '--silent', 'stack', '--', '--cri-endpoint', rt.get().socket, '--collection-interval', '1s'], {
      cwd: REPO,
      // Its own process group, signalled as a terminal's Ctrl-C would signal the foreground group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stackPid = child.pid ?? 0;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    const deadline = Date.now() + 120_000;
    while (!/Ctrl-C stops/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`stack did not come up:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const upS = (Date.now() - t0) / 1000;
    for (const m of err.matchAll(/\[stack\] (\S+) started, pid (\d+)/g)) pids.push(Number(m[2]));
    expect(pids).toHaveLength(3);
    const url = /^Prometheus: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1] as string;
    expect(url).toBeDefined();
    const queries = [...out.matchAll(/\/graph\?g0\.expr=(\S+)/g)].map((m) => decodeURIComponent(m[1] as string));
    expect(queries).toHaveLength(3);
    // Every printed query returns data once a sample went through the collector's batch.
    for (const q of queries) {
      const until = Date.now() + 90_000;
      for (;;) {
        const res = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: unknown[] } };
        if (res.data.result.length > 0) break;
        if (Date.now() > until) throw new Error(`${q} returned nothing within 90 s\n${err.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const dataS = (Date.now() - t0) / 1000 - upS;
    // Ctrl-C: the terminal signals the whole foreground group (npm and the script).
    process.kill(-stackPid, 'SIGINT');
    const stopped = err.length;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(code, err.slice(stopped)).not.toBe('timeout');
    await new Promise((r) => setTimeout(r, 500));
    expect(pids.filter(alive)).toEqual([]);
    expect(err).toMatch(/podpulse \(pid \d+\) stopped[\s\S]*otel-collector \(pid \d+\) stopped[\s\S]*prometheus \(pid \d+\) stopped/);
    console.log(`[collector stack] up in ${upS.toFixed(1)} s, the three printed queries answered ${dataS.toFixed(1)} s after, exit code ${String(code)}`);
  }, 240_000);
});
