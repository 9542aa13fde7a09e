/**
 * The unit/system split of vitest.config.ts stays true as files are added: a file that uses a
 * helper needing root, the real runtime, the collector, Prometheus or a spawned agent must be listed
 * in test/projects.ts (in `unit` it would only skip, since the global setups run for `system` only).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SYSTEM_MARKERS, SYSTEM_TEST_FILES } from './projects.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const testFiles = readdirSync(join(REPO, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules'))
  .map((f) => `test/${f}`)
  .sort();

describe('vitest projects', () => {
  it('every listed system file exists', () => {
    expect(SYSTEM_TEST_FILES.filter((f) => !existsSync(join(REPO, f)))).toEqual([]);
  });

  it('every file using a system-only helper is in the system project', () => {
    const misplaced = testFiles.filter((f) => {
      if (SYSTEM_TEST_FILES.includes(f)) return false;
      const text = readFileSync(join(REPO, f), 'utf8');
      return SYSTEM_MARKERS.some((m) => m.test(text));
    });
    expect(misplaced).toEqual([]);
  });

  it('the unit project is not empty and the split covers every file once', () => {
    const unit = testFiles.filter((f) => !SYSTEM_TEST_FILES.includes(f));
    expect(unit.length).toBeGreaterThan(SYSTEM_TEST_FILES.length);
    expect(new Set(SYSTEM_TEST_FILES).size).toBe(SYSTEM_TEST_FILES.length);
    expect(unit).toContain('test/projects.test.ts');
  });
});
