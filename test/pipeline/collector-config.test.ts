/**
 * otel-collector/config.yaml: component wiring and the prometheus_remote_write options that keep
 * podpulse's cAdvisor names and labels exact, checked structurally here; test/e2e/collector.test.ts
 * runs the file with the collector built from otel-collector/. The naming premise (the default
 * translation leaves every catalog name unchanged) is also checked against a port of the documented
 * UnderscoreEscapingWithSuffixes rules. The distribution's pins (go.mod) must match the contrib image
 * that compose and Kubernetes run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { catalog } from '../../src/metrics/catalog.js';
import { PROMOTED_RESOURCE_KEYS, RESOURCE_IDENTITY_KEYS } from '../../src/metrics/semconv/identity.js';
import { profileOf } from '../../src/metrics/spec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEXT = readFileSync(`${ROOT}otel-collector/config.yaml`, 'utf8');

type Section = Record<string, Record<string, unknown> | null>;
interface CollectorConfig {
  receivers: Section;
  processors: Section;
  exporters: Section;
  extensions: Section;
  service: {
    extensions: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    telemetry?: unknown;
  };
}
const cfg = parseYaml(TEXT) as CollectorConfig;
const prw = cfg.exporters.prometheus_remote_write as Record<string, unknown>;

describe('collector config wiring', () => {
  test('every component a pipeline names is defined, and the metrics pipeline is otlp -> memory_limiter, batch -> prometheus_remote_write', () => {
    const p = cfg.service.pipelines.metrics!;
    expect(p).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus_remote_write'] });
    for (const [name, pipe] of Object.entries(cfg.service.pipelines)) {
      expect(name).toMatch(/^metrics(\/.+)?$/);
      for (const r of pipe.receivers) expect(cfg.receivers, r).toHaveProperty([r]);
      for (const x of pipe.processors ?? []) expect(cfg.processors, x).toHaveProperty([x]);
      for (const e of pipe.exporters) expect(cfg.exporters, e).toHaveProperty([e]);
    }
    for (const e of cfg.service.extensions) expect(cfg.extensions, e).toHaveProperty([e]);
  });

  test('memory_limiter comes first and batch last (the collector\'s recommended order)', () => {
    const procs = cfg.service.pipelines.metrics!.processors!;
    expect(procs[0]).toBe('memory_limiter');
    expect(procs[procs.length - 1]).toBe('batch');
    expect(cfg.processors.memory_limiter).toMatchObject({ check_interval: expect.any(String), limit_percentage: expect.any(Number) });
  });

  test('OTLP/gRPC on 4317 by default, reachable from other hosts and pods; the listener comes from env', () => {
    expect(cfg.receivers.otlp).toMatchObject({ protocols: { grpc: { endpoint: '${env:OTLP_GRPC_ENDPOINT:-0.0.0.0:4317}' } } });
  });

  test('health_check is enabled on 13133 by default and a debug exporter is defined (not in the pipeline)', () => {
    expect(cfg.service.extensions).toContain('health_check');
    expect(cfg.extensions.health_check).toMatchObject({ endpoint: '${env:HEALTH_CHECK_ENDPOINT:-0.0.0.0:13133}' });
    expect(cfg.exporters).toHaveProperty(['debug']);
    expect(cfg.service.pipelines.metrics!.exporters).not.toContain('debug');
    expect(TEXT).toMatch(/# *exporters: \[prometheus_remote_write, debug\]/);
  });

  test('the distribution in otel-collector/ has exactly the components the configs use, at the image\'s version', () => {
    const goMod = readFileSync(`${ROOT}otel-collector/go.mod`, 'utf8');
    const components = readFileSync(`${ROOT}otel-collector/components.go`, 'utf8');
    const factories = [...components.matchAll(/^\t\t(\w+)\.NewFactory\(\),$/gm)].map((m) => m[1]).sort();
    expect(factories).toEqual(['batchprocessor', 'bearertokenauthextension', 'debugexporter', 'healthcheckextension', 'memorylimiterprocessor', 'otlpreceiver', 'prometheusremotewriteexporter']);
    // Core modules at one release (stable ones at the matching 1.x), contrib at the image's tag.
    const versions = [...goMod.matchAll(/^\s*(go\.opentelemetry\.io\/collector\S*|github\.com\/open-telemetry\/opentelemetry-collector-contrib\S*) (v\S+)/gm)];
    expect(versions.length).toBeGreaterThan(10);
    const contrib = versions.filter((v) => v[1]!.startsWith('github.com')).map((v) => v[2]);
    const core = new Set(versions.filter((v) => v[1]!.startsWith('go.opentelemetry.io')).map((v) => v[2]));
    expect(new Set(contrib)).toEqual(new Set(['v0.165.1']));
    expect(core).toEqual(new Set(['v0.165.0', 'v1.71.0']));
    const compose = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
    const deployment = readFileSync(`${ROOT}deploy/kubernetes/collector-deployment.yaml`, 'utf8');
    for (const text of [compose, deployment, TEXT]) expect(text).toContain('otel/opentelemetry-collector-contrib:0.165.1');
  });
});

describe('prometheusremotewrite keeps cAdvisor names and labels', () => {
  test('the remote-write URL comes from an env var with a default; metadata (HELP/TYPE) is sent', () => {
    expect(prw.http).toMatchObject({ endpoint: '${env:PROMETHEUS_REMOTE_WRITE_URL:-http://prometheus:9090/api/v1/write}' });
    // The flat (deprecated) client keys would be ignored once `http:` is set.
    expect(prw).not.toHaveProperty('endpoint');
    expect(prw.send_metadata).toBe(true);
  });

  test('naming options', () => {
    expect(prw.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    expect(prw.disable_scope_info).toBe(true);
    expect(prw.target_info).toEqual({ enabled: true });
    expect(prw.namespace ?? '').toBe('');
    // This would add every resource attribute as a label (host_name, os_type …) to every series.
    expect(prw).not.toHaveProperty('resource_to_telemetry_conversion');
    // Only the semconv profile's per-pod/container resource keys, which the node's resource never has.
    const included = (prw.resource_constant_labels as { included: string[] }).included;
    // The same list --print prometheus and the Prometheus endpoint promote.
    expect([...included].sort()).toEqual([...PROMOTED_RESOURCE_KEYS].sort());
    for (const k of included) expect(RESOURCE_IDENTITY_KEYS.has(k), k).toBe(true);
    // Deprecated, and ignored once translation_strategy is set; setting it false would drop suffixes.
    expect(prw).not.toHaveProperty('add_metric_suffixes');
  });

  test('delivery options: retry_on_failure and the exporter\'s own queue (it has no sending_queue)', () => {
    expect(prw.retry_on_failure).toMatchObject({ enabled: true, max_elapsed_time: expect.any(String) });
    expect(prw.remote_write_queue).toMatchObject({ enabled: true, queue_size: expect.any(Number), num_consumers: expect.any(Number) });
    expect(prw).not.toHaveProperty('sending_queue');
    // The WAL stays off but is documented in a comment.
    expect(prw).not.toHaveProperty('wal');
    expect(TEXT).toMatch(/# *wal:/);
  });

  test('every exporter option has a comment saying why', () => {
    // Each top-level key of the exporter block is preceded (within the block) by a comment line.
    const block = TEXT.slice(TEXT.indexOf('  prometheus_remote_write:'), TEXT.indexOf('\n  debug:'));
    const lines = block.split('\n');
    for (const key of Object.keys(prw)) {
      const at = lines.findIndex((l) => l.startsWith(`    ${key}:`));
      expect(at, key).toBeGreaterThan(0);
      expect(lines.slice(Math.max(0, at - 6), at).some((l) => /^\s*#/.test(l)), `${key} has no comment`).toBe(true);
    }
  });
});

/**
 * OTel → Prometheus metric name under UnderscoreEscapingWithSuffixes, from the documented rules of
 * prometheus/otlptranslator (split on non-[a-zA-Z0-9:], add the unit word unless already a token,
 * `_total` for monotonic sums, `_ratio` for unit "1" gauges).
 */
