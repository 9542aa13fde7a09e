/**
 * The agent as the DaemonSet runs it (uid 0, every capability dropped) on a host where a cgroup
 * directory belongs to another user with mode 0700, as a user-delegated cgroup in the v1
 * name=systemd hierarchy does, and one cgroup file is unreadable for it. Without CAP_DAC_OVERRIDE
 * and CAP_DAC_READ_SEARCH, root cannot stat below such a directory or open such a file. The cgroups
 * concerned must lose only what cannot be read; every series else is reported, and `--once` exits 0.
 *
 * Runs the built agent (`node dist/src/main.js --once --print json`) under
 * `setpriv --reuid=0 --inh-caps=-all --bounding-set=-all` against a copy of test/fixtures/host-v1,
 * and, as the reference, the same command with all capabilities.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { removeTree } from '../helpers/tmp-tree.js';

const DROP_ALL = ['--reuid=0', '--inh-caps=-all', '--bounding-set=-all', '--'];
const OTHER_UID = 1000;
const POD = '/kubepods/burstable/pod65c1a366-6f0c-4217-8100-a93fcc75852a';
const MEM_HOLDER = `${POD}/7451fd163baa8d35c2b7319e999c63bac3155c098e63846a2276977d689511b5`;

/** Why this cannot run here, or '' when it can: root, setpriv, and setpriv really ending with no effective capabilities. */
function unavailable(): string {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('setpriv', [...DROP_ALL, 'grep', '^CapEff:', '/proc/self/status'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'setpriv (util-linux) not usable';
  if (!/^CapEff:\s+0+$/m.test(probe.stdout)) return `setpriv left capabilities: ${probe.stdout.trim()}`;
  return '';
}

type Point = { name: string; attributes: Record<string, string>; value: number };

interface Run {
  status: number | null;
  stderr: string;
  points: Point[];
}

function runOnce(root: string, prefix: string[]): Run {
  const args = ['dist/src/main.js', '--config', 'config/podpulse.yaml', '--once', '--print', 'json'];
  args.push('--paths-proc', join(root, 'proc'), '--paths-sys', join(root, 'sys'), '--paths-rootfs', root, '--cri-endpoint', '/nonexistent.sock');
  const [cmd, ...rest] = prefix.length > 0 ? [...prefix, 'node', ...args] : ['node', ...args];
  const r = spawnSync(cmd as string, rest, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PODPULSE_TEST_RUNTIME: undefined } });
  const points = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Point);
  return { status: r.status, stderr: r.stderr, points };
}

const why = unavailable();

describe.skipIf(why !== '')(`agent with all capabilities dropped, a 0700 cgroup of another user present${why ? ` (skipped: ${why})` : ''}`, () => {
  let root = '';
  let full: Run;
  let dropped: Run;

  beforeAll(() => {
    const built = spawnSync('node', ['scripts/ensure-built.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    root = mkdtempSync(join(tmpdir(), 'podpulse-nocaps-'));
    chmodSync(root, 0o755);
    cpSync('test/fixtures/host-v1', root, { recursive: true });
    // The fixture's mountinfo has name=systemd at /sys/fs/cgroup/systemd; its kubepods subtree is
    // delegated to another user, 0700: nothing below it can be stat-ed without capabilities.
    const delegated = join(root, 'sys/fs/cgroup/systemd/kubepods');
    mkdirSync(join(delegated, 'burstable'), { recursive: true });
    chownSync(delegated, OTHER_UID, OTHER_UID);
    chmodSync(delegated, 0o700);
    // And one file the agent cannot open: only the values of mem-holder's memory.stat are lost.
    const stat = join(root, `sys/fs/cgroup/memory${MEM_HOLDER}/memory.stat`);
    chownSync(stat, OTHER_UID, OTHER_UID);
    chmodSync(stat, 0o600);
    full = runOnce(root, []);
    dropped = runOnce(root, ['setpriv', ...DROP_ALL]);
  }, 180_000);
  afterAll(() => removeTree(root));

  const ids = (r: Run) => new Set(r.points.map((p) => p.attributes.id).filter((id) => id !== undefined));
  const errors = (r: Run, code: string) => r.points.find((p) => p.name === 'podpulse_source_errors_total' && p.attributes.source === 'cgroup' && p.attributes.code === code)?.value;
  const value = (r: Run, name: string, id: string) => r.points.find((p) => p.name === name && p.attributes.id === id)?.value;

  it('the reference run (all capabilities) reads everything', () => {
    expect(full.status, full.stderr).toBe(0);
    expect(errors(full, 'READ')).toBe(0);
    expect(ids(full)).toContain(MEM_HOLDER);
  });

  it('without capabilities: exit 0, every cgroup reported, only the unreadable values missing, failures counted and logged', () => {
    expect(dropped.status, dropped.stderr).toBe(0);
    expect(ids(dropped)).toEqual(ids(full));
    // Start times come from the hierarchies that can be stat-ed.
    for (const id of ids(full)) {
      if (value(full, 'container_start_time_seconds', id as string) !== undefined) {
        expect(value(dropped, 'container_start_time_seconds', id as string), id).toBeGreaterThan(0);
      }
    }
    // The unreadable memory.stat costs mem-holder its rss and working set, not its usage or limit.
    expect(value(dropped, 'container_memory_usage_bytes', MEM_HOLDER)).toBe(value(full, 'container_memory_usage_bytes', MEM_HOLDER));
    expect(value(dropped, 'container_spec_memory_limit_bytes', MEM_HOLDER)).toBe(268435456);
    expect(value(full, 'container_memory_rss', MEM_HOLDER)).toBeGreaterThan(0);
    expect(value(dropped, 'container_memory_rss', MEM_HOLDER)).toBeUndefined();
    expect(value(dropped, 'container_memory_working_set_bytes', MEM_HOLDER)).toBeUndefined();
    // Everything else is the same series set.
    const names = (r: Run) => new Set(r.points.filter((p) => p.attributes.id !== MEM_HOLDER && p.name !== 'podpulse_source_errors_total').map((p) => `${p.name} ${p.attributes.id ?? ''}`));
    expect(names(dropped)).toEqual(names(full));
    expect(errors(dropped, 'READ')).toBeGreaterThan(1);
    expect(dropped.stderr).toMatch(/EACCES/);
  });
});
