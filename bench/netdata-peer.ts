import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `--peer netdata`: Debian's netdata (1.37) with only its cgroups plugin, run on the bench's fake
 * containers, and the CPU its cgroups threads use over a window. The plugin is not a separate
 * program in 1.37 but threads of the daemon (both named `PLUGIN[cgroups]`: collection and
 * discovery), so the daemon runs in the foreground from a private config and directories in a temp
 * dir (nothing under /etc or /var is touched), every other plugin, the database, health, ML and the
 * registry off, and its web API on a loopback port only to confirm which cgroups it collects
 * (the API lists no charts with `[db] mode = none`, so it keeps 60 s in RAM). CPU
 * is each thread's sum_exec_runtime (/proc/<pid>/task/<tid>/schedstat, ns).
 */

export interface NetdataFigures {
  version: string;
  updateEverySec: number;
  windowSec: number;
  /** Cgroup charts families netdata reported for the bench's containers when the window started. */
  cgroupsCollected: number;
  /** Thread CPU over the window, µs, per `PLUGIN[cgroups]` thread in tid order (collection first). */
  threadCpuUs: number[];
  /**
   * The collection thread (the lowest tid: the plugin's thread starts its discovery thread), per
   * collected cgroup per update: the counterpart of podpulse's READ, which excludes discovery too.
   */
  usPerCgroupPerCycle: number;
  /** Every cgroups-plugin thread (collection + discovery), per collected cgroup per update. */
  allThreadsUsPerCgroupPerCycle: number;
}

export function netdataInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v netdata'], { stdio: 'ignore' }).status === 0;
}

