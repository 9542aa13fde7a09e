import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { deviceNames, parseDiskstats } from '../../src/procfs/diskstats.js';

describe('parseDiskstats', () => {
  it('parses a 17-counter line (kernel >= 5.5) into named counters', () => {
    const [vda] = parseDiskstats(
      ' 254       0 vda 59244 22429 1324082 15424 4863 12890 1342720 2745 1 10692 18583 3456 26 60880 393 599 20\n',
    );
    expect(vda).toEqual({
      major: 254,
      minor: 0,
      name: 'vda',
      device: '/dev/vda',
      readsCompleted: 59244,
      readsMerged: 22429,
      sectorsRead: 1324082,
      readTimeMs: 15424,
      writesCompleted: 4863,
      writesMerged: 12890,
      sectorsWritten: 1342720,
      writeTimeMs: 2745,
      ioInProgress: 1,
      ioTimeMs: 10692,
      weightedIoTimeMs: 18583,
      discardsCompleted: 3456,
      discardsMerged: 26,
      sectorsDiscarded: 60880,
      discardTimeMs: 393,
      flushesCompleted: 599,
      flushTimeMs: 20,
    });
  });

  it('leaves discard and flush counters undefined on an 11-counter kernel (< 4.18)', () => {
    const [sda] = parseDiskstats('   8       0 sda 100 2 300 4 500 6 700 8 0 10 11\n');
    expect(sda?.writesCompleted).toBe(500);
    expect(sda?.weightedIoTimeMs).toBe(11);
    expect(sda?.discardsCompleted).toBeUndefined();
    expect(sda?.flushesCompleted).toBeUndefined();
  });

  it('maps the 4-counter partition lines of kernels before 2.6.25', () => {
    const [part] = parseDiskstats('   8    1 sda1 1000 8000 200 1600\n');
    expect(part).toEqual({
      major: 8,
      minor: 1,
      name: 'sda1',
      device: '/dev/sda1',
      readsCompleted: 1000,
      sectorsRead: 8000,
      writesCompleted: 200,
      sectorsWritten: 1600,
    });
  });

  it('keeps names with slashes and dm/nvme devices, and skips blank lines', () => {
    const disks = parseDiskstats(
      [
        ' 259       0 nvme0n1 1 0 0 0 0 0 0 0 0 0 0',
        '',
        ' 253       2 dm-2 1 0 0 0 0 0 0 0 0 0 0',
        ' 104       0 cciss/c0d0 1 0 0 0 0 0 0 0 0 0 0',
        '',
      ].join('\n'),
    );
    expect(disks.map((d) => d.device)).toEqual(['/dev/nvme0n1', '/dev/dm-2', '/dev/cciss/c0d0']);
  });

  it('keeps counters beyond 2^32 exact', () => {
    const [d] = parseDiskstats('8 0 sda 1 0 8589934592 0 0 0 0 0 0 0 0\n');
    expect(d?.sectorsRead).toBe(2 ** 33);
  });

  it('returns [] for an empty file', () => {
    expect(parseDiskstats('')).toEqual([]);
  });

  it.each([
    ['a line with only major and minor', '8 0\n'],
    ['a non-numeric major', 'x 0 sda 1 2 3 4 5 6 7 8 9 10 11\n'],
    ['a non-numeric counter', '8 0 sda 1 2 three 4 5 6 7 8 9 10 11\n'],
  ])('throws ParseError for %s', (_name, text) => {
    expect(() => parseDiskstats(text)).toThrow(ParseError);
  });
});

describe('deviceNames', () => {
  it('maps major:minor to /dev/<name>', () => {
    const names = deviceNames(parseDiskstats('254 0 vda 1 0 0 0 0 0 0 0 0 0 0\n254 1 vda1 1 0 0 0 0 0 0 0 0 0 0\n'));
    expect(names.get('254:0')).toBe('/dev/vda');
    expect(names.get('254:1')).toBe('/dev/vda1');
    expect(names.get('8:0')).toBeUndefined();
  });
});
