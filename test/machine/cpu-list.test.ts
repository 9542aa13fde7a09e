import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseCpuList } from '../../src/machine/cpu-list.js';

describe('parseCpuList', () => {
  it.each([
    ['0-1\n', [0, 1]],
    ['0\n', [0]],
    ['0-1,4\n', [0, 1, 4]],
    ['0-3,8-11,16', [0, 1, 2, 3, 8, 9, 10, 11, 16]],
    ['4,0-1', [0, 1, 4]],
    ['0-2,1-3', [0, 1, 2, 3]],
    ['\n', []],
    ['', []],
  ])('%j → %j', (text, cpus) => {
    expect(parseCpuList(text)).toEqual(cpus);
  });

  it.each([['a'], ['0-'], ['-1'], ['3-1'], ['0,,1'], ['0-99999999']])('throws ParseError for %j', (text) => {
    expect(() => parseCpuList(text, '/sys/devices/system/cpu/online')).toThrow(ParseError);
  });
});
