// `npm run stack [-- <podpulse flags>]`: the push path on this machine without a Docker engine.
// Builds what is missing (the agent's dist/, the collector from otel-collector/), then starts
// Prometheus (Debian's `prometheus`, with --web.enable-remote-write-receiver and this repo's rules and
// storage settings), the collector (otel-collector/config.yaml) and podpulse, all on 127.0.0.1 with
// free ports. Ctrl-C stops all three, each by its pid, and removes the temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildCollector, COLLECTOR_BINARY, ROOT } from './collector-build.mjs';

const say = (line) => process.stderr.write(`[stack] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function which(name) {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin']) {
    if (d !== '' && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, what, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready at ${url} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

// --- build what is missing --------------------------------------------------------------------
const prometheusBin = which('prometheus');
if (prometheusBin === undefined) {
  say('prometheus is not installed: apt-get install prometheus (Debian 12 ships 2.42, which is what the tests use)');
  process.exit(1);
}
const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], { stdio: ['ignore', 2, 2] });
if (built.status !== 0) process.exit(built.status ?? 1);
try {
  buildCollector({ log: say });
} catch (err) {
  say(err.message);
  process.exit(1);
}

// --- configure ----------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'podpulse-stack-'));
const [promPort, grpcPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
const shipped = parseYaml(readFileSync(join(ROOT, 'prometheus', 'prometheus.yml'), 'utf8'));
const rules = readdirSync(join(ROOT, 'prometheus', 'rules')).filter((f) => f.endsWith('.yml')).map((f) => join(ROOT, 'prometheus', 'rules', f));
// The shipped file as is (global intervals, out-of-order window, rules), with its scrape jobs reduced
// to Prometheus itself and the collector's own metrics: the agent's data comes by remote write.
const promConfig = {
  ...shipped,
  rule_files: rules,
  scrape_configs: [
    { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] },
    { job_name: 'otel-collector', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] },
  ],
};
writeFileSync(join(dir, 'prometheus.yml'), stringifyYaml(promConfig));

// --- start --------------------------------------------------------------------------------------
const children = [];
let stopping = false;

function start(name, file, args, env, logFile) {
  const child = spawn(file, args, {
    cwd: ROOT,
    // Own process group: Ctrl-C reaches only this script, which then stops the three in order.
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', logFile ? 'pipe' : 'inherit', logFile ? 'pipe' : 'inherit'],
  });
  if (logFile) {
    const out = createWriteStream(join(dir, logFile));
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  }
  children.push({ name, child });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} (pid ${child.pid}) exited unexpectedly (${code ?? signal}); stopping the stack${logFile ? `; its log: ${join(dir, logFile)}` : ''}`);
    if (logFile) process.stderr.write(readFileSync(join(dir, logFile), 'utf8').split('\n').slice(-15).join('\n') + '\n');
    void stop(1, true);
  });
  say(`${name} started, pid ${child.pid}`);
  return child;
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function stop(code, keepDir = false) {
  if (stopping) return;
  stopping = true;
  // The agent first (its last export still reaches the collector), Prometheus last.
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    process.kill(child.pid, 'SIGTERM');
    if (!(await waitExit(child, 10_000))) {
      say(`${name} (pid ${child.pid}) ignored SIGTERM for 10 s; SIGKILL`);
      process.kill(child.pid, 'SIGKILL');
      await waitExit(child, 5000);
    }
    say(`${name} (pid ${child.pid}) stopped`);
  }
  if (!keepDir) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const prom = start(
    'prometheus',
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
      '--web.enable-remote-write-receiver',
    ],
    {},
    'prometheus.log',
  );
  await waitHttp(`http://127.0.0.1:${promPort}/-/ready`, 'prometheus', prom);
  const collector = start(
    'otel-collector',
    COLLECTOR_BINARY,
    ['--config', join(ROOT, 'otel-collector', 'config.yaml')],
    {
      OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
      PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${promPort}/api/v1/write`,
      HEALTH_CHECK_ENDPOINT: `127.0.0.1:${healthPort}`,
      OTELCOL_METRICS_HOST: '127.0.0.1',
      OTELCOL_METRICS_PORT: String(metricsPort),
    },
    'otel-collector.log',
  );
  await waitHttp(`http://127.0.0.1:${healthPort}/`, 'otel-collector', collector);
  // The agent's own log goes to this terminal; extra arguments (e.g. --cri-endpoint) pass through.
  start(
    'podpulse',
    process.execPath,
    [join(ROOT, 'dist', 'src', 'main.js'), '--config', join(ROOT, 'config', 'podpulse.yaml'), '--export-otlp-endpoint', `http://127.0.0.1:${grpcPort}`, ...process.argv.slice(2)],
    {},
  );
} catch (err) {
  say(err.message);
  await stop(1, true);
}

const url = `http://127.0.0.1:${promPort}`;
process.stdout.write(
  [
    '',
    `Prometheus: ${url}`,
    `  (collector OTLP/gRPC 127.0.0.1:${grpcPort}, health http://127.0.0.1:${healthPort}/, logs in ${dir})`,
    'Example queries (the first samples arrive after one collection interval plus the collector\'s 5 s batch):',
    `  ${url}/graph?g0.expr=${encodeURIComponent('up{job="cadvisor"}')}`,
    `  ${url}/graph?g0.expr=${encodeURIComponent('topk(10, sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[1m])))')}`,
    `  ${url}/graph?g0.expr=${encodeURIComponent('sum by (namespace, pod) (container_memory_working_set_bytes{container!=""})')}`,
    'Ctrl-C stops podpulse, the collector and Prometheus.',
    '',
  ].join('\n'),
);
