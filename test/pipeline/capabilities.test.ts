/**
 * Which capabilities the agent needs, measured rather than assumed: as the DaemonSet and compose
 * file run it (uid 0, every capability dropped, no-new-privs), it must still read
 * `/proc/<pid>/stat` and `/proc/<pid>/net/dev` of a process owned by another uid in its own network
 * namespace (a pod), and connect to a root:root 0660 unix socket (the CRI socket). This is the test
 * deploy/kubernetes/daemonset.yaml and docker-compose.yml cite for dropping SYS_PTRACE.
 *
 * Controls keep the checks honest: the dropped process must show CapEff 0 and be refused what does
 * need a capability (/proc/<pid>/environ of another uid needs ptrace read access; a socket owned by
 * another uid needs DAC_OVERRIDE), while full root gets both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const haveTools = ['/usr/bin/setpriv', '/usr/bin/unshare'].every((p) => existsSync(p));
const skipReason = !isRoot ? 'needs root' : !haveTools ? 'needs setpriv and unshare (util-linux)' : '';
const title = (t: string): string => (skipReason ? `${t} (skipped: ${skipReason})` : t);

/** uid 0 with no capabilities at all, as `capabilities: drop: [ALL]` + allowPrivilegeEscalation: false. */
const DROP_ALL = ['--reuid=0', '--regid=0', '--clear-groups', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--no-new-privs'];

/** Runs a small ES module under `setpriv <privs>` (or as is), with dist/ importable; returns its JSON answer. */
function probe(privs: string[] | undefined, script: string): Record<string, unknown> {
  const node = process.execPath;
  const cmd = privs ? ['/usr/bin/setpriv', ...privs, '--', node] : [node];
  const r = spawnSync(cmd[0] as string, [...cmd.slice(1), '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`probe failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function tryRead(expr: string): string {
  return `(() => { try { return { ok: true, value: ${expr} }; } catch (e) { return { ok: false, code: e.code ?? String(e) }; } })()`;
}

describe.skipIf(skipReason !== '')(title('agent privileges: uid 0 with every capability dropped'), () => {
  let target: ChildProcess;
  let dir: string;
  let server: Server;
  let rootSocket: string;
  let otherSocket: string;

  beforeAll(async () => {
    ensureBuilt();
    // A "pod": its own network namespace, running as nobody.
    target = spawn('/usr/bin/unshare', ['-n', '--', '/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'sleep', '300'], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const uid = spawnSync('stat', ['-c', '%u', `/proc/${target.pid}`], { encoding: 'utf8' }).stdout.trim();
      if (uid === String(NOBODY)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    dir = mkdtempSync(join(tmpdir(), 'podpulse-caps-'));
    chmodSync(dir, 0o711); // like /run/containerd
    rootSocket = join(dir, 'cri.sock');
    otherSocket = join(dir, 'other.sock');
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(rootSocket, r));
    chmodSync(rootSocket, 0o660); // containerd.sock: root:root 0660
    const other = createServer((s) => s.end());
    await new Promise<void>((r) => other.listen(otherSocket, r));
    chmodSync(otherSocket, 0o660);
    chownSync(otherSocket, NOBODY, NOBODY);
  });

  afterAll(async () => {
    if (target?.pid) process.kill(target.pid, 'SIGKILL');
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const script = (pid: number, rootSock: string, otherSock: string): string => `
    import { readFileSync } from 'node:fs';
    import { connect } from 'node:net';
    import { FileReader } from './dist/src/fs/file-reader.js';
    import { ProcFs, readNetDev, readPidStat } from './dist/src/procfs/proc-fs.js';
    const proc = new ProcFs('/proc');
    const reader = new FileReader();
    const dial = (path) => new Promise((resolve) => {
      const s = connect(path, () => { s.destroy(); resolve({ ok: true }); });
      s.once('error', (e) => resolve({ ok: false, code: e.code }));
    });
    const out = {
      uid: process.getuid(),
      capEff: /^CapEff:\\s+(\\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1],
      netDev: ${tryRead(`readNetDev(proc, ${pid}, reader).map((i) => i.name)`)},
      stat: ${tryRead(`(({ comm, starttimeTicks }) => ({ comm, starttimeTicks }))(readPidStat(proc, ${pid}, reader))`)},
      environ: ${tryRead(`readFileSync('/proc/${pid}/environ').length >= 0`)},
      criSocket: await dial(${JSON.stringify(rootSock)}),
      otherSocket: await dial(${JSON.stringify(otherSock)}),
    };
    process.stdout.write(JSON.stringify(out));
  `;

  it('reads /proc/<pid>/stat and /proc/<pid>/net/dev of another uid in another netns, and reaches a root:root 0660 socket, with no capability', () => {
    const pid = target.pid as number;
    expect(spawnSync('stat', ['-c', '%u', `/proc/${pid}`], { encoding: 'utf8' }).stdout.trim()).toBe(String(NOBODY));
    const dropped = probe(DROP_ALL, script(pid, rootSocket, otherSocket));
    const full = probe(undefined, script(pid, rootSocket, otherSocket));

    // The drop is real: no effective capability, and what does need one is refused.
    expect(dropped.uid).toBe(0);
    expect(dropped.capEff).toBe('0000000000000000');
    expect(dropped.environ).toEqual({ ok: false, code: 'EACCES' });
    expect(dropped.otherSocket).toEqual({ ok: false, code: 'EACCES' });
    expect(full.environ).toMatchObject({ ok: true });
    expect(full.otherSocket).toEqual({ ok: true });

    // What the agent reads works without any.
    expect(dropped.netDev).toEqual({ ok: true, value: ['lo'] }); // the "pod"'s own netns
    expect(dropped.netDev).toEqual(full.netDev);
    expect(dropped.stat).toMatchObject({ ok: true, value: { comm: 'sleep' } });
    expect(dropped.stat).toEqual(full.stat);
    expect(dropped.criSocket).toEqual({ ok: true });
  });

  it('the whole agent collects (cgroups, /proc) with no capability and no source error', () => {
    const r = spawnSync(
      '/usr/bin/setpriv',
      [...DROP_ALL, '--', process.execPath, 'dist/src/main.js', '--config', 'config/podpulse.yaml', '--once', '--print', 'json', '--cri-endpoint', '/nonexistent.sock'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const points = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; labels?: Record<string, string>; attributes?: Record<string, string>; value: number });
    const labels = (p: (typeof points)[number]) => p.labels ?? p.attributes ?? {};
    expect(points.some((p) => p.name === 'container_cpu_usage_seconds_total' && labels(p).id === '/')).toBe(true);
    expect(points.some((p) => p.name === 'container_network_receive_bytes_total' && labels(p).id === '/')).toBe(true);
    for (const source of ['cgroup', 'proc']) {
      const e = points.filter((p) => p.name === 'podpulse_source_errors_total' && labels(p).source === source);
      expect(e.length, `${source} error series`).toBeGreaterThan(0);
      expect(e.reduce((n, p) => n + p.value, 0), `${source} errors (all codes):\n${r.stderr}`).toBe(0);
    }
  });
});
