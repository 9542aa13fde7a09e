/**
 * Every boolean, duration and number key against every spelling, through each source (environment,
 * flag, YAML file): what is accepted means what it says, everything else is a ConfigError naming
 * the key, the value as given and what is allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/formats.js';
import { loadConfig } from '../../src/config/load.js';
import { leafPaths, type SchemaLeaf } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { configError as errorOf } from '../helpers/config-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'podpulse-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

type Source = 'env' | 'flag' | 'file';
const SOURCES: Source[] = ['env', 'flag', 'file'];

/** YAML for `path: value`, the value written as given (a string scalar unless `raw`). */
function yamlFor(path: string, value: string, raw: boolean): string {
  const segs = path.split('.');
  const last = segs.pop() as string;
  const lines = segs.map((s, i) => `${'  '.repeat(i)}${s}:`);
  lines.push(`${'  '.repeat(segs.length)}${last}: ${raw ? value : JSON.stringify(value)}`);
  return lines.join('\n') + '\n';
}

/** Loads with `path` set to `value` through `source` (file: a quoted YAML string, or raw YAML). */
function loadWith(path: string, leaf: SchemaLeaf, value: string, source: Source, rawYaml = false): unknown {
  // An http:// endpoint refuses tls.insecure, and the export timeout is clamped to the interval:
  // give those keys the setting they live with.
  const base =
    path === 'export.otlp.tls.insecure'
      ? ['--export-otlp-endpoint', 'https://collector:4317']
      : path === 'export.otlp.timeout'
        ? ['--collection-interval', '1h']
        : [];
  let loaded;
  if (source === 'env') loaded = loadConfig(base, { [leaf.env as string]: value });
  else if (source === 'flag') loaded = loadConfig([...base, `--${leaf.arg}`, value], {});
  else {
    const file = join(dir, `c${files++}.yaml`);
    writeFileSync(file, yamlFor(path, value, rawYaml));
    loaded = loadConfig([...base, '--config', file], {});
  }
  // Where the schema puts this key in AgentConfig (its `as`, e.g. collection.intervalMs).
  const configPath = leaves.find((l) => l.path === path)?.configPath as string;
  let v: unknown = loaded.config;
  for (const seg of configPath.split('.')) v = (v as Record<string, unknown>)[seg];
  return v;
}

const leaves = leafPaths();
const booleans = leaves.filter((l) => typeof l.leaf.default === 'boolean');
const durations = leaves.filter((l) => l.leaf.format === 'duration-ms');

describe('boolean keys', () => {
  it('are every key with a boolean default (metric groups, TLS insecure, Prometheus enabled), all strict', () => {
    for (const b of booleans) expect(b.leaf.format, b.path).toBe('bool');
    const paths = booleans.map((b) => b.path);
    expect(paths).toContain('export.otlp.tls.insecure');
    expect(paths).toContain('export.prometheus.enabled');
    expect(paths.filter((p) => p.startsWith('metrics.groups.')).length).toBeGreaterThan(5);
  });

  const accepted: [string, boolean][] = [
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['FALSE', false],
    ['False', false],
  ];
  const rejected = ['no', 'yes', '0', '1', 'off', 'on', '', 'n', 'y', 'tru', ' ', 'disabled', 'null'];

  for (const { path, leaf } of booleans) {
    for (const source of SOURCES) {
      it(`${path} via ${source}: true/false in any case mean what they say`, () => {
        for (const [text, want] of accepted) expect(loadWith(path, leaf, text, source), `${source} ${text}`).toBe(want);
      });
      it(`${path} via ${source}: ${rejected.map((r) => JSON.stringify(r)).join(' ')} are errors naming key, value and "true or false"`, () => {
        for (const text of rejected) {
          const msg = errorOf(() => loadWith(path, leaf, text, source));
          expect(msg, `${source} ${JSON.stringify(text)}`).toBe(`${path}: must be true or false: value was ${JSON.stringify(text)}`);
        }
      });
    }
    it(`${path} in YAML: plain true/false scalars work, yes/no/on/off/1/0/~ do not`, () => {
      expect(loadWith(path, leaf, 'true', 'file', true)).toBe(true);
      expect(loadWith(path, leaf, 'false', 'file', true)).toBe(false);
      for (const text of ['yes', 'no', 'on', 'off', '1', '0', '~']) {
        expect(() => loadWith(path, leaf, text, 'file', true), text).toThrow(`${path}: must be true or false`);
      }
    });
  }
});

