import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayers, LAYERS } from './layer-check.js';

/** Writes `files` (path → text) under a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'podpulse-layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Readable failure: the offending imports, one per line. */
function describeReport(r: ReturnType<typeof checkLayers>): string {
  return [
    ...r.wrongWay.map((w) => `wrong way: ${w}`),
    ...r.unassigned.map((f) => `in no layer (add it to LAYERS in test/architecture/layer-check.ts): ${f}`),
    ...r.cycles.map((c) => `cycle: ${c}`),
  ].join('\n');
}

describe('src/ imports point one way (docs/architecture.md)', () => {
  it('every module is in a layer, imports only its own or lower layers, and no runtime imports form a cycle', () => {
    const report = checkLayers('src');
    expect(describeReport(report)).toBe('');
  });
});

describe('the layer check itself', () => {
  it('fails on an import that points up, naming both ends', () => {
    const root = tree({
      'errors.ts': 'export class AgentError extends Error {}\n',
      'metrics/catalog.ts': "import { AgentError } from '../errors.js';\nexport const catalog = [AgentError];\n",
      // A kernel reader reaching up into metrics: the kind of tie the layers forbid.
      'cgroup/read.ts': "import type { catalog } from '../metrics/catalog.js';\nexport type C = typeof catalog;\n",
    });
    const report = checkLayers(root, LAYERS);
    expect(report.wrongWay).toEqual(['cgroup/read.ts (cgroup) → metrics/catalog.ts (metrics) [type-only]']);
    expect(report.cycles).toEqual([]);
    expect(describeReport(report)).not.toBe('');
  });

  it('fails on an import between peers (export/otlp ↔ export/prometheus)', () => {
    const root = tree({
      'export/prometheus/text.ts': 'export const text = 1;\n',
      'export/otlp/delivery.ts': "export { text } from '../prometheus/text.js';\n",
    });
    expect(checkLayers(root, LAYERS).wrongWay).toEqual(['export/otlp/delivery.ts (export/otlp) → export/prometheus/text.ts (export/prometheus)']);
  });

  it('fails on a runtime import cycle inside one layer, and on a file no layer claims', () => {
    const root = tree({
      'discovery/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'discovery/b.ts': "export const b = async () => (await import('./a.js')).a;\n",
      'stray.ts': 'export {};\n',
    });
    const report = checkLayers(root, LAYERS);
    expect(report.cycles).toEqual(['discovery/a.ts → discovery/b.ts → discovery/a.ts']);
    expect(report.unassigned).toEqual(['stray.ts']);
    expect(report.wrongWay).toEqual([]);
  });

  it('passes a tree whose imports all point down', () => {
    const root = tree({
      'errors.ts': 'export class AgentError extends Error {}\n',
      'cgroup/read.ts': "import { AgentError } from '../errors.js';\nexport const e = AgentError;\n",
      'agent.ts': "import { e } from './cgroup/read.js';\nexport const x = e;\n",
    });
    expect(checkLayers(root, LAYERS)).toEqual({ wrongWay: [], unassigned: [], cycles: [] });
  });
});
