/**
 * Parsers of the /proc files of the opt-in groups (sched, tcp, udp, referenced_memory), against the
 * files captured from this kernel in test/fixtures/host-v1-optin (see its README) and inline edge cases.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseTcpStates, parseUdpCounts, TCP_STATES } from '../../src/procfs/net-sockets.js';
import { parseSchedstat } from '../../src/procfs/schedstat.js';
import { parseReferencedBytes } from '../../src/procfs/smaps.js';

const PROC = 'test/fixtures/host-v1-optin/proc';
const read = (p: string) => readFileSync(`${PROC}/${p}`, 'utf8');

describe('parseSchedstat', () => {
  it('reads run time, runqueue time (ns) and timeslices of a real task', () => {
    expect(parseSchedstat(read('29555/schedstat'))).toEqual({ runNs: 7536452, runqueueNs: 94278573, runPeriods: 77 });
  });

  it('refuses anything but three unsigned numbers', () => {
    for (const bad of ['', '1 2', '1 2 3 4', '1 -2 3', '1 x 3']) expect(() => parseSchedstat(bad), bad).toThrow(ParseError);
  });
});

describe('parseTcpStates', () => {
  it('counts the host netns sockets of pid 1 per state: 2 established, 42 time-wait, 4 listening', () => {
    const c = parseTcpStates(read('1/net/tcp'));
    expect(Object.keys(c)).toEqual([...TCP_STATES]);
    expect(c).toMatchObject({ established: 2, timewait: 6 * 7, listen: 4, close: 0, synsent: 0 });
    expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(48);
  });

  it('sees the pod: the nc client in tcp, the listener on :: and the accepted end in tcp6', () => {
    expect(parseTcpStates(read('29555/net/tcp'))).toMatchObject({ established: 1, listen: 0 });
    expect(parseTcpStates(read('29555/net/tcp6'))).toMatchObject({ established: 1, listen: 1 });
  });

  it('an empty table is all zeros; an unknown state number is not counted; a non-hex state is malformed', () => {
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const line = (st: string) => `   0: 0100007F:1F90 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n`;
    expect(Object.values(parseTcpStates(header)).every((v) => v === 0)).toBe(true);
    expect(Object.values(parseTcpStates(header + line('0C'))).every((v) => v === 0)).toBe(true);
    expect(() => parseTcpStates(header + line('ZZ'))).toThrow(ParseError);
    expect(() => parseTcpStates('garbage\n')).toThrow(/no "sl" header/);
    expect(() => parseTcpStates(header + 'short line\n')).toThrow(ParseError);
  });
});

describe('parseUdpCounts', () => {
  it('counts the syslogd socket of the pod, and no socket in an empty table', () => {
    expect(parseUdpCounts(read('29555/net/udp'))).toEqual({ listen: 1, dropped: 0, rxQueued: 0, txQueued: 0 });
    expect(parseUdpCounts(read('1/net/udp6'))).toEqual({ listen: 0, dropped: 0, rxQueued: 0, txQueued: 0 });
  });

  it('sums tx_queue:rx_queue in the kernel order (cAdvisor swaps them) and the drops column', () => {
    const text =
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
      '  1: 00000000:0035 00000000:0000 07 00000010:00000200 00:00000000 00000000     0        0 111 2 0000000000000000 3\n' +
      '  2: 00000000:0044 00000000:0000 07 00000001:00000002 00:00000000 00000000     0        0 112 2 0000000000000000 4\n';
    expect(parseUdpCounts(text)).toEqual({ listen: 2, dropped: 7, txQueued: 0x11, rxQueued: 0x202 });
    expect(() => parseUdpCounts(text.replace('00000010:00000200', 'xyz'))).toThrow(ParseError);
  });
});

describe('parseReferencedBytes', () => {
  it('reads the Referenced line of a real smaps_rollup, in bytes', () => {
    expect(parseReferencedBytes(read('29585/smaps_rollup'))).toBe(1288 * 1024);
  });

  it('sums the per-mapping lines of smaps, ignores the word inside a path, and has no value without the line', () => {
    const smaps =
      '00400000-00401000 r-xp 00000000 08:01 1 /opt/Referenced: odd name\nRss: 4 kB\nReferenced:           4 kB\n' +
      '00600000-00700000 rw-p 00000000 00:00 0 [heap]\nReferenced:         100 kB\n';
    expect(parseReferencedBytes(smaps)).toBe(104 * 1024);
    expect(parseReferencedBytes('')).toBeUndefined();
    expect(() => parseReferencedBytes('Referenced: lots\n')).toThrow(ParseError);
  });
});
