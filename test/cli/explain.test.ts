import { describe, expect, it } from 'vitest';
import { explain, explainInputs, explainText, rawValue } from '../../src/cli/explain.js';
import type { ContainerMetricSpec } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import type { FileRead } from '../../src/cli/recording-reader.js';
import { both, v1, v2 } from '../../src/metrics/rows/explain.js';

describe('rawValue', () => {
  it('takes the rest of the line a key starts, a /proc/<pid>/stat field by name, or the lines holding a word', () => {
    expect(rawValue('cache 10\ntotal_inactive_file 4096\n', 'total_inactive_file', 'memory.stat')).toBe('4096');
    expect(rawValue('Name:\tsh\nVmRSS:\t   876 kB\n', 'VmRSS', '/proc/<pid>/status')).toBe('876 kB');
    expect(rawValue('42 (a) b) R 1 42 42 0 -1 0 0 0 0 0 1234 56 0 0 20 0 1 0 9 100 7\n', 'utime', '/proc/<pid>/stat')).toBe('1234');
    expect(rawValue('8:0 Read 4096\n8:0 Write 0\nTotal 4096\n', 'Read', 'blkio.throttle.io_service_bytes')).toBe('8:0 Read 4096');
    expect(rawValue(' 123\n', undefined, 'memory.usage_in_bytes')).toBe('123');
    expect(rawValue('a 1\n', 'b', 'x.stat')).toBeUndefined();
  });
});

describe('explainInputs', () => {
  const layout = { mode: 'v1' as const, v1: new Map([['memory', '/sys/fs/cgroup/memory'], ['cpu', '/sys/fs/cgroup/cpu']]) };
  const reads: FileRead[] = [
    { path: '/sys/fs/cgroup/memory/kubepods/p/c/memory.usage_in_bytes', text: '1000\n', atMs: 0 },
    { path: '/sys/fs/cgroup/memory/kubepods/p/other/memory.usage_in_bytes', text: '5\n', atMs: 0 },
    { path: '/sys/fs/cgroup/memory/kubepods/p/c/memory.stat', text: 'total_inactive_file 200\n', atMs: 1 },
    { path: '/proc/7/net/dev', text: 'eth0: 1 2\n', atMs: 2 },
    { path: '/proc/8/net/dev', text: 'eth0: 9 9\n', atMs: 2 },
  ];
  it("shows this cgroup's reads of the inputs that apply to the cgroup mode, with their time", () => {
    const out = explainInputs([v1('memory.usage_in_bytes'), v1('memory.stat', 'total_inactive_file'), v2('memory.current'), both('/proc/<pid>/net/dev'), both('CRI x')], reads, {
      layout,
      procRoot: '/proc',
      cgroupPath: '/kubepods/p/c',
      pids: new Set([7]),
    });
    expect(out).toEqual([
      { file: 'memory.usage_in_bytes', path: '/sys/fs/cgroup/memory/kubepods/p/c/memory.usage_in_bytes', value: '1000', readAt: '1970-01-01T00:00:00.000Z' },
      { file: 'memory.stat', key: 'total_inactive_file', path: '/sys/fs/cgroup/memory/kubepods/p/c/memory.stat', value: '200', readAt: '1970-01-01T00:00:00.001Z' },
      { file: '/proc/<pid>/net/dev', path: '/proc/7/net/dev', value: 'eth0: 1 2', readAt: '1970-01-01T00:00:00.002Z' },
      { file: 'CRI x', note: 'from the container runtime, not a kernel file' },
    ]);
  });
  it('says so when an input was not read', () => {
    const [only] = explainInputs([both('memory.failcnt')], reads, { layout, procRoot: '/proc', cgroupPath: '/kubepods/p/c', pids: new Set() });
    expect(only?.note).toMatch(/not read in this cycle/);
  });
});

describe('explain of a row without explain data (rows other work adds before the lead fills them in)', () => {
  it('shows the row\'s source as the formula, the value and no inputs', () => {
    const spec: ContainerMetricSpec = {
      entity: 'container',
      instrument: 'gauge',
      valueType: 'int',
      attributes: [],
      enabled: true,
      name: 'container_new_thing',
      description: 'Something new.',
      unit: '{thing}',
      group: 'process',
      source: 'v1 thing.count; v2 thing.current',
      points: (s) => (s.cgroup?.processes === undefined ? [] : [{ value: s.cgroup.processes }]),
    };
    const sample = { identity: { id: '/kubepods/p/c', name: 'c1', image: '', container: 'app', pod: 'web', namespace: 'ns' }, lastSeenSeconds: 1, cgroup: { processes: 3 } };
    const e = explain(spec, { containers: [sample], agent: new SelfStats() }, [], [], { pod: 'web', container: 'app' }, { layout: { mode: 'v2', v1: new Map(), unified: '/sys/fs/cgroup' }, procRoot: '/proc' });
    expect(e).toMatchObject({ formula: 'v1 thing.count; v2 thing.current', inputs: [], points: [{ value: 3 }], target: { kind: 'container', pod: 'web', container: 'app' } });
    expect(e.meaning).toBeUndefined();
    expect(explainText(e)).toMatch(/^formula: v1 thing\.count; v2 thing\.current$/m);
  });
});
