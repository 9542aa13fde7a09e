/**
 * The CI contract: `.ci/run` runs exactly the README's test command, that command includes the
 * typecheck, and as root a real containerd must start (PODPULSE_TEST_RUNTIME=required, or its
 * default as root under CI, test/global-setup.ts). `.ci/run` is run here with a stand-in `npm` on
 * PATH that records what it was asked to do.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeMode } from './global-setup.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'podpulse-ci-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.ci/run', () => {
  const log = join(dir, 'npm.log');
  // Records its arguments and the runtime mode it was given, one line per call.
  writeFileSync(join(dir, 'npm'), `#!/bin/sh\necho "$* PODPULSE_TEST_RUNTIME=\${PODPULSE_TEST_RUNTIME-unset}" >> "${log}"\n`);
  chmodSync(join(dir, 'npm'), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  delete env.PODPULSE_TEST_RUNTIME;
  const r = spawnSync('bash', [join(REPO, '.ci/run')], { env, encoding: 'utf8', timeout: 30_000 });
  const calls = r.status === 0 ? readFileSync(log, 'utf8').trim().split('\n') : [];

  it('runs the README quick start test command, `npm ci && npm test`', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).toMatch(/^npm ci && npm test\b/m);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['ci', 'test']);
  });

  const root = process.getuid?.() === 0;
  it(`as root makes a runtime that cannot start fail the run (running as ${root ? 'root' : 'non-root: no mode set'})`, () => {
    for (const call of calls) expect(call).toMatch(root ? / PODPULSE_TEST_RUNTIME=required$/ : / PODPULSE_TEST_RUNTIME=unset$/);
  });

  it('npm test typechecks before vitest runs', () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.test).toBe(`${scripts.typecheck} && vitest run`);
  });
});

describe('runtimeMode (PODPULSE_TEST_RUNTIME)', () => {
  it.each([
    [{}, 0, 'auto'],
    [{}, 1000, 'auto'],
    [{ CI: 'true' }, 0, 'required'],
    [{ CI: '1' }, 0, 'required'],
    [{ CI: 'false' }, 0, 'auto'],
    [{ CI: '0' }, 0, 'auto'],
    [{ CI: 'true' }, 1000, 'auto'],
    [{ CI: 'true', PODPULSE_TEST_RUNTIME: 'auto' }, 0, 'auto'],
    [{ PODPULSE_TEST_RUNTIME: 'off' }, 0, 'off'],
    [{ PODPULSE_TEST_RUNTIME: 'required' }, 1000, 'required'],
    [{ PODPULSE_TEST_RUNTIME: '' }, 0, 'auto'],
  ] as const)('%o as uid %i → %s', (env, uid, mode) => {
    expect(runtimeMode(env, uid)).toBe(mode);
  });

  it('refuses an unknown value instead of treating it as auto', () => {
    expect(() => runtimeMode({ PODPULSE_TEST_RUNTIME: 'requried' }, 0)).toThrow(/value was "requried"/);
  });
});
