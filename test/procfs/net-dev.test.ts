import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { IGNORED_INTERFACE_PREFIXES, isIgnoredInterface, parseNetDev } from '../../src/procfs/net-dev.js';

const HEADER = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
`;

describe('parseNetDev', () => {
  it('skips the two header lines and parses every counter', () => {
    const text =
      HEADER +
      '    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n' +
      '  eth0: 169995112    5310    1    2    3     4          5         6   407541    3383    7    8    9    10      11         12\n';
    const ifaces = parseNetDev(text);
    expect(ifaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
    expect(ifaces[1]).toEqual({
      name: 'eth0',
      rxBytes: 169995112,
      rxPackets: 5310,
      rxErrs: 1,
      rxDrop: 2,
      rxFifo: 3,
      rxFrame: 4,
      rxCompressed: 5,
      rxMulticast: 6,
      txBytes: 407541,
      txPackets: 3383,
      txErrs: 7,
      txDrop: 8,
      txFifo: 9,
      txColls: 10,
      txCarrier: 11,
      txCompressed: 12,
    });
  });

  it('separates a name glued to a counter that outgrew its column, and keeps huge counters', () => {
    const text =
      HEADER +
      '  eth0:12345678901234 98765432101    0    0    0     0          0         0 5000000000 4294967297    0    0    0     0       0          0\n';
    const [eth0] = parseNetDev(text);
    expect(eth0?.name).toBe('eth0');
    expect(eth0?.rxBytes).toBe(12345678901234);
    expect(eth0?.rxPackets).toBe(98765432101);
    expect(eth0?.txBytes).toBe(5_000_000_000);
    expect(eth0?.txPackets).toBe(2 ** 32 + 1);
  });

  it('keeps 15-character names that push the colon past the padding', () => {
    const text =
      HEADER +
      'cali1234567890a:     100       2    0    0    0     0          0         0      200       3    0    0    0     0       0          0\n' +
      'vethabcdef12345: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
    expect(parseNetDev(text).map((i) => [i.name, i.rxBytes, i.txPackets])).toEqual([
      ['cali1234567890a', 100, 3],
      ['vethabcdef12345', 0, 0],
    ]);
  });

  it.each([
    ['empty file', ''],
    ['headers only', HEADER],
  ])('returns [] for %s', (_name, text) => {
    expect(parseNetDev(text)).toEqual([]);
  });

  it.each([
    ['too few counters', HEADER + '  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n'],
    ['a non-numeric counter', HEADER + '  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n'],
    ['a negative counter', HEADER + '  eth0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'],
    ['an empty name', HEADER + '      : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n'],
  ])('throws ParseError for %s', (_name, text) => {
    expect(() => parseNetDev(text)).toThrow(ParseError);
  });
});

describe('isIgnoredInterface', () => {
  it('uses cAdvisor\'s prefixes', () => {
    expect(IGNORED_INTERFACE_PREFIXES).toEqual(['lo', 'veth', 'docker', 'nerdctl']);
  });

  it.each([
    ['lo', true],
    ['loop0', true],
    ['veth1a2b3c', true],
    ['docker0', true],
    ['Docker0', true],
    ['nerdctl0', true],
    ['eth0', false],
    ['ens3', false],
    ['cni0', false],
    ['cali1234567890a', false],
    ['flannel.1', false],
    ['ifb0', false],
  ])('%s → %s', (name, ignored) => {
    expect(isIgnoredInterface(name)).toBe(ignored);
  });

  it('accepts a custom prefix list', () => {
    expect(isIgnoredInterface('cni0', ['cni'])).toBe(true);
    expect(isIgnoredInterface('lo', [])).toBe(false);
  });
});
