import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The import-direction check of docs/architecture.md: every module under a root belongs to one
 * layer; it may import modules of its own layer and of lower-ranked layers only. Layers of equal
 * rank are peers and may not import each other. A cycle among runtime (non type-only) imports
 * fails as well, whatever the layers. Parsing uses the TypeScript compiler, so `import type`,
 * `export … from` and `import()` are all seen.
 */

export interface Layer {
  name: string;
  rank: number;
  /** Paths under the root: a file (`agent.ts`) or a directory ending in '/' (`cgroup/`). The longest match wins. */
  paths: readonly string[];
}

/** src/ from the bottom up. The order is the one docs/architecture.md draws. */
export const LAYERS: readonly Layer[] = [
  // Used everywhere. config/secrets.ts is pure string masking that the logger applies to every line.
  { name: 'base', rank: 0, paths: ['errors.ts', 'log.ts', 'version.ts', 'config/secrets.ts'] },
  // Kernel readers: files in, typed data out.
  { name: 'fs', rank: 1, paths: ['fs/'] },
  { name: 'procfs', rank: 2, paths: ['procfs/'] },
  { name: 'cgroup', rank: 3, paths: ['cgroup/'] },
  { name: 'machine', rank: 3, paths: ['machine/'] },
  { name: 'runtime', rank: 4, paths: ['runtime/'] },
  // Written by discovery, collection and export; read by the catalog's agent metrics.
  { name: 'telemetry', rank: 5, paths: ['telemetry/'] },
  { name: 'discovery', rank: 6, paths: ['discovery/'] },
  { name: 'collection', rank: 7, paths: ['collection/'] },
  { name: 'metrics', rank: 8, paths: ['metrics/'] },
  // Config may use the catalog (group and metric names, to validate metrics.*); nothing below it reads config.
  { name: 'config', rank: 9, paths: ['config/'] },
  { name: 'export/sdk', rank: 10, paths: ['export/sdk/'] },
  { name: 'export/http', rank: 10, paths: ['export/http/'] },
  { name: 'export/otlp', rank: 11, paths: ['export/otlp/'] },
  { name: 'export/prometheus', rank: 11, paths: ['export/prometheus/'] },
  { name: 'agent', rank: 12, paths: ['agent.ts'] },
  { name: 'main', rank: 13, paths: ['main.ts', 'cli/', 'otel-diag.ts'] },
];

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

export interface LayerReport {
  /** "a.ts (layer) → b.ts (layer)" for every import that points up or sideways to a peer. */
  wrongWay: string[];
  /** Files no layer claims. */
  unassigned: string[];
  /** Each runtime import cycle once, as "a.ts → b.ts → a.ts". */
  cycles: string[];
}

function listTs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Relative imports of one file; a declaration counts as type-only when every name it brings is a type. */
export function importsOf(file: string, text: string): { spec: string; typeOnly: boolean }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let typeOnly = false;
      if (clause) {
        const named = clause.namedBindings;
        typeOnly =
          clause.isTypeOnly ||
          (clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
      }
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) out.push({ spec: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((i) => i.spec.startsWith('.'));
}

export function layerOf(file: string, layers: readonly Layer[]): Layer | undefined {
  let best: { layer: Layer; len: number } | undefined;
  for (const layer of layers) {
    for (const p of layer.paths) {
      const hit = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (hit && (!best || p.length > best.len)) best = { layer, len: p.length };
    }
  }
  return best?.layer;
}

export function edgesUnder(root: string): { files: string[]; edges: Edge[] } {
  const absRoot = resolve(root);
  const files = listTs(absRoot);
  const edges: Edge[] = [];
  for (const from of files) {
    for (const { spec, typeOnly } of importsOf(from, readFileSync(join(absRoot, from), 'utf8'))) {
      const target = relative(absRoot, resolve(absRoot, dirname(from), spec.replace(/\.js$/, '.ts'))).split(sep).join('/');
      edges.push({ from, to: target, typeOnly });
    }
  }
  return { files, edges };
}

function findCycles(files: readonly string[], edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.typeOnly) next.get(e.from)?.push(e.to);
  const cycles: string[] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const dfs = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 'open') {
        const loop = stack.slice(stack.indexOf(t));
        // One entry per cycle, whichever member the walk entered it by.
        const key = [...loop].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...loop, t].join(' → '));
        }
      } else if (!state.has(t)) dfs(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) dfs(f);
  return cycles;
}

export function checkLayers(root: string, layers: readonly Layer[] = LAYERS): LayerReport {
  const { files, edges } = edgesUnder(root);
  const unassigned = files.filter((f) => layerOf(f, layers) === undefined);
  const wrongWay: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from, layers);
    const b = layerOf(e.to, layers);
    if (!a || !b || a === b) continue;
    if (b.rank > a.rank || (b.rank === a.rank && a !== b)) {
      wrongWay.push(`${e.from} (${a.name}) → ${e.to} (${b.name})${e.typeOnly ? ' [type-only]' : ''}`);
    }
  }
  return { wrongWay, unassigned, cycles: findCycles(files, edges) };
}
