import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parsePidList } from '../../src/procfs/pid-list.js';
import { noTasks, taskStateOf } from '../../src/procfs/task-state.js';

describe('parsePidList', () => {
  it('reads one pid a line, deduplicated, in file order', () => {
    expect(parsePidList('29686\n29687\n\n29686\n12\n', 'cgroup.procs')).toEqual([29686, 29687, 12]);
    expect(parsePidList('', 'cgroup.procs')).toEqual([]);
  });

  it('throws ParseError naming the file for a line that is not a pid', () => {
    expect(() => parsePidList('12\nabc\n', '/sys/fs/cgroup/x/tasks')).toThrow(ParseError);
    expect(() => parsePidList('-1\n', '/sys/fs/cgroup/x/tasks')).toThrow(/x\/tasks: not a pid/);
  });
});

describe('taskStateOf (the kernel cgroupstats buckets)', () => {
  it('maps R, S, D, T and nothing else', () => {
    expect(['R', 'S', 'D', 'T'].map(taskStateOf)).toEqual(['running', 'sleeping', 'uninterruptible', 'stopped']);
    for (const other of ['I', 't', 'Z', 'X', 'P', 'W', 'K', 'x']) expect(taskStateOf(other), other).toBeUndefined();
    expect(noTasks()).toEqual({ running: 0, sleeping: 0, uninterruptible: 0, stopped: 0 });
  });
});
