import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';

describe('parseMeminfo', () => {
  it('converts kB lines to bytes and keeps unitless lines as counts', () => {
    const m = parseMeminfo(
      [
        'MemTotal:       24684084 kB',
        'MemFree:        23495572 kB',
        'Active(anon):       1564 kB',
        'SwapTotal:             0 kB',
        'HugePages_Total:       4',
        'Hugepagesize:       2048 kB',
        '',
      ].join('\n'),
    );
    expect(m).toEqual({
      MemTotal: 24684084 * 1024,
      MemFree: 23495572 * 1024,
      'Active(anon)': 1564 * 1024,
      SwapTotal: 0,
      HugePages_Total: 4,
      Hugepagesize: 2048 * 1024,
    });
  });

  it('leaves SwapTotal undefined when the kernel does not print it (absent is not zero)', () => {
    const m = parseMeminfo('MemTotal:        1000 kB\nMemFree:          500 kB\n');
    expect(m.MemTotal).toBe(1024000);
    expect(m.SwapTotal).toBeUndefined();
    expect('SwapTotal' in m).toBe(false);
  });

  it.each([
    ['empty file', ''],
    ['only newlines', '\n\n'],
    ['lines without a colon', 'garbage line\nanother\n'],
  ])('returns an empty map for %s', (_name, text) => {
    expect(parseMeminfo(text)).toEqual({});
  });

  it('keeps values beyond 2^32 KiB exact (VmallocTotal on x86_64)', () => {
    expect(parseMeminfo('VmallocTotal:   34359738367 kB\n').VmallocTotal).toBe(34359738367 * 1024);
  });

  it.each([
    ['non-numeric value', 'MemTotal:       lots kB\n'],
    ['negative value', 'MemTotal:       -5 kB\n'],
    ['missing value', 'MemTotal:\n'],
    ['unknown unit', 'MemTotal:       5 MB\n'],
  ])('throws ParseError naming the file for %s', (_name, text) => {
    expect(() => parseMeminfo(text, '/host/proc/meminfo')).toThrow(ParseError);
    expect(() => parseMeminfo(text, '/host/proc/meminfo')).toThrow(/^\/host\/proc\/meminfo: MemTotal/);
  });
});
