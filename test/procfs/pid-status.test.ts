import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseBootTime } from '../../src/procfs/boot-time.js';
import { cmdlineText, parsePidCmdline } from '../../src/procfs/pid-cmdline.js';
import { parsePidStatus } from '../../src/procfs/pid-status.js';

const STATUS = [
  'Name:\tmy worker',
  'Umask:\t0022',
  'State:\tS (sleeping)',
  'Tgid:\t20736',
  'PPid:\t20666',
  'Uid:\t1000\t1001\t1002\t1003',
  'VmSize:\t    2268 kB',
  'VmRSS:\t    1576 kB',
  'Threads:\t3',
  '',
].join('\n');

describe('parsePidStatus', () => {
  it('reads name (with its blank), state, ppid, uids, VmRSS/VmSize in bytes and threads', () => {
    expect(parsePidStatus(STATUS)).toEqual({ name: 'my worker', state: 'S', ppid: 20666, uids: [1000, 1001, 1002, 1003], rssBytes: 1576 * 1024, vszBytes: 2268 * 1024, threads: 3 });
  });

  it('leaves VmRSS undefined for a kernel thread or zombie (the kernel prints no Vm lines)', () => {
    const z = parsePidStatus(STATUS.replace(/^Vm.*\n/gm, '').replace('S (sleeping)', 'Z (zombie)'));
    expect(z.state).toBe('Z');
    expect(z.rssBytes).toBeUndefined();
    expect(z.vszBytes).toBeUndefined();
  });

  it('throws ParseError naming the file for a missing line or a bad unit', () => {
    expect(() => parsePidStatus(STATUS.replace(/^Threads.*$/m, ''), '/proc/7/status')).toThrow(/\/proc\/7\/status.*Threads/);
    expect(() => parsePidStatus(STATUS.replace('1576 kB', '1576 MB'))).toThrow(ParseError);
  });

  it("parses this test process's own status as the kernel writes it", () => {
    const s = parsePidStatus(readFileSync('/proc/self/status', 'utf8'));
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(s.rssBytes).toBeGreaterThan(0);
    expect(s.uids[0]).toBe(process.getuid?.());
  });
});

describe('parsePidCmdline', () => {
  it('splits on NUL and drops the trailing one', () => {
    expect(parsePidCmdline('sh\0-c\0while :; do :; done\0')).toEqual(['sh', '-c', 'while :; do :; done']);
  });
  it('is empty for kernel threads and keeps a rewritten argv without NULs as one argument', () => {
    expect(parsePidCmdline('')).toEqual([]);
    expect(parsePidCmdline('nginx: worker process')).toEqual(['nginx: worker process']);
  });
  it('quotes arguments with blanks or quotes so the line can be pasted into a shell', () => {
    expect(cmdlineText(['sh', '-c', "echo 'hi' there", ''])).toBe(`sh -c 'echo '\\''hi'\\'' there' ''`);
  });
  it("reads this process's own command line", () => {
    expect(parsePidCmdline(readFileSync('/proc/self/cmdline', 'utf8'))[0]).toMatch(/node/);
  });
});

describe('parseBootTime', () => {
  it('reads btime from /proc/stat', () => {
    expect(parseBootTime('cpu  1 2 3\nintr 5\nbtime 1769154392\nprocesses 9\n')).toBe(1769154392);
    expect(parseBootTime(readFileSync('/proc/stat', 'utf8'))).toBeLessThan(Date.now() / 1000);
  });
  it('throws ParseError without a btime line', () => {
    expect(() => parseBootTime('cpu 1 2 3\n')).toThrow(ParseError);
  });
});
