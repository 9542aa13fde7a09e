/**
 * The operator commands (ps, explain, stats, top, machine) on the real test containerd with known
 * workloads: a CPU loop under a 0.5-core quota and a sleeper with a 32 MiB limit. The commands run
 * as a user runs them (node dist/src/main.js <command>), except where a test compares them with the
 * metrics of the very same cycle, which needs the snapshots in hand (in-process, same code).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { parseProcs } from '../../src/cgroup/procs.js';
import { rawValue, type Explanation } from '../../src/cli/explain.js';
import type { PsContainer } from '../../src/cli/ps.js';
import { sortRows, topFrame } from '../../src/cli/top.js';
import { usageRows, type UsageRow } from '../../src/cli/usage-rows.js';
import { loadConfig } from '../../src/config/load.js';
import { catalog } from '../../src/metrics/catalog.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';
import { TestPods, workloads, type TestPod } from '../helpers/pods.js';
import { ensureDebianBinary } from '../helpers/prometheus.js';
import { runtimeOrSkip, type RuntimeInfo } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'ops-e2e';
const QUOTA_CORES = 0.5;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `podpulse <args>` from dist, on the harness containerd, pods under kubepods only. */
async function podpulse(rt: RuntimeInfo, args: readonly string[], timeoutMs = 60_000, socket = rt.socket): Promise<Run> {
  const child = spawn('node', ['dist/src/main.js', ...args, '--cri-endpoint', socket, '--discovery-cgroup-parents', 'kubepods'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const cpuSeconds = (pods: TestPods, cgroup: string): number => Number(readFileSync(join(pods.cgroupDir('cpuacct', cgroup), 'cpuacct.usage'), 'utf8')) / 1e9;
const cpuSecondsAny = (pods: TestPods, cgroup: string): number => {
  try {
    return cpuSeconds(pods, cgroup);
  } catch {
    // cgroup v2: cpu.stat usage_usec
    const stat = readFileSync(join(pods.cgroupDir('unified', cgroup), 'cpu.stat'), 'utf8');
    return Number(/^usage_usec (\d+)$/m.exec(stat)?.[1]) / 1e6;
  }
};

describe.skipIf(gate.skip)(gate.title('operator commands on the real containerd'), () => {
  let rt: RuntimeInfo;
  let pods: TestPods;
  let pod: TestPod;
  const cgroupOf = (name: string): string => pod.containers.find((c) => c.name === name)!.cgroup;

  beforeAll(async () => {
    ensureBuilt();
    rt = gate.get();
    pods = new TestPods(rt);
    pod = await pods.createPod({
      name: 'ops-web',
      namespace: NS,
      qos: 'burstable',
      containers: [
        { name: 'burn', command: workloads.cpuLoop(), cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * 1024 * 1024 },
        { name: 'sleeper', command: workloads.sleep(), memoryLimitBytes: 32 * 1024 * 1024 },
      ],
    });
    // Let the loop settle into its quota.
    await sleep(1500);
  }, 120_000);

  afterAll(async () => {
    await pods?.removeAll();
    pods?.close();
  });

  it('ps lists each container\'s processes with the pids of cgroup.procs, their commands, and the loop\'s %CPU near its quota', async () => {
    const burnCg = cgroupOf('burn');
    const cpu0 = cpuSecondsAny(pods, burnCg);
    const t0 = performance.now();
    const run = await podpulse(rt, ['ps', '--namespace', NS, '--pod', 'ops-web', '--interval', '2s', '--json']);
    const cgroupRate = (cpuSecondsAny(pods, burnCg) - cpu0) / ((performance.now() - t0) / 1000);
    expect(run.code, run.stderr).toBe(0);
    const { containers } = JSON.parse(run.stdout) as { containers: PsContainer[] };
    expect(containers.map((c) => c.container)).toEqual(['burn', 'sleeper']);
    for (const c of containers) {
      const procs = parseProcs(readFileSync(join(pods.cgroupDir('pids', c.cgroup), 'cgroup.procs'), 'utf8'));
      expect(c.processes.map((p) => p.pid)).toEqual(procs);
    }
    const [burn, sleeper] = containers;
    expect(burn?.processes.map((p) => p.command)).toEqual(["sh -c 'while :; do :; done'"]);
    expect(sleeper?.processes.map((p) => p.command)).toEqual(['sleep infinity']);
    expect(sleeper?.processes[0]).toMatchObject({ user: 'root', state: 'S', threads: 1 });
    const loop = burn?.processes[0];
    console.log(`ps: loop %CPU ${((loop?.cpuCores ?? NaN) * 100).toFixed(1)} (cgroup around the run: ${(cgroupRate * 100).toFixed(1)}%, quota ${QUOTA_CORES * 100}%)`);
    // The quota caps it (CFS may let one period run a little over); a busy 2-core machine may give it less.
    expect(loop?.cpuCores).toBeLessThanOrEqual(QUOTA_CORES * 1.15);
    expect(loop?.cpuCores).toBeGreaterThan(0.05);
    // The only process of its cgroup: its %CPU is the cgroup's, measured independently around the run.
    expect(Math.abs((loop?.cpuCores ?? NaN) - cgroupRate)).toBeLessThan(0.15);
  }, 90_000);

  it.each([
    ['container_memory_working_set_bytes', 'sleeper'],
    ['container_spec_memory_limit_bytes', 'sleeper'],
    ['container_cpu_usage_seconds_total', 'burn'],
    ['container_cpu_cfs_throttled_periods_total', 'burn'],
    ['container_processes', 'burn'],
  ])('explain %s: every raw input equals the kernel file read around it', async (metric, container) => {
    // The paths explain names are only known afterwards; a first run tells them.
    const probe = JSON.parse((await podpulse(rt, ['explain', metric, '--pod', 'ops-web', '--container', container, '--json'])).stdout) as Explanation;
    const paths = probe.inputs.flatMap((i) => (i.path ? [i.path] : []));
    expect(paths.length, `explain ${metric} named no file: ${JSON.stringify(probe.inputs)}`).toBeGreaterThan(0);
    /**
     * Each file read just before and just after explain. A value that did not move must be equal; a
     * counter that moved must lie between the two reads. A gauge (memory usage) can move and move
     * back while explain runs, which proves nothing either way: up to three attempts, and one must
     * be clean.
     */
    let e: Explanation | undefined;
    let mismatches: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = new Map(paths.map((p) => [p, readFileSync(p, 'utf8')]));
      const run = await podpulse(rt, ['explain', metric, '--pod', 'ops-web', '--namespace', NS, '--container', container, '--json']);
      const after = new Map(paths.map((p) => [p, readFileSync(p, 'utf8')]));
      expect(run.code, run.stderr).toBe(0);
      e = JSON.parse(run.stdout) as Explanation;
      mismatches = [];
      for (const input of e.inputs.filter((i) => i.path)) {
        const was = rawValue(before.get(input.path!)!, input.key, input.file);
        const now = rawValue(after.get(input.path!)!, input.key, input.file);
        const ok = was === now ? input.value === now : Number(input.value) >= Math.min(Number(was), Number(now)) && Number(input.value) <= Math.max(Number(was), Number(now));
        if (!ok) mismatches.push(`${input.path} [${input.key ?? ''}]: explain ${input.value}, before ${was}, after ${now}`);
        expect(Date.parse(input.readAt!)).toBeGreaterThan(Date.now() - 60_000);
      }
      if (mismatches.length === 0) break;
      console.log(`explain ${metric}: attempt ${attempt + 1} saw the kernel values move: ${mismatches.join('; ')}`);
    }
    expect(mismatches).toEqual([]);
    expect(e?.target).toMatchObject({ kind: 'container', pod: 'ops-web', container });
    expect(e?.points.length).toBeGreaterThan(0);
    if (metric === 'container_spec_memory_limit_bytes') expect(e?.points[0]?.value).toBe(32 * 1024 * 1024);
    if (metric === 'container_memory_working_set_bytes') expect(e?.context.join('\n')).toMatch(/limit: 32\.0Mi[\s\S]*OOM killer[\s\S]*kubelet eviction/);
  }, 90_000);

  it('stats and top --once show the same values the catalog exports from the same cycles', async () => {
    const { config } = loadConfig(['--cri-endpoint', rt.socket, '--discovery-cgroup-parents', 'kubepods'], {});
    const agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    try {
      await agent.discover();
      const s1 = await agent.cycleReader.collect();
      await sleep(1000);
      const s2 = await agent.cycleReader.collect();
      const rows = usageRows(s1, s2, { namespace: NS, pod: 'ops-web' });
      const metric = (name: string, snap: typeof s1, cgroup: string): number | undefined => {
        const spec = catalog.find((s) => s.name === name);
        const sample = snap.containers.find((c) => c.identity.id === cgroup);
        return spec?.entity === 'container' && sample ? spec.points(sample)[0]?.value : undefined;
      };
      for (const name of ['burn', 'sleeper']) {
        const cg = cgroupOf(name);
        const row = rows.find((r) => r.container === name) as UsageRow;
        expect(row.memoryWorkingSetBytes).toBe(metric('container_memory_working_set_bytes', s2, cg));
        expect(row.memoryLimitBytes).toBe(metric('container_spec_memory_limit_bytes', s2, cg));
        const dt = (s2.containers.find((c) => c.identity.id === cg)?.lastSeenSeconds ?? NaN) - (s1.containers.find((c) => c.identity.id === cg)?.lastSeenSeconds ?? NaN);
        const cpuRate = ((metric('container_cpu_usage_seconds_total', s2, cg) ?? NaN) - (metric('container_cpu_usage_seconds_total', s1, cg) ?? NaN)) / dt;
        expect(row.cpuCores).toBeCloseTo(cpuRate, 9);
      }
      const burn = rows.find((r) => r.container === 'burn') as UsageRow;
      expect(burn.cpuLimitCores).toBe((metric('container_spec_cpu_quota', s2, cgroupOf('burn')) ?? NaN) / (metric('container_spec_cpu_period', s2, cgroupOf('burn')) ?? NaN));
      const throttled = (c: string, s: typeof s1) => metric(c, s, cgroupOf('burn')) ?? NaN;
      const periods = throttled('container_cpu_cfs_periods_total', s2) - throttled('container_cpu_cfs_periods_total', s1);
      if (periods > 0) expect(burn.throttledFraction).toBeCloseTo((throttled('container_cpu_cfs_throttled_periods_total', s2) - throttled('container_cpu_cfs_throttled_periods_total', s1)) / periods, 9);
      // top --once prints these rows: the burn line carries its cores and limit as computed above.
      const frame = topFrame(sortRows(rows, 'cpu'), { host: 'h', at: new Date(), sort: 'cpu', intervalMs: 1000 });
      expect(frame).toMatch(new RegExp(`${NS}\\s+ops-web\\s+burn\\s+${burn.cpuCores?.toFixed(3)}\\s+0\\.500\\s`));
    } finally {
      await agent.stop();
    }

    // And the commands themselves, as a user runs them.
    const stats = await podpulse(rt, ['stats', '--namespace', NS, '--pod', 'ops-web', '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    const statRows = (JSON.parse(stats.stdout) as { rows: UsageRow[] }).rows;
    expect(statRows.map((r) => r.container)).toEqual(['', 'burn', 'sleeper']);
    expect(statRows.find((r) => r.container === 'sleeper')).toMatchObject({ memoryLimitBytes: 32 * 1024 * 1024 });
    expect(statRows.find((r) => r.container === 'burn')?.cpuCores).toBeLessThanOrEqual(QUOTA_CORES * 1.15);
    const top = await podpulse(rt, ['top', '--once', '--namespace', NS, '--sort', 'name']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).not.toMatch(/\x1b/);
    expect(top.stdout).toMatch(/^ops-e2e\s+ops-web\s+burn\s+\d\.\d{3}\s+0\.500\s/m);
    expect(top.stdout).toMatch(/^ops-e2e\s+ops-web\s+sleeper\s+\d\.\d{3}\s+-\s+-\s+\S+\s+32\.0Mi/m);
  }, 120_000);

  const tmux = ensureDebianBinary('tmux', ['tmux']);
  it.skipIf(!tmux.ok)(tmux.title('top in a tmux pane: refreshes, sorts on a key, and q exits 0'), async () => {
    const socket = `podpulse-ops-${process.pid}`;
    const t = (...args: string[]) => spawnSync(tmux.paths.tmux!, ['-L', socket, ...args], { encoding: 'utf8' });
    const exitFile = join(rt.dir, `top-exit-${process.pid}`);
    const cmd = `cd ${REPO_ROOT} && node dist/src/main.js top --cri-endpoint ${rt.socket} --discovery-cgroup-parents kubepods --namespace ${NS}; echo $? > ${exitFile}`;
    expect(t('new-session', '-d', '-s', 'top', '-x', '200', '-y', '40', cmd).status).toBe(0);
    const pane = () => t('capture-pane', '-p', '-t', 'top').stdout;
    const waitFor = async (re: RegExp, ms: number): Promise<string> => {
      const end = Date.now() + ms;
      let text = pane();
      while (!re.test(text) && Date.now() < end) {
        await sleep(200);
        text = pane();
      }
      return text;
    };
    try {
      let screen = await waitFor(/ops-web\s+burn/, 30_000);
      expect(screen).toMatch(/^podpulse top .*sort: cpu/m);
      const first = /(\d\d:\d\d:\d\d)Z/.exec(screen)?.[1];
      screen = await waitFor(new RegExp(`(?!${first})\\d\\d:\\d\\d:\\d\\dZ.*sort: cpu`), 5_000);
      expect(/(\d\d:\d\d:\d\d)Z/.exec(screen)?.[1], 'the clock in the title moves: the view refreshes').not.toBe(first);
      t('send-keys', '-t', 'top', 'm');
      screen = await waitFor(/sort: memory/, 5_000);
      expect(screen).toMatch(/sort: memory/);
      t('send-keys', '-t', 'top', 'q');
      const end = Date.now() + 10_000;
      let code = '';
      while (Date.now() < end) {
        try {
          code = readFileSync(exitFile, 'utf8').trim();
          break;
        } catch {
          await sleep(200);
        }
      }
      expect(code, 'top exited after q with this code').toBe('0');
    } finally {
      t('kill-server');
    }
  }, 90_000);

  it.each([
    [['ps', '--pod', 'no-such-pod'], /^podpulse ps: --pod no-such-pod: no such pod; pods: .*ops-e2e\/ops-web/],
    [['stats', '--namespace', 'nowhere'], /^podpulse stats: --namespace nowhere: no pod in that namespace/],
    [['top', '--once', '--pod', 'ops-web', '--container', 'nope'], /^podpulse top: --container nope: no such container in the selected pods; containers: burn, sleeper/],
    [['explain', 'container_memory_working_set_bytes', '--pod', 'ops-wbe'], /^podpulse explain: --pod ops-wbe: no such pod/],
    [['explain', 'container_memory_workingset', '--pod', 'ops-web'], /^podpulse explain: unknown metric "container_memory_workingset"; did you mean: .*container_memory_working_set_bytes/],
    [['ps', '--bogus', 'x'], /^podpulse ps: .*unknown flag --bogus/],
  ])('%j exits 2 with one clear line', async (args, message) => {
    const run = await podpulse(rt, args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  }, 60_000);

  it('reads the host through paths.proc/sys/rootfs as in the DaemonSet, where /sys/fs/cgroup is not the host\'s', async () => {
    // A private mount namespace (nothing leaks to the host): the host's /proc, /sys and / bound under
    // a directory as the DaemonSet mounts them at /host/*, and an empty tmpfs over /sys/fs/cgroup.
    const base = mkdtempSync(join(tmpdir(), 'podpulse-hostroots-'));
    const flags = `--cri-endpoint ${rt.socket} --discovery-cgroup-parents kubepods --namespace ${NS} --pod ops-web --json`;
    const script = [
      'set -e',
      `mkdir -p ${base}/proc ${base}/sys ${base}/root`,
      `mount --bind /proc ${base}/proc`,
      `mount --rbind /sys ${base}/sys`,
      `mount --bind / ${base}/root`,
      'mount -t tmpfs none /sys/fs/cgroup',
      `node dist/src/main.js ps ${flags} --paths-proc ${base}/proc --paths-sys ${base}/sys --paths-rootfs ${base}/root`,
      'echo ===',
      `node dist/src/main.js ps ${flags} 2>&1 || echo "exit $?"`,
    ].join('\n');
    try {
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const [inside, defaults] = r.stdout.split('===\n');
      const { containers } = JSON.parse(inside ?? '') as { containers: PsContainer[] };
      expect(containers.map((c) => [c.container, c.processes.map((p) => p.command)])).toEqual([
        ['burn', ["sh -c 'while :; do :; done'"]],
        ['sleeper', ['sleep infinity']],
      ]);
      // The same command without the paths finds no cgroups and says which key to set.
      expect(defaults).toMatch(/paths\.sys: value was "\/sys".*set paths\.sys[\s\S]*exit 2/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 90_000);

  it('group per_process exports the busiest process of each container with its pid and comm (--print json)', async () => {
    const run = await podpulse(rt, ['--once', '--print', 'json', '--metrics-groups-per-process', 'true', '--metrics-max-processes-per-container', '1', '--log-level', 'warn']);
    expect(run.code, run.stderr).toBe(0);
    const points = run.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { name: string; attributes: Record<string, string>; value: number })
      .filter((p) => p.name.startsWith('container_process_') && p.attributes.namespace === NS && p.attributes.pod === 'ops-web');
    const burnPids = parseProcs(readFileSync(join(pods.cgroupDir('pids', cgroupOf('burn')), 'cgroup.procs'), 'utf8'));
    const burn = points.filter((p) => p.attributes.container === 'burn');
    expect(burn.map((p) => [p.name, p.attributes.pid, p.attributes.comm]).sort()).toEqual([
      ['container_process_cpu_usage_seconds_total', String(burnPids[0]), 'sh'],
      ['container_process_memory_rss_bytes', String(burnPids[0]), 'sh'],
      ['container_process_threads', String(burnPids[0]), 'sh'],
    ]);
    const stat = readFileSync(`/proc/${burnPids[0]}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const cpuNow = (Number(stat[11]) + Number(stat[12])) / 100;
    const cpu = burn.find((p) => p.name === 'container_process_cpu_usage_seconds_total')!.value;
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual(cpuNow);
    // Without the group, no container_process_* series at all.
    const off = await podpulse(rt, ['--once', '--print', 'prometheus', '--log-level', 'warn']);
    expect(off.stdout).not.toMatch(/container_process_/);
  }, 90_000);

  it('a runtime that does not answer is a failure (exit 1) that names the endpoint, not a bad filter', async () => {
    const dead = join(rt.dir, 'no-such.sock');
    const run = await podpulse(rt, ['ps', '--pod', 'ops-web', '--log-level', 'error'], 60_000, dead);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`podpulse ps: the container runtime at ${dead} did not answer, so no pod is known (set cri.endpoint, or --cri-endpoint)`);
  }, 60_000);

  it('machine reports this host and the fixture roots given by paths.*', async () => {
    const host = await podpulse(rt, ['machine', '--json']);
    expect(host.code, host.stderr).toBe(0);
    const m = JSON.parse(host.stdout) as { cpuCores: number; bootId: string; filesystems: unknown[] };
    expect(m.cpuCores).toBe(cpus().length);
    expect(m.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const f = join(REPO_ROOT, 'test', 'fixtures', 'proc-samples');
    const fixture = await podpulse(rt, ['machine', '--paths-proc', join(f, 'proc'), '--paths-sys', join(f, 'sys'), '--paths-rootfs', join(f, 'rootfs')]);
    expect(fixture.code, fixture.stderr).toBe(0);
    expect(fixture.stdout).toMatch(/^Machine ID\s+3d1219c7c4c5404aaa1f6d2a48adfda4$/m);
    expect(fixture.stdout).toMatch(/^CPU model\s+AMD EPYC$/m);
  }, 60_000);
});
