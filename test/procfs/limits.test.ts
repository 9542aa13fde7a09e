import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseMaxOpenFiles } from '../../src/procfs/limits.js';

const CAPTURED = readFileSync(new URL('../fixtures/proc-process/proc/29689/limits', import.meta.url), 'utf8');

describe('parseMaxOpenFiles', () => {
  it('reads the soft and hard "Max open files" of a captured /proc/<pid>/limits', () => {
    expect(parseMaxOpenFiles(CAPTURED)).toEqual({ soft: 20000, hard: 20000 });
  });

  it('writes "unlimited" as -1, as cAdvisor does', () => {
    expect(parseMaxOpenFiles('Limit  Soft Limit  Hard Limit  Units\nMax open files            unlimited            unlimited            files\n')).toEqual({ soft: -1, hard: -1 });
  });

  it('is undefined without the row, and throws ParseError for a malformed one', () => {
    expect(parseMaxOpenFiles('Max processes 10 10 processes\n')).toBeUndefined();
    expect(() => parseMaxOpenFiles('Max open files            many  files\n', '/proc/9/limits')).toThrow(ParseError);
    expect(() => parseMaxOpenFiles('Max open files\n')).toThrow(/expected soft and hard/);
  });
});
