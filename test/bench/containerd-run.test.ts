import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { npmStartNodeFlags } from '../../bench/containerd-run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the containerd bench runs the agent with npm start\'s node flags', () => {
  it('finds the same flags the image\'s CMD has before dist/src/main.js', () => {
    const cmdLine = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('CMD '));
    const cmd = JSON.parse((cmdLine ?? 'CMD []').slice(4)) as string[];
    expect(npmStartNodeFlags(ROOT)).toEqual(cmd.slice(1, cmd.indexOf('dist/src/main.js')));
  });

  it('reads flags between node and the script, and none when there are none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-pkg-'));
    try {
      const write = (start: string) => writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start } }));
      write('node scripts/ensure-built.mjs && exec node --a=1 --b dist/src/main.js --config x.yaml');
      expect(npmStartNodeFlags(dir)).toEqual(['--a=1', '--b']);
      write('node scripts/ensure-built.mjs && exec node dist/src/main.js --config x.yaml');
      expect(npmStartNodeFlags(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
