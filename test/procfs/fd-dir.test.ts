import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GoneError } from '../../src/errors.js';
import { countFds } from '../../src/procfs/fd-dir.js';

const PYTHON_FD = new URL('../fixtures/proc-process/proc/29689/fd', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('countFds', () => {
  it('counts the captured fds of a python process holding a listening and a connected socket', () => {
    expect(countFds(PYTHON_FD, 100)).toEqual({ fds: 7, sockets: 2, truncated: false, linksRefused: 0 });
  });

  it('stops at the cap and says so', () => {
    const c = countFds(PYTHON_FD, 3);
    expect(c.fds).toBe(3);
    expect(c.truncated).toBe(true);
    expect(countFds(PYTHON_FD, 7).truncated).toBe(false);
  });

  it('counts a link that vanished between readdir and readlink as a descriptor only, never a "socket" that is not a link target prefix', () => {
    const d = mkdtempSync(join(tmpdir(), 'podpulse-fd-'));
    dirs.push(d);
    symlinkSync('socket:[1]', join(d, '0'));
    symlinkSync('/tmp/socket-file', join(d, '1'));
    symlinkSync('anon_inode:[eventpoll]', join(d, '2'));
    expect(countFds(d, 10)).toEqual({ fds: 3, sockets: 1, truncated: false, linksRefused: 0 });
  });

  it('counts descriptors the caller knows are not sockets without reading their link', () => {
    const d = mkdtempSync(join(tmpdir(), 'podpulse-fd-'));
    dirs.push(d);
    symlinkSync('socket:[1]', join(d, '0'));
    symlinkSync('socket:[2]', join(d, '1'));
    symlinkSync('/var/lib/kept-file', join(d, '2'));
    const asked: string[] = [];
    // '1' really is a socket link: told it is not one, the count proves its link was not read.
    const c = countFds(d, 10, (name) => {
      asked.push(name);
      return name === '1' || name === '2';
    });
    expect(c).toEqual({ fds: 3, sockets: 1, truncated: false, linksRefused: 0 });
    expect(asked.sort()).toEqual(['0', '1', '2']);
  });

  it('reads this process\'s own /proc/self/fd', () => {
    const c = countFds('/proc/self/fd', 100_000);
    expect(c.fds).toBeGreaterThanOrEqual(3);
  });

  it('gives the same counts by one listing (stat size within the cap) and entry by entry (beyond it)', () => {
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      const dir = `/proc/${child.pid}/fd`;
      const n = statSync(dir).size; // Linux >= 6.2: the number of open descriptors
      const listed = countFds(dir, 100);
      expect(listed.fds).toBe(readdirSync(dir).length);
      if (n > 0) {
        expect(listed.fds).toBe(n);
        const walked = countFds(dir, n - 1);
        expect(walked).toEqual({ ...listed, fds: n - 1, sockets: walked.sockets, truncated: true });
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('throws GoneError for a process that is gone', () => {
    expect(() => countFds('/proc/999999999/fd', 10)).toThrow(GoneError);
  });
});
