/**
 * PidSources: the per-process and per-netns opt-in sources (sched, referenced_memory, tcp, udp) on a
 * temp tree that a test rewrites between cycles.
 */
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { PidSources } from '../../src/collection/pid-sources.js';
import { READ_DEFAULT, type ReadPlan } from '../../src/collection/read-plan.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { ProcFs } from '../../src/procfs/proc-fs.js';
import { RecordingReader } from '../cgroup/recording-reader.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

let root = '';
afterEach(() => removeTree(root));

function setup(plan: Partial<ReadPlan>, reader: FileReader = new FileReader()) {
  root = writeTree({ cg: { pod: { 'cgroup.procs': '', c1: { 'cgroup.procs': '' }, c2: { 'cgroup.procs': '' } } }, proc: {} });
  const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: join(root, 'cg') };
  const errors: string[] = [];
  const capped: string[] = [];
  const sources = new PidSources({
    layout,
    proc: new ProcFs(join(root, 'proc')),
    reader,
    plan: { ...READ_DEFAULT, ...plan },
    onError: (source, what) => errors.push(`${source}: ${what}`),
    onCapped: (path) => capped.push(path),
  });
  const procs = (cgroup: string, pids: number[]) => writeFileSync(join(root, 'cg', cgroup, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
  const proc = (pid: number, files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, 'proc', String(pid), name.includes('/') ? name.split('/')[0]! : ''), { recursive: true });
      writeFileSync(join(root, 'proc', String(pid), name), text);
    }
  };
  const exit = (pid: number) => rmSync(join(root, 'proc', String(pid)), { recursive: true, force: true });
  const cycle = (path: string) => {
    sources.beginCycle();
    const out = sources.perProcess(path);
    sources.endCycle(new Set([path]));
    return out;
  };
  return { sources, procs, proc, exit, cycle, errors, capped };
}

const sched = (run: number, wait: number, periods: number) => ({ schedstat: `${run} ${wait} ${periods}\n` });

describe('PidSources: sched', () => {
  it('sums the cgroup and its children, and keeps what exited processes ran so the counters never fall', () => {
    const t = setup({ sched: true });
    t.procs('pod/c1', [10, 11]);
    t.procs('pod/c2', [20]);
    t.proc(10, sched(1e9, 2e9, 3));
    t.proc(11, sched(1e9, 0, 1));
    t.proc(20, sched(5e8, 5e8, 2));
    expect(t.cycle('/pod').sched).toEqual({ runSeconds: 2.5, runqueueSeconds: 2.5, runPeriods: 6 });
    // 11 ran a bit more, then exited; 10 ran on.
    t.proc(11, sched(2e9, 0, 2));
    expect(t.cycle('/pod').sched?.runSeconds).toBe(3.5);
    t.exit(11);
    t.procs('pod/c1', [10]);
    t.proc(10, sched(3e9, 2e9, 4));
    expect(t.cycle('/pod').sched).toEqual({ runSeconds: 5.5, runqueueSeconds: 2.5, runPeriods: 8 });
  });

  it('a reused pid (run time fell) counts as a new process: the old one stays in the total', () => {
    const t = setup({ sched: true });
    t.procs('pod', [7]);
    t.proc(7, sched(4e9, 0, 10));
    expect(t.cycle('/pod').sched?.runSeconds).toBe(4);
    t.proc(7, sched(1e9, 0, 1));
    expect(t.cycle('/pod').sched).toEqual({ runSeconds: 5, runqueueSeconds: 0, runPeriods: 11 });
  });

  it('caps the listed processes, says so, and a cut-short list does not count unlisted ones as exited', () => {
    const t = setup({ sched: true, maxPidsPerContainer: 2 });
    t.procs('pod', [1, 2, 3]);
    for (const pid of [1, 2, 3]) t.proc(pid, sched(1e9, 0, 1));
    expect(t.cycle('/pod').sched?.runSeconds).toBe(2);
    expect(t.capped).toEqual(['/pod']);
    t.procs('pod', [3, 1, 2]);
    expect(t.cycle('/pod').sched?.runSeconds).toBe(2);
  });

  it('an unusable schedstat is reported and keeps the last values; a vanished cgroup gives nothing', () => {
    const t = setup({ sched: true });
    t.procs('pod', [5]);
    t.proc(5, sched(1e9, 0, 1));
    expect(t.cycle('/pod').sched?.runSeconds).toBe(1);
    t.proc(5, { schedstat: 'garbage\n' });
    expect(t.cycle('/pod').sched?.runSeconds).toBe(1);
    expect(t.errors).toEqual(['proc: schedstat of pid 5']);
    expect(t.cycle('/gone')).toEqual({});
  });
});

describe('PidSources: referenced_memory and sockets', () => {
  it('sums smaps_rollup Referenced (smaps when there is no rollup); a process without the file is skipped', () => {
    const t = setup({ referencedMemory: true });
    t.procs('pod/c1', [1, 2, 3]);
    t.proc(1, { smaps_rollup: 'Rss: 8 kB\nReferenced:  8 kB\n' });
    t.proc(2, { smaps: 'Referenced: 1 kB\nReferenced: 2 kB\n' });
    expect(t.cycle('/pod').referencedBytes).toBe(11 * 1024);
    expect(t.errors).toEqual([]);
  });

  it('reads nothing when the groups are off', () => {
    const rec = new RecordingReader();
    const t = setup({}, rec);
    t.procs('pod', [1]);
    t.proc(1, { ...sched(1, 1, 1), 'net/tcp': '  sl\n' });
    expect(t.cycle('/pod')).toEqual({});
    expect(t.sources.sockets(1)).toBeUndefined();
    expect(rec.take(root)).toEqual([]);
  });

  it('counts tcp/tcp6 and udp/udp6 of the netns pid; an absent tcp6 (no IPv6) has no values', () => {
    const t = setup({ tcp: true, udp: true });
    const head = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const sock = (st: string) => `   0: 00000000:1F90 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n`;
    const udp = '   0: 00000000:C5F7 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 6531440 2 00000000418e1422 0\n';
    t.proc(9, { 'net/tcp': head + sock('0A') + sock('01') + sock('01'), 'net/udp': head + udp, 'net/udp6': head });
    const s = t.sources.sockets(9);
    expect(s?.tcp).toMatchObject({ listen: 1, established: 2, timewait: 0 });
    expect(s?.tcp6).toBeUndefined();
    expect(s?.udp).toEqual({ listen: 1, dropped: 0, rxQueued: 0, txQueued: 0 });
    expect(s?.udp6).toEqual({ listen: 0, dropped: 0, rxQueued: 0, txQueued: 0 });
  });
});