const UNIT_WORDS: Record<string, string> = {
  s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds', min: 'minutes', h: 'hours', d: 'days',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tebibytes', KBy: 'kilobytes', MBy: 'megabytes',
  GBy: 'gigabytes', TBy: 'terabytes', m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams',
  Cel: 'celsius', Hz: 'hertz', '%': 'percent', '1': '',
};
const PER_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

function prometheusName(name: string, unit: string, kind: 'counter' | 'gauge' | 'updowncounter'): string {
  const split = (s: string): string[] => s.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  let tokens = split(name);
  const [main = '', per = ''] = unit.split('/');
  if (main !== '' && !/[{}]/.test(main)) {
    const word = UNIT_WORDS[main] ?? split(main).join('_');
    if (word !== '' && !tokens.includes(word)) tokens.push(word);
  }
  if (per !== '' && !/[{}]/.test(per)) {
    const word = `per_${PER_WORDS[per] ?? split(per).join('_')}`;
    if (!tokens.includes(word)) tokens.push(word);
  }
  if (kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (kind === 'gauge' && unit === '1') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const out = tokens.join('_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

describe('translation premise', () => {
  test('the port reproduces the documented examples', () => {
    expect(prometheusName('container.memory.working_set', 'By', 'gauge')).toBe('container_memory_working_set_bytes');
    expect(prometheusName('container.memory.rss', 'By', 'gauge')).toBe('container_memory_rss_bytes');
    expect(prometheusName('container_memory_failcnt', '{failure}', 'counter')).toBe('container_memory_failcnt_total');
    expect(prometheusName('container_last_seen', 's', 'gauge')).toBe('container_last_seen_seconds');
    expect(prometheusName('container_processes', '1', 'gauge')).toBe('container_processes_ratio');
    expect(prometheusName('k8s.pod.network.io', 'By', 'counter')).toBe('k8s_pod_network_io_bytes_total');
  });

  test('every cadvisor-profile catalog metric keeps its name through the configured translation', () => {
    expect(prw.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    // The semconv profile's dotted names get their suffixes here by design (docs/metrics.md).
    const changed = catalog
      .filter((m) => profileOf(m) !== 'semconv')
      .map((m) => ({ name: m.name, out: prometheusName(m.name, m.unit, m.instrument) }))
      .filter((x) => x.out !== x.name)
      .map((x) => `${x.name} -> ${x.out}`);
    expect(catalog.length).toBeGreaterThan(40);
    expect(changed).toEqual([]);
  });
});