export function netdataVersion(): string {
  const r = spawnSync('netdata', ['-v'], { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? 'unknown';
}

/** The private config: only the cgroups plugin, only cgroups under /<parent>/, read from the v1 hierarchies. */
export function netdataConfig(dir: string, port: number, parent: string, updateEverySec: number, maxCgroups: number): string {
  const off = ['timex', 'idlejitter', 'netdata monitoring', 'tc', 'diskspace', 'proc', 'statsd', 'apps', 'go.d', 'python.d', 'charts.d', 'ebpf', 'perf', 'slabinfo', 'fping', 'ioping', 'nfacct', 'freeipmi', 'cups', 'xenstat'];
  return `[global]
  run as user = root
  hostname = podpulse-bench
  update every = ${updateEverySec}
[db]
  mode = ram
  retention = 60
[directories]
  config = ${dir}/etc
  stock config = /usr/lib/netdata/conf.d
  cache = ${dir}/cache
  lib = ${dir}/lib
  home = ${dir}/lib
  log = ${dir}/log
  plugins = /usr/lib/netdata/plugins.d
[logs]
  debug = ${dir}/log/debug.log
  error = ${dir}/log/error.log
  access = none
[web]
  mode = static-threaded
  bind to = 127.0.0.1:${port}
  web server threads = 1
[health]
  enabled = no
[ml]
  enabled = no
[registry]
  enabled = no
[plugins]
  enable running new plugins = no
  cgroups = yes
${off.map((p) => `  ${p} = no`).join('\n')}
[statsd]
  enabled = no
[plugin:cgroups]
  update every = ${updateEverySec}
  check for new cgroups every = 10
  use unified cgroups = no
  max cgroups to allow = ${maxCgroups}
  max cgroups depth to monitor = 0
  enable by default cgroups matching = /${parent}/* !*
  # The default subpath search stays: a narrower one hid the bench's cgroups from discovery.
  # No per-cgroup helper scripts (two bash/helper spawns per new cgroup would take minutes at
  # N=1000 on a loaded VM): the bench's names need no resolving, and network is the proc plugin's.
  script to get cgroup names = /bin/true
  script to get cgroup network interfaces = /bin/true
`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function httpJson(url: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * The bench's cgroups that netdata collects, from /api/v1/allmetrics?format=json: one
 * `cgroup_<parent>_<name>.mem_usage` chart each (the `.cpu` chart appears only once a cgroup has
 * used CPU, which an idle `sleep` may not have).
 */
export function collectedCgroups(allmetrics: unknown, parent: string): string[] {
  const prefix = `cgroup_${parent}_`;
  return Object.keys((allmetrics ?? {}) as Record<string, unknown>)
    .filter((k) => k.startsWith(prefix) && k.endsWith('.mem_usage'))
    .map((k) => k.slice('cgroup_'.length, -'.mem_usage'.length));
}

/** The cgroups plugin's threads of `pid`, tid ascending. */
export function cgroupsThreads(pid: number, procRoot = '/proc'): number[] {
  return readdirSync(join(procRoot, String(pid), 'task'))
    .map(Number)
    .filter((tid) => {
      try {
        return readFileSync(join(procRoot, String(pid), 'task', String(tid), 'comm'), 'utf8').trim() === 'PLUGIN[cgroups]';
      } catch {
        return false;
      }
    })
    .sort((a, b) => a - b);
}

/** sum_exec_runtime of one thread, ns (first field of schedstat). */
export function threadCpuNs(pid: number, tid: number, procRoot = '/proc'): number {
  return Number(readFileSync(join(procRoot, String(pid), 'task', String(tid), 'schedstat'), 'utf8').split(' ')[0]);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0): count it as gone.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids whose parent is `pid` (from /proc/<p>/stat, field 4). */
export function childrenOf(pid: number, procRoot = '/proc'): number[] {
  const out: number[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(join(procRoot, name, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export class NetdataPeer {
  readonly dir: string;
  #child: ChildProcess | undefined;
  #port = 0;
  #exited: Promise<void> = Promise.resolve();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'podpulse-bench-netdata-'));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(parent: string, updateEverySec: number, maxCgroups: number): Promise<void> {
    for (const d of ['etc', 'cache', 'lib', 'log']) mkdirSync(join(this.dir, d), { recursive: true });
    // netdata would otherwise send anonymous statistics on start.
    writeFileSync(join(this.dir, 'etc', '.opt-out-from-anonymous-statistics'), '');
    this.#port = await freePort();
    const conf = join(this.dir, 'etc', 'netdata.conf');
    writeFileSync(conf, netdataConfig(this.dir, this.#port, parent, updateEverySec, maxCgroups));
    const out = openSync(join(this.dir, 'log', 'stdout.log'), 'a');
    const child = spawn('netdata', ['-D', '-c', conf, '-P', join(this.dir, 'netdata.pid')], { stdio: ['ignore', out, out] });
    closeSync(out);
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => (this.#child = undefined));
  }

  /** Waits until netdata has charts for at least `n` of the bench's cgroups; returns how many it has. */
  async waitForCgroups(parent: string, n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      if (!this.#child) throw new Error(`netdata exited: ${this.errorTail()}`);
      try {
        seen = collectedCgroups(await httpJson(`http://127.0.0.1:${this.#port}/api/v1/allmetrics?format=json`, 10_000), parent).length;
        if (seen >= n) return seen;
      } catch {
        // not listening yet
      }
      await sleep(1000);
    }
    throw new Error(`netdata collected ${seen} of ${n} cgroups after ${timeoutMs / 1000} s: ${this.errorTail()}`);
  }

  /** CPU of the cgroups threads over `windowSec`. */
  async measure(windowSec: number, updateEverySec: number, cgroups: number): Promise<NetdataFigures> {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error('netdata is not running');
    const tids = cgroupsThreads(pid);
    if (tids.length === 0) throw new Error('netdata has no PLUGIN[cgroups] thread');
    const before = tids.map((t) => threadCpuNs(pid, t));
    const t0 = performance.now();
    await sleep(windowSec * 1000);
    const after = tids.map((t) => threadCpuNs(pid, t));
    const seconds = (performance.now() - t0) / 1000;
    const threadCpuUs = after.map((a, i) => (a - (before[i] ?? 0)) / 1000);
    const cycles = seconds / updateEverySec;
    const total = threadCpuUs.reduce((s, x) => s + x, 0);
    return {
      version: netdataVersion(),
      updateEverySec,
      windowSec: seconds,
      cgroupsCollected: cgroups,
      threadCpuUs,
      usPerCgroupPerCycle: (threadCpuUs[0] ?? 0) / cycles / cgroups,
      allThreadsUsPerCgroupPerCycle: total / cycles / cgroups,
    };
  }

  errorTail(lines = 5): string {
    try {
      return readFileSync(join(this.dir, 'log', 'error.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error.log)';
    }
  }

  /**
   * SIGTERM (netdata stops its spawn server too), SIGKILL after 10 s; its children (the spawn
   * server), found by parent pid before the stop, are waited for and killed by pid if they outlive
   * it; then the temp dir goes. Says which pids are gone.
   */
  async stop(): Promise<string> {
    const child = this.#child;
    let gone = 'netdata was not running';
    if (child?.pid !== undefined) {
      const pid = child.pid;
      const kids = childrenOf(pid);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.#exited;
      clearTimeout(timer);
      for (const k of kids) {
        for (let i = 0; i < 50 && alive(k); i++) await sleep(100);
        if (alive(k)) process.kill(k, 'SIGKILL');
      }
      const left = [pid, ...kids].filter(alive);
      gone = left.length === 0 ? `netdata pid ${pid} and its children ${kids.join(', ') || '(none)'} gone` : `STILL ALIVE: ${left.join(', ')}`;
    }
    rmSync(this.dir, { recursive: true, force: true });
    return gone;
  }

  /** For the process exit hook. */
  killSync(): void {
    this.#child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
