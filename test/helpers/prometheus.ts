/**
 * A real Prometheus for tests: Debian's `prometheus` package, started on 127.0.0.1 with an
 * ephemeral port and a private temporary data directory, stopped by pid.
 *
 * ```ts
 * const tools = ensurePrometheusInstalled();           // apt-installs when root and missing
 * describe.skipIf(!tools.ok)(tools.title('scrapes the agent'), () => {
 *   test('…', async () => {
 *     const prom = await startPrometheus({ scrapeTargets: [{ job: 'cadvisor', targets: ['127.0.0.1:9464'] }] });
 *     try { await prom.waitFor('up{job="cadvisor"} == 1'); } finally { await prom.stop(); }
 *   });
 * });
 * ```
 *
 * Also here: `ensureDebianBinary()` (the same install-or-skip logic for any Debian package) and
 * `runTool()` (spawn with a timeout, output captured). Nothing is left running or on disk after
 * `stop()`; the process is killed by its own pid only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Tools: find or apt-install, else a reason to skip.

export interface ToolGate {
  ok: boolean;
  /** Why the tool is missing ('' when it is there). */
  reason: string;
  /** Absolute paths of the requested binaries (empty when missing). */
  paths: Record<string, string>;
  /** `name` when the tool is there, `name (skipped: <reason>)` when it is not. */
  title(name: string): string;
}

/** Where `name` is on PATH (plus the sbin dirs apt may use), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function gate(reason: string, paths: Record<string, string>): ToolGate {
  return { ok: reason === '', reason, paths, title: (name) => (reason === '' ? name : `${name} (skipped: ${reason})`) };
}

function aptInstall(pkg: string): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // DPkg::Lock::Timeout waits for another apt (the runtime harness may be installing too).
  const install = (): void => {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', '--no-install-recommends', pkg], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
  };
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    install();
  }
}

/**
 * Makes sure every binary in `binaries` exists, apt-installing `pkg` when one is missing and we are
 * root. Never throws: a missing tool becomes a gate with the reason, for `describe.skipIf`.
 */
export function ensureDebianBinary(pkg: string, binaries: readonly string[]): ToolGate {
  const look = (): Record<string, string> => {
    const found: Record<string, string> = {};
    for (const b of binaries) {
      const p = findBinary(b);
      if (p !== undefined) found[b] = p;
    }
    return found;
  };
  let found = look();
  if (Object.keys(found).length === binaries.length) return gate('', found);
  const missing = binaries.filter((b) => found[b] === undefined).join(', ');
  const uid = process.getuid?.();
  if (uid !== 0) return gate(`${missing} not installed and not root (uid ${uid ?? 'unknown'}) to apt-get install ${pkg}`, {});
  try {
    aptInstall(pkg);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' | ') ?? '';
    return gate(`apt-get install ${pkg} failed: ${stderr || (err as Error).message}`, {});
  }
  found = look();
  if (Object.keys(found).length === binaries.length) return gate('', found);
  return gate(`apt-get install ${pkg} did not provide ${missing}`, {});
}

