/**
 * `npm run bench` end to end on this machine, at a size that measures nothing worth reading: its
 * setups and teardowns leave nothing behind (fake containers, the C floor's temp files, netdata,
 * the private containerd, its pods and the agent), and --json writes the figures the run printed.
 * No assertion is about speed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchJson } from '../../bench/figures.js';
import { probeHost } from '../../bench/host-cgroups.js';
import { netdataInstalled } from '../../bench/netdata-peer.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const probe = probeHost();
const fakeSkip = probe.ok ? '' : probe.reason;
const out = mkdtempSync(join(tmpdir(), 'podpulse-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function bench(args: string[], timeout: number) {
  ensureBuilt();
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PODPULSE_')) delete env[k];
  return spawnSync(process.execPath, ['dist/bench/collect.bench.js', ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout });
}

/** Exited: no /proc entry, or a zombie its new parent (init) has not reaped yet. */
function gone(pid: string | number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const benchTemps = () => readdirSync(tmpdir()).filter((n) => /^podpulse-bench-(work|netdata)-/.test(n));

describe.skipIf(fakeSkip !== '')(fakeSkip ? `bench on fake containers (skipped: ${fakeSkip})` : 'bench on fake containers', () => {
  it('measures N=3 with the C floor (and netdata when installed), writes the JSON, and leaves nothing behind', () => {
    const before = benchTemps();
    const json = join(out, 'fake.json');
    const peer = netdataInstalled() ? ['--peer', 'netdata', '--peer-window', '2'] : [];
    const r = bench(['--n', '3', '--cycles', '2', '--warmup', '0', '--json', json, ...peer], 240_000);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^summary: N=3: FULL [\d.]+x C floor/);
    expect(r.stdout).toContain('left behind: none');
    const j = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
    expect(j.summary).toBe(lines[lines.length - 1]);
    expect(j.teardown?.leftBehind).toMatch(/^none/);
    const c = j.counts[0]!;
    expect(c.n).toBe(3);
    // The floor ran on the collector's list: as many files as READ opened for the 3 containers.
    // Files the collector found absent are absent for the floor as well.
    expect(c.floor).toMatchObject({ files: c.filesPerContainer * 3, opened: (c.filesPerContainer - c.absentPerContainer) * 3, missing: c.absentPerContainer * 3 });
    if (peer.length > 0) {
      expect(c.netdata, JSON.stringify(c.netdata)).toMatchObject({ cgroupsCollected: 3 });
      const m = /netdata pid (\d+) and its children ([\d, ]+) gone/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      for (const pid of [m![1], ...m![2]!.split(', ')]) expect(gone(pid!), `pid ${pid}`).toBe(true);
    }
    expect(benchTemps().filter((n) => !before.includes(n))).toEqual([]);
  }, 300_000);
});

describe.skipIf(gate.skip)(gate.title('bench --runtime containerd'), () => {
  it('runs the agent on 2 real pods, reports its CPU, and stops the runtime, the pods and the agent', () => {
    const json = join(out, 'containerd.json');
    const r = bench(['--runtime', 'containerd', '--pods', '2', '--interval', '1', '--window', '3', '--json', json], 240_000);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
    const c = j.containerd!;
    expect(c.pods).toBe(2);
    expect(c.containersReported).toBeGreaterThanOrEqual(2);
    expect(c.exportsInWindow).toBeGreaterThan(0);
    expect(c.cpuPercent).toBeGreaterThan(0);
    expect(c.teardown).toMatch(/^none \(2 pods removed/);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^summary: containerd 2 pods @ 1 s: agent [\d.]+ % of one core/);
    const agentPid = Number(/agent pid (\d+);/.exec(r.stderr)?.[1]);
    const dir = /containerd up at (\/tmp\/podpulse-soak-rt-[^/]+)\//.exec(r.stderr)?.[1];
    expect(gone(agentPid)).toBe(true);
    expect(dir && existsSync(dir)).toBe(false);
  }, 300_000);
});
