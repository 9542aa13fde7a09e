/**
 * Each file is its own source: on copies of the fixture roots with one file made malformed, empty,
 * unreadable or hostile, the cgroup loses exactly the values parsed from that file; everything
 * else matches the pristine read, and the file is listed in `failures` with its typed error.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../../src/cgroup/detect.js';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { readCgroup } from '../../src/cgroup/read.js';
import type { CgroupStats } from '../../src/cgroup/stats.js';
import { errorCode } from '../../src/errors.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { removeTree } from '../helpers/tmp-tree.js';
import { placeDeviceLink, placeFifo, placeSparseFile, placeSymlinkLoop } from '../fs/hostile-files.js';

type Damage = (path: string) => (() => void) | void;
const malformed =
  (text: string): Damage =>
  (path) => writeFileSync(path, text);
const empty: Damage = (path) => writeFileSync(path, '');
const fifo: Damage = (path) => placeFifo(path);
const loop: Damage = (path) => placeSymlinkLoop(path);
const devZero: Damage = (path) => placeDeviceLink(path, '/dev/zero');
const huge: Damage = (path) => placeSparseFile(path, 100 * 1024 * 1024);

/** `stats` without the given `group` or `group.field` values (a group left empty is dropped, as the readers do). */
function without(stats: CgroupStats, fields: readonly string[]): CgroupStats {
  const out = structuredClone(stats) as Record<string, unknown>;
  for (const f of fields) {
    const [group, key] = f.split('.') as [string, string | undefined];
    if (key === undefined) {
      delete out[group];
      continue;
    }
    const sub = out[group] as Record<string, unknown> | undefined;
    if (sub === undefined) continue;
    delete sub[key];
    if (Object.keys(sub).length === 0) delete out[group];
  }
  return out as CgroupStats;
}

interface Case {
  name: string;
  /** The damaged file, relative to the fixture root. */
  file: string;
  damage: Damage;
  code: string;
  /** What the cgroup loses. */
  lost: string[];
}

function suite(fixture: string, cgroupPath: string, cases: Case[]): void {
  let root = '';
  let layout: CgroupLayout;
  let pristine: CgroupStats;
  const reader = new FileReader();
  const cleanups: (() => void)[] = [];

  beforeEach(() => {
    for (const c of cleanups.splice(0)) c();
    if (root !== '') removeTree(root);
    root = mkdtempSync(join(tmpdir(), 'podpulse-damaged-'));
    cpSync(`test/fixtures/${fixture}`, root, { recursive: true });
    layout = detectCgroupLayout({ procRoot: join(root, 'proc'), sysRoot: join(root, 'sys') }, reader);
    const read = readCgroup(layout, cgroupPath, reader);
    expect(read.failures).toEqual([]);
    pristine = read.stats;
  });
  afterAll(() => {
    for (const c of cleanups.splice(0)) c();
    removeTree(root);
  });

  it.each(cases)('$name: loses only $lost', (c) => {
    const path = join(root, c.file);
    const cleanup = c.damage(path);
    if (cleanup) cleanups.push(cleanup);
    const { stats, failures } = readCgroup(layout, cgroupPath, reader);
    expect(failures.map((f) => [f.path, errorCode(f.error)])).toEqual([[path, c.code]]);
    expect(stats).toEqual(without(pristine, c.lost));
    // The damage took something away: the case is not vacuous.
    expect(stats).not.toEqual(pristine);
  });
}

const V1_POD = '/kubepods/burstable/pod65c1a366-6f0c-4217-8100-a93fcc75852a';
const CPU_LOOP = `${V1_POD}/28ed357d92b1c1ee91a94be839fe3f93233f3d5f3ccb05bd773f671ee5bdf85c`;
const v1 = (controller: string, file: string): string => `sys/fs/cgroup/${controller}${CPU_LOOP}/${file}`;
const MEMORY_STAT_V1 = ['rssBytes', 'cacheBytes', 'swapBytes', 'mappedFileBytes', 'activeFileBytes', 'inactiveFileBytes', 'pageFaults', 'majorPageFaults', 'workingSetBytes'];