/** `prometheus` and `promtool` from Debian's prometheus package. */
export function ensurePrometheusInstalled(): ToolGate {
  return ensureDebianBinary('prometheus', ['prometheus', 'promtool']);
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (no shell), capturing output; kills it by pid after `timeoutMs`. */
export function runTool(file: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// A running Prometheus.

export interface ScrapeTarget {
  /** job_name; default `scrape<N>`. */
  job?: string;
  /** host:port list. */
  targets: readonly string[];
  metricsPath?: string;
  /** Target labels (e.g. `instance: node1` to override the address). */
  labels?: Readonly<Record<string, string>>;
  /** Default: the global scrape interval. */
  scrapeInterval?: string;
  honorLabels?: boolean;
}

export interface StartPrometheusOptions {
  /** A complete prometheus.yml. `rule_files` in it is replaced when `ruleFiles` is given. */
  configYaml?: string;
  /** Used when `configYaml` is absent: one scrape job per entry. */
  scrapeTargets?: readonly ScrapeTarget[];
  /** Add a job `prometheus` scraping this Prometheus itself (its port is only known at start). */
  scrapeSelf?: boolean;
  /** Global scrape and evaluation interval for generated configs. Default 1s. */
  interval?: string;
  /** Rule files to load; they are copied into the temporary directory. */
  ruleFiles?: readonly string[];
  /** Extra flags, e.g. `--web.enable-remote-write-receiver`. */
  extraArgs?: readonly string[];
  /** How long to wait for /-/ready. Default 30s. */
  readyTimeoutMs?: number;
}

export interface PromSample {
  metric: Record<string, string>;
  /** The sample value (instant vectors). */
  value: number;
  /** Sample time in seconds. */
  time: number;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** The temporary directory (config, rules, data); removed by stop(). */
  dir: string;
  /** The config file Prometheus runs with. */
  configFile: string;
  /** Instant query; throws when Prometheus answers with an error or the result is not a vector. */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Polls an instant query until it returns at least one sample (and `accept` agrees). */
  waitFor(expr: string, opts?: { timeoutMs?: number; intervalMs?: number; accept?: (s: PromSample[]) => boolean }): Promise<PromSample[]>;
  /** GET any API path (e.g. `/api/v1/rules`) and return the parsed `data`. */
  api<T = unknown>(path: string): Promise<T>;
  /** Prometheus' stderr so far (its log), for failure messages. */
  log(): string;
  /** Kills the process (SIGTERM, then SIGKILL after 10s) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. Another process may take it before Prometheus binds. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function buildConfig(opts: StartPrometheusOptions, port: number, ruleFiles: string[]): string {
  if (opts.configYaml !== undefined) {
    const doc = (parseYaml(opts.configYaml) ?? {}) as Record<string, unknown>;
    if (ruleFiles.length > 0) doc.rule_files = ruleFiles;
    return stringifyYaml(doc);
  }
  const interval = opts.interval ?? '1s';
  const jobs: Record<string, unknown>[] = [];
  if (opts.scrapeSelf) jobs.push({ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] });
  (opts.scrapeTargets ?? []).forEach((t, i) => {
    jobs.push({
      job_name: t.job ?? `scrape${i}`,
      ...(t.metricsPath ? { metrics_path: t.metricsPath } : {}),
      ...(t.scrapeInterval ? { scrape_interval: t.scrapeInterval } : {}),
      ...(t.honorLabels ? { honor_labels: true } : {}),
      static_configs: [{ targets: [...t.targets], ...(t.labels ? { labels: { ...t.labels } } : {}) }],
    });
  });
  return stringifyYaml({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(ruleFiles.length > 0 ? { rule_files: ruleFiles } : {}),
    scrape_configs: jobs,
  });
}

interface PromResponse {
  status: 'success' | 'error';
  data?: unknown;
  error?: string;
  errorType?: string;
}

async function getJson(url: string): Promise<PromResponse> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as PromResponse;
  if (body.status !== 'success') throw new Error(`${url}: ${body.errorType ?? res.status}: ${body.error ?? 'no error text'}`);
  return body;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function startOnce(opts: StartPrometheusOptions, binary: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'podpulse-prom-'));
  const port = await freePort();
  const rulesDir = join(dir, 'rules');
  const ruleFiles: string[] = [];
  if (opts.ruleFiles && opts.ruleFiles.length > 0) {
    mkdirSync(rulesDir);
    opts.ruleFiles.forEach((f, i) => {
      const dest = join(rulesDir, `${i}-${basename(f)}`);
      copyFileSync(f, dest);
      ruleFiles.push(dest);
    });
  }
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, buildConfig(opts, port, ruleFiles));
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Console templates are not used; point them at the temp dir so nothing outside it is read.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  });
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new PrometheusStartError(`prometheus exited (${child.exitCode ?? child.signalCode}) before ready:\n${log.slice(-2000)}`, /address already in use/.test(log));
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new PrometheusStartError(`prometheus not ready after ${opts.readyTimeoutMs ?? 30_000} ms:\n${log.slice(-2000)}`, false);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const query = async (expr: string, time?: number): Promise<PromSample[]> => {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set('time', String(time));
    const body = await getJson(`${url}/api/v1/query?${params.toString()}`);
    const data = body.data as { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, time: r.value[0], value: Number(r.value[1]) }));
  };

  return {
    url,
    port,
    pid: child.pid ?? -1,
    dir,
    configFile,
    query,
    async waitFor(expr, o = {}) {
      const until = Date.now() + (o.timeoutMs ?? 30_000);
      let last: PromSample[] = [];
      let lastErr: unknown;
      for (;;) {
        try {
          last = await query(expr);
          lastErr = undefined;
          if (last.length > 0 && (o.accept?.(last) ?? true)) return last;
        } catch (err) {
          lastErr = err;
        }
        if (Date.now() > until) {
          throw new Error(`waitFor(${expr}) timed out; last result ${JSON.stringify(last)}${lastErr ? `, last error ${String(lastErr)}` : ''}`);
        }
        await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
      }
    },
    async api<T>(path: string): Promise<T> {
      return (await getJson(`${url}${path}`)).data as T;
    },
    log: () => log,
    stop,
  };
}

export class PrometheusStartError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
    this.name = 'PrometheusStartError';
  }
}

/**
 * Starts Prometheus (call ensurePrometheusInstalled() first). Retries with a new port when the
 * ephemeral port was taken between choosing and binding it.
 */
export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<RunningPrometheus> {
  const binary = findBinary('prometheus');
  if (binary === undefined) throw new Error('prometheus is not installed (ensurePrometheusInstalled() first)');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, binary);
    } catch (err) {
      if (!(err instanceof PrometheusStartError && err.portTaken && attempt < 3)) throw err;
    }
  }
}
