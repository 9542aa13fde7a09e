/**
 * AgentConfig is derived from the schema, type and value: every leaf lands at its config path (its
 * `as`, else its key path) with the type its format declares, and nothing else is in the object.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { cycleBudgets, HEALTH_STALE_INTERVALS } from '../../src/config/cycle-budgets.js';
import { parseDuration } from '../../src/config/formats.js';
import { loadConfig, type AgentConfig } from '../../src/config/load.js';
import { leafPaths, type ConfigEntries, type SchemaLeaf } from '../../src/config/schema.js';
import type { MetricGroup } from '../../src/metrics/spec.js';

// --- compile time: `npm run typecheck` fails when a leaf is missing from AgentConfig or typed apart.

/** The type at dotted path P of T (never when P is not there). */
type At<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? At<T[H], R> : never) : P extends keyof T ? T[P] : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([A] extends [never] ? false : true) : false) : false;
/** true for each leaf found in AgentConfig with exactly its format's type. */
type LeafFound<E> = E extends { path: infer P extends string; value: infer V } ? Same<At<AgentConfig, P>, V> : never;

expectTypeOf<LeafFound<ConfigEntries>>().toEqualTypeOf<true>();
// The renamed leaves and the formats that map to more than string or number.
expectTypeOf<AgentConfig['collection']['intervalMs']>().toEqualTypeOf<number>();
expectTypeOf<AgentConfig['export']['otlp']['timeoutMs']>().toEqualTypeOf<number>();
expectTypeOf<AgentConfig['resource']>().toEqualTypeOf<{ serviceName: string; serviceInstanceId: string; attributes: Record<string, string> }>();
expectTypeOf<AgentConfig['export']['otlp']['compression']>().toEqualTypeOf<'gzip' | 'none'>();
expectTypeOf<AgentConfig['export']['otlp']['headers']>().toEqualTypeOf<Record<string, string>>();
expectTypeOf<AgentConfig['metrics']['groups']>().toEqualTypeOf<Record<MetricGroup, boolean>>();
expectTypeOf<AgentConfig['metrics']['disabled']>().toEqualTypeOf<string[]>();
expectTypeOf<AgentConfig['metrics']['profile']>().toEqualTypeOf<'cadvisor' | 'semconv' | 'both'>();
expectTypeOf<AgentConfig['export']['prometheus']['port']>().toEqualTypeOf<number>();
expectTypeOf<AgentConfig['health']['enabled']>().toEqualTypeOf<boolean>();
// A leaf the schema does not declare is no property.
expectTypeOf<AgentConfig['collection']>().not.toHaveProperty('interval');
expectTypeOf<AgentConfig['resource']>().not.toHaveProperty('service');

// --- run time

const leaves = leafPaths();

function at(obj: unknown, path: string): unknown {
  let v = obj;
  for (const seg of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** The config paths of an object's leaves; a map-valued leaf (headers, attributes) counts once. */
function objectLeafPaths(obj: Record<string, unknown>, mapLeaves: Set<string>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !mapLeaves.has(p)) out.push(...objectLeafPaths(v as Record<string, unknown>, mapLeaves, p));
    else out.push(p);
  }
  return out;
}

/** Whether `value` is what `leaf`'s (strict) format yields. */
function hasFormatType(leaf: SchemaLeaf, value: unknown): boolean {
  if (Array.isArray(leaf.format)) return leaf.format.includes(value);
  switch (leaf.format) {
    case 'bool':
      return typeof value === 'boolean';
    case 'duration-ms':
    case 'count':
    case 'port-number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'headers':
    case 'string-map':
      return !!value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'string-list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'metric-overrides':
      return !!value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'boolean');
    default:
      return typeof value === 'string';
  }
}

const dir = mkdtempSync(join(tmpdir(), 'podpulse-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AgentConfig derived from the schema', () => {
  it('config paths are unique and none lies inside another', () => {
    const paths = leaves.map((l) => l.configPath);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths) expect(paths.filter((q) => q.startsWith(p + '.')), p).toEqual([]);
  });

  it('renames only where a leaf says `as`, and only to add a unit or drop a nesting level', () => {
    const renamed = leaves.filter((l) => l.configPath !== l.path).map((l) => [l.path, l.configPath]);
    expect(renamed).toEqual([
      ['collection.interval', 'collection.intervalMs'],
      ['cri.timeout', 'cri.timeoutMs'],
      ['cri.statsTimeout', 'cri.statsTimeoutMs'],
      ['cri.refreshTimeout', 'cri.refreshTimeoutMs'],
      ['export.otlp.timeout', 'export.otlp.timeoutMs'],
      ['resource.service.name', 'resource.serviceName'],
      ['resource.service.instance.id', 'resource.serviceInstanceId'],
    ]);
  });

  it('defaults: every leaf is in the object at its config path, typed by its format, and nothing else is', () => {
    const { config } = loadConfig([], {});
    for (const { path, configPath, leaf } of leaves) {
      const value = at(config, configPath);
      expect(hasFormatType(leaf, value), `${path} -> ${configPath}: ${JSON.stringify(value)}`).toBe(true);
      // Durations arrive in milliseconds; every other default as declared.
      expect(value, path).toEqual(leaf.format === 'duration-ms' ? parseDuration(leaf.default) : leaf.default);
    }
    const maps = new Set(leaves.filter((l) => l.leaf.format === 'headers' || l.leaf.format === 'string-map' || l.leaf.format === 'metric-overrides').map((l) => l.configPath));
    expect(objectLeafPaths(config as unknown as Record<string, unknown>, maps).sort()).toEqual(leaves.map((l) => l.configPath).sort());
  });

  it('a value set through each source reaches the renamed path', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'resource:\n  service:\n    instance:\n      id: node-7\ncri:\n  statsTimeout: 1m\n');
    const { config } = loadConfig(['--config', file, '--collection-interval', '2s', '--resource-service-name', 'kubelet'], {
      PODPULSE_CRI_REFRESH_TIMEOUT: '750ms',
      PODPULSE_EXPORT_OTLP_HEADERS: 'x-tenant=a',
    });
    expect(config.collection.intervalMs).toBe(2000);
    expect(config.resource.serviceName).toBe('kubelet');
    expect(config.resource.serviceInstanceId).toBe('node-7');
    expect(config.cri.statsTimeoutMs).toBe(60_000);
    expect(config.cri.refreshTimeoutMs).toBe(750);
    expect(config.export.otlp.headers).toEqual({ 'x-tenant': 'a' });
    // The default export timeout (10s) is clamped to the 2s interval.
    expect(config.export.otlp.timeoutMs).toBe(2000);
  });
});

describe('cycleBudgets', () => {
  it('derives every interval-bound deadline from the interval', () => {
    expect(cycleBudgets(10_000)).toEqual({ exportTimeoutMaxMs: 10_000, exportRetryBudgetMs: 8_000, healthStaleMs: 30_000 });
    expect(cycleBudgets(100)).toEqual({ exportTimeoutMaxMs: 100, exportRetryBudgetMs: 80, healthStaleMs: 300 });
  });

  it('the health.enabled doc states the liveness limit it uses', () => {
    const doc = leaves.find((l) => l.path === 'health.enabled')?.leaf.doc;
    expect(doc).toContain(`within ${HEALTH_STALE_INTERVALS} × collection.interval`);
  });
});