describe('host-v1 fixture copy (hybrid): one damaged file of the cpu-loop container', () => {
  suite('host-v1', CPU_LOOP, [
    { name: 'malformed cpu.stat', file: v1('cpu', 'cpu.stat'), damage: malformed('nr_periods lots\n'), code: 'PARSE', lost: ['cpu.periods', 'cpu.throttledPeriods', 'cpu.throttledSeconds', 'cpu.burstPeriods', 'cpu.burstSeconds'] },
    { name: 'empty cpuacct.usage', file: v1('cpuacct', 'cpuacct.usage'), damage: empty, code: 'PARSE', lost: ['cpu.usageSeconds'] },
    { name: 'FIFO as cpuacct.stat', file: v1('cpuacct', 'cpuacct.stat'), damage: fifo, code: 'READ_NOT_REGULAR', lost: ['cpu.userSeconds', 'cpu.systemSeconds'] },
    { name: 'symlink loop as memory.stat', file: v1('memory', 'memory.stat'), damage: loop, code: 'READ', lost: MEMORY_STAT_V1.map((f) => `memory.${f}`) },
    { name: 'empty memory.usage_in_bytes', file: v1('memory', 'memory.usage_in_bytes'), damage: empty, code: 'PARSE', lost: ['memory.usageBytes', 'memory.workingSetBytes'] },
    { name: '/dev/zero as pids.current', file: v1('pids', 'pids.current'), damage: devZero, code: 'READ_NOT_REGULAR', lost: ['pids.current'] },
    { name: '100 MB memory.failcnt', file: v1('memory', 'memory.failcnt'), damage: huge, code: 'READ_TOO_LARGE', lost: ['memory.failcnt'] },
    { name: 'malformed cgroup.procs', file: v1('cpu', 'cgroup.procs'), damage: malformed('1\nnot-a-pid\n'), code: 'PARSE', lost: ['processes'] },
    { name: 'malformed memory.limit_in_bytes (spec)', file: v1('memory', 'memory.limit_in_bytes'), damage: malformed('a lot\n'), code: 'PARSE', lost: ['memory.limitBytes'] },
    { name: 'malformed cpu.shares (spec)', file: v1('cpu', 'cpu.shares'), damage: malformed('-\n'), code: 'PARSE', lost: ['cpuSpec.shares'] },
    { name: 'malformed cpu.pressure (unified)', file: `sys/fs/cgroup/unified${CPU_LOOP}/cpu.pressure`, damage: malformed('some total=x\n'), code: 'PARSE', lost: ['pressure.cpu'] },
  ]);
});

const V2_POD = '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8a4b6e1c_3f2d_4c5b_9e7a_1d2c3b4a5f60.slice';
const WEB = `${V2_POD}/cri-containerd-bb9cb22b273268f779adb9fa86ea9654da9e0b9c28d6e2ec5deca1249236be53.scope`;
const v2 = (file: string): string => `sys/fs/cgroup${WEB}/${file}`;

describe('cgroup-v2 fixture copy: one damaged file of the web container', () => {
  suite('cgroup-v2', WEB, [
    { name: 'FIFO as cpu.stat (the core file)', file: v2('cpu.stat'), damage: fifo, code: 'READ_NOT_REGULAR', lost: ['cpu'] },
    { name: 'malformed memory.stat', file: v2('memory.stat'), damage: malformed('anon many\n'), code: 'PARSE', lost: ['rssBytes', 'cacheBytes', 'mappedFileBytes', 'activeFileBytes', 'inactiveFileBytes', 'pageFaults', 'majorPageFaults', 'workingSetBytes', 'kernelUsageBytes'].map((f) => `memory.${f}`) },
    { name: 'empty memory.current', file: v2('memory.current'), damage: empty, code: 'PARSE', lost: ['memory.usageBytes', 'memory.workingSetBytes'] },
    { name: 'malformed io.stat', file: v2('io.stat'), damage: malformed('259:0 rbytes=\n'), code: 'PARSE', lost: ['io'] },
    { name: 'symlink loop as memory.max (spec)', file: v2('memory.max'), damage: loop, code: 'READ', lost: ['memory.limitBytes'] },
    { name: 'malformed cpu.max (spec)', file: v2('cpu.max'), damage: malformed('half\n'), code: 'PARSE', lost: ['cpuSpec.quotaUs', 'cpuSpec.periodUs'] },
    { name: '100 MB memory.peak', file: v2('memory.peak'), damage: huge, code: 'READ_TOO_LARGE', lost: ['memory.maxUsageBytes'] },
    { name: 'empty pids.current', file: v2('pids.current'), damage: empty, code: 'PARSE', lost: ['pids.current'] },
    { name: 'malformed cgroup.procs', file: v2('cgroup.procs'), damage: malformed('x\n'), code: 'PARSE', lost: ['processes'] },
    { name: 'malformed io.pressure', file: v2('io.pressure'), damage: malformed('full avg10=oops\n'), code: 'PARSE', lost: ['pressure.io'] },
  ]);
});
