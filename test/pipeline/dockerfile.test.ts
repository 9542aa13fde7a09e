/**
 * Dockerfile: pinned multi-stage build with npm only, and a CMD equal to `npm start`'s entry.
 * No Docker engine runs on the dev/CI machines, so the image is not built here; these checks parse
 * the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(current);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
    current = '';
  }
  return out;
}

const instructions = parseDockerfile(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
const froms = instructions.filter((i) => i.op === 'FROM');
/** Instructions per stage name. */
const stages = new Map<string, Instruction[]>();
{
  let name = '';
  for (const i of instructions) {
    if (i.op === 'FROM') {
      name = /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? String(stages.size);
      stages.set(name, []);
    } else stages.get(name)?.push(i);
  }
}

/** The node entry of `npm start` ("node scripts/ensure-built.mjs && exec node dist/src/main.js --config …"). */
function npmStartEntry(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
  // `exec` hands the shell's pid to node, so signals reach the agent directly.
  const parts = pkg.scripts.start!.split('&&').map((s) => s.trim().replace(/^exec\s+/, '').split(/\s+/));
  // node's own flags (V8 heap sizing) come before the script.
  const main = parts.find((p) => p[0] === 'node' && p.slice(1).find((a) => !a.startsWith('--'))?.startsWith('dist/'));
  if (!main) throw new Error(`no "node dist/…" step in npm start: ${pkg.scripts.start}`);
  return main;
}

describe('Dockerfile', () => {
  test('parses into a two-stage build', () => {
    expect(froms.map((f) => f.args)).toEqual(['node:20.20.2-bookworm-slim AS build', 'node:20.20.2-bookworm-slim AS runtime']);
    expect([...stages.keys()]).toEqual(['build', 'runtime']);
  });

  test('every FROM is pinned to an exact version (no latest, no bare major)', () => {
    for (const f of froms) {
      const image = f.args.split(/\s+/)[0]!;
      expect(image, f.args).toMatch(/^[^:]+:\d+\.\d+\.\d+[-\w.]*(@sha256:[0-9a-f]{64})?$/);
    }
    // The Node major matches package.json's engines.
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    for (const f of froms) expect(f.args).toContain(`node:${major}.`);
  });

  test('build stage: npm ci, then npm run build', () => {
    const runs = stages.get('build')!.filter((i) => i.op === 'RUN').map((i) => i.args);
    const ci = runs.findIndex((r) => /^npm ci\b/.test(r));
    const build = runs.findIndex((r) => /^npm run build\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(ci);
    expect(runs[ci]).not.toMatch(/--omit=dev/);
  });

  test('runtime stage: production dependencies and dist only', () => {
    const rt = stages.get('runtime')!;
    const runs = rt.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /^npm ci\b.*--omit=dev/.test(r))).toBe(true);
    const copies = rt.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /src/dist ./dist');
    // Nothing else comes from the build stage (no node_modules with dev dependencies, no sources).
    expect(copies.filter((c) => c.startsWith('--from='))).toHaveLength(1);
    for (const c of copies.filter((x) => !x.startsWith('--from='))) {
      for (const src of c.split(/\s+/).slice(0, -1)) expect(existsSync(`${ROOT}${src}`), src).toBe(true);
    }
  });

  test('only npm fetches anything: no curl, wget, ADD of URLs, apt-get', () => {
    for (const i of instructions) {
      expect(i.op, i.args).not.toBe('ADD');
      if (i.op === 'RUN') {
        expect(i.args).not.toMatch(/\b(curl|wget|apt-get|apk|git clone)\b/);
        expect(i.args).toMatch(/^npm /);
      }
    }
  });

  test('CMD runs the same entry as npm start, with the config path the deployments mount', () => {
    const cmds = instructions.filter((i) => i.op === 'CMD');
    expect(cmds).toHaveLength(1);
    const cmd = JSON.parse(cmds[0]!.args) as string[];
    const entry = npmStartEntry();
    const script = entry.indexOf('dist/src/main.js');
    expect(entry[0]).toBe('node');
    expect(entry.slice(1, script).every((flag) => flag.startsWith('--'))).toBe(true);
    expect(entry.slice(script, script + 2)).toEqual(['dist/src/main.js', '--config']);
    // The same node flags and entry as npm start; only the config path differs.
    expect(cmd).toEqual([...entry.slice(0, script + 2), '/etc/podpulse/podpulse.yaml']);
    expect(instructions.some((i) => i.op === 'ENTRYPOINT')).toBe(false);
    // The k8s DaemonSet and compose mount their config exactly there.
    expect(readFileSync(`${ROOT}deploy/kubernetes/daemonset.yaml`, 'utf8')).toContain('mountPath: /etc/podpulse');
    expect(readFileSync(`${ROOT}docker-compose.yml`, 'utf8')).toContain(':/etc/podpulse/podpulse.yaml:ro');
  });

  test('.dockerignore keeps node_modules, dist and .git out of the build context', () => {
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', '.git']) expect(ignored).toContain(p);
    // …but not what `npm run build` needs.
    for (const p of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'config']) {
      expect(ignored).not.toContain(p);
    }
  });
});
