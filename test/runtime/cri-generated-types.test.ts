import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = join(root, 'src/runtime/cri/generated');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

describe('src/runtime/cri/generated/ is what `npm run proto:types` makes of api.proto', () => {
  const out = mkdtempSync(join(tmpdir(), 'podpulse-proto-types-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates byte for byte (run `npm run proto:types` after changing api.proto)', () => {
    execFileSync(process.execPath, [join(root, 'scripts/proto-types.mjs'), out], { cwd: root, stdio: 'pipe' });
    const fresh = files(out);
    // The messages the client decodes must be among them, or the comparison proves nothing.
    expect(fresh).toContain('runtime/v1/ContainerStatsFilter.ts');
    expect(fresh).toContain('runtime/v1/RuntimeService.ts');
    expect(files(committed)).toEqual(fresh);
    for (const f of fresh) {
      expect(readFileSync(join(committed, f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
    }
  });
});