describe('duration keys', () => {
  const MAX_TIMER = 2 ** 31 - 1;
  it('each declares min and max (a duration without bounds can still be a 1 ms timer)', () => {
    expect(durations.length).toBeGreaterThanOrEqual(4);
    for (const { path, leaf } of durations) expect({ path, min: leaf.min !== undefined, max: leaf.max !== undefined }).toEqual({ path, min: true, max: true });
  });

  for (const { path, leaf } of durations) {
    const min = parseDuration(leaf.min ?? 1);
    const max = parseDuration(leaf.max ?? MAX_TIMER);
    // Every spelling, kept where the key's bounds allow it.
    const spellings: [string, number][] = [
      ['500ms', 500],
      ['2s', 2000],
      ['1.5s', 1500],
      ['1m', 60_000],
      ['250', 250],
      [' 3s ', 3000],
      ['1h', 3_600_000],
      [formatDuration(min), min],
      [formatDuration(max), max],
    ];
    const good = spellings.filter(([, ms]) => ms >= min && ms <= max);
    // Out of this key's bounds by one unit of its own bound.
    const outside = [...(min > 1 ? [`${min - 1}ms`] : []), ...(max < MAX_TIMER ? [`${max + 1}`] : [])];
    for (const source of SOURCES) {
      it(`${path} via ${source}: ${good.map(([t]) => JSON.stringify(t)).join(' ')} inside ${formatDuration(min)}–${formatDuration(max)}`, () => {
        for (const [text, ms] of good) expect(loadWith(path, leaf, text, source), text).toBe(ms);
      });
      it(`${path} via ${source}: zero, negative, sub-millisecond, 2^31 ms and more, garbage and ${outside.join(', ')} are errors`, () => {
        const bad = ['0', '0ms', '0s', '-5s', '-1', '0.5ms', String(2 ** 31), '2147483648ms', '25d', '1e3', '10 s', 's', '', 'often', ...outside];
        for (const text of bad) {
          const msg = errorOf(() => loadWith(path, leaf, text, source));
          expect(msg.split('\n'), `${source} ${JSON.stringify(text)}`).toHaveLength(1);
          expect(msg, `${source} ${JSON.stringify(text)}`).toMatch(new RegExp(`^${path.replace(/\./g, '\\.')}: must be .*: value was ${JSON.stringify(JSON.stringify(text)).slice(1, -1)}$`));
        }
      });
    }
  }

  it('names the allowed range', () => {
    expect(errorOf(() => loadConfig(['--collection-interval', '25h'], {}))).toBe('collection.interval: must be between 100ms and 24h: value was "25h"');
    expect(errorOf(() => loadConfig(['--collection-interval', '50ms'], {}))).toBe('collection.interval: must be between 100ms and 24h: value was "50ms"');
    expect(errorOf(() => loadConfig([], { PODPULSE_CRI_TIMEOUT: '11m' }))).toBe('cri.timeout: must be between 100ms and 10m: value was "11m"');
    expect(errorOf(() => loadConfig([], { PODPULSE_EXPORT_OTLP_TIMEOUT: '2147483648' }))).toMatch(
      /^export\.otlp\.timeout: must be between 1ms and 2147483647ms .*: value was "2147483648"$/,
    );
    expect(loadConfig(['--collection-interval', '24h'], {}).config.collection.intervalMs).toBe(86_400_000);
    expect(loadConfig(['--collection-interval', '100ms'], {}).config.collection.intervalMs).toBe(100);
  });

  it('reports a negative flag value as given, not as "true"', () => {
    expect(errorOf(() => loadConfig(['--collection-interval', '-5s'], {}))).toBe(
      'collection.interval: must be a positive duration such as 500ms, 10s, 1m or 1h: value was "-5s"',
    );
    expect(errorOf(() => loadConfig(['--collection-interval=-5s'], {}))).toMatch(/value was "-5s"$/);
    expect(errorOf(() => loadConfig(['--discovery-max-depth', '-1'], {}))).toBe('discovery.maxDepth: must be a whole number >= 0: value was "-1"');
  });
});

describe('number keys', () => {
  const cases: [string, string[], string[], string][] = [
    ['collection.maxOpenFiles', ['0', '8192', '65536'], ['65537', '-1', '1.5', '12abc', '1e3', '', 'many'], '0–65536'],
    ['discovery.maxDepth', ['0', '32'], ['33', '-1', 'x'], '0–32'],
    ['discovery.maxCgroups', ['0', '100000'], ['100001', '-5'], '0–100000'],
    ['export.otlp.replaySnapshots', ['0', '100'], ['101', '1000000', '-1', '5x'], '0–100'],
    ['export.prometheus.port', ['1', '9464', '65535'], ['0', '65536', '-1', '9464abc', '', 'http'], '1–65535'],
  ];
  for (const [path, good, bad, range] of cases) {
    const leaf = leaves.find((l) => l.path === path)?.leaf as SchemaLeaf;
    for (const source of SOURCES) {
      it(`${path} via ${source}: ${range} accepted, ${bad.map((b) => JSON.stringify(b)).join(' ')} rejected`, () => {
        for (const text of good) expect(loadWith(path, leaf, text, source)).toBe(Number(text));
        for (const text of bad) {
          const msg = errorOf(() => loadWith(path, leaf, text, source));
          expect(msg.startsWith(`${path}: must be `), msg).toBe(true);
          // Strings keep their quotes; a file's number stays a number. Either way the value as given.
          expect(msg, `${source} ${JSON.stringify(text)}`).toMatch(new RegExp(`: value was "?${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?$`));
        }
      });
    }
  }

  it('names the allowed range', () => {
    expect(errorOf(() => loadConfig(['--export-otlp-replay-snapshots', '1000'], {}))).toBe('export.otlp.replaySnapshots: must be at most 100: value was "1000"');
    expect(errorOf(() => loadConfig([], { PODPULSE_EXPORT_PROMETHEUS_PORT: '0' }))).toBe('export.prometheus.port: must be a port 1-65535: value was "0"');
  });

  it('reports every bad key at once, format and range problems alike', () => {
    const lines = errorOf(() =>
      loadConfig(['--collection-interval', '48h', '--export-prometheus-enabled', 'no', '--discovery-max-depth', '99'], {}),
    ).split('\n');
    expect(lines.sort()).toEqual([
      'collection.interval: must be between 100ms and 24h: value was "48h"',
      'discovery.maxDepth: must be at most 32: value was "99"',
      'export.prometheus.enabled: must be true or false: value was "no"',
    ]);
  });
});
