import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { envName, argName } from '../../src/config/schema.js';
import { configError, yamlFile } from '../helpers/config-errors.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const { config, cli } = loadConfig([], {});
    expect(config.collection.intervalMs).toBe(10_000);
    expect(config.paths).toEqual({ proc: '/proc', sys: '/sys', rootfs: '/' });
    expect(config.cri.endpoint).toBe('');
    expect(config.export.otlp.endpoint).toBe('http://localhost:4317');
    expect(config.export.otlp.timeoutMs).toBe(10_000);
    expect(config.export.prometheus).toEqual({ enabled: false, host: '127.0.0.1', port: 9464 });
    expect(config.resource.serviceName).toBe('cadvisor');
    expect(config.resource.serviceInstanceId).toBe('');
    expect(config.metrics.profile).toBe('cadvisor');
    expect(config.log.level).toBe('info');
    expect(cli).toEqual({ once: false, printConfig: false, help: false, version: false });
  });

  it('layers file < environment < flags', () => {
    const file = yamlFile('collection:\n  interval: 30s\ncri:\n  endpoint: /run/x.sock\nexport:\n  otlp:\n    endpoint: http://file:4317\n');
    const env = { PODPULSE_EXPORT_OTLP_ENDPOINT: 'http://env:4317', PODPULSE_COLLECTION_INTERVAL: '15s' };
    const { config } = loadConfig(['--config', file, '--collection-interval', '2s'], env);
    expect(config.collection.intervalMs).toBe(2000);
    expect(config.export.otlp.endpoint).toBe('http://env:4317');
    expect(config.cri.endpoint).toBe('/run/x.sock');
  });

  it('derives env and flag names from key paths', () => {
    expect(envName('export.otlp.endpoint')).toBe('PODPULSE_EXPORT_OTLP_ENDPOINT');
    expect(envName('resource.service.instance.id')).toBe('PODPULSE_RESOURCE_SERVICE_INSTANCE_ID');
    expect(envName('cri.statsTimeout')).toBe('PODPULSE_CRI_STATS_TIMEOUT');
    expect(argName('cri.statsTimeout')).toBe('cri-stats-timeout');
    const { config } = loadConfig([], { PODPULSE_CRI_ENDPOINT: 'unix:///run/containerd/containerd.sock' });
    expect(config.cri.endpoint).toBe('unix:///run/containerd/containerd.sock');
  });

  it('parses OTEL-style header strings from the environment', () => {
    const { config } = loadConfig([], { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1' });
    expect(config.export.otlp.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 't1' });
  });

  it('takes map entries whose names hold dots (resource attributes, headers)', () => {
    const file = yamlFile('resource:\n  attributes:\n    k8s.cluster.name: prod\n    deployment.environment: staging\n');
    const { config } = loadConfig(['--config', file], { PODPULSE_EXPORT_OTLP_HEADERS: 'x-tenant.id=t1' });
    expect(config.resource.attributes).toEqual({ 'k8s.cluster.name': 'prod', 'deployment.environment': 'staging' });
    expect(config.export.otlp.headers).toEqual({ 'x-tenant.id': 't1' });
    const bad = configError(() => loadConfig(['--config', yamlFile('resource:\n  attributes:\n    k8s.cluster.name: 5\n')], {}));
    expect(bad).toBe('resource.attributes: entry k8s.cluster.name must be a string: value was {"k8s.cluster.name":5}');
  });

  it('rejects an unknown key with one line naming it', () => {
    const file = yamlFile('collection:\n  intervall: 10s\n');
    const msg = configError(() => loadConfig(['--config', file], {}));
    expect(msg).toBe('collection.intervall: unknown key: value was "10s"; allowed under collection: interval, maxOpenFiles, maxPidsPerContainer, maxFdsPerContainer, maxRootFilesystems');
    const top = configError(() => loadConfig(['--config', yamlFile('colection:\n  interval: 5s\n')], {}));
    expect(top).toBe('colection: unknown key: value was {"interval":"5s"}; allowed at the top level: collection, paths, discovery, cri, export, health, resource, metrics, log');
  });

  it('rejects a bad value naming key, value and what is allowed', () => {
    const msg = configError(() => loadConfig([], { PODPULSE_COLLECTION_INTERVAL: 'often' }));
    expect(msg).toBe('collection.interval: must be a positive duration such as 500ms, 10s, 1m or 1h: value was "often"');
    const bad = configError(() => loadConfig(['--log-level', 'loud'], {}));
    expect(bad.split('\n')).toHaveLength(1);
    expect(bad).toMatch(/^log\.level: must be one of the possible values: .*"info".*: value was "loud"$/);
  });

  it('reports every bad key, one per line', () => {
    const file = yamlFile('paths:\n  proc: relative/proc\nexport:\n  otlp:\n    endpoint: ftp://x\n');
    const lines = configError(() => loadConfig(['--config', file], {})).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('paths.proc: must be an absolute path'))).toBe(true);
    expect(lines.some((l) => l.startsWith('export.otlp.endpoint: must use http://'))).toBe(true);
  });

  it('rejects unknown flags and unknown --print formats', () => {
    expect(configError(() => loadConfig(['--intervall', '3s'], {}))).toMatch(/^unknown flag --intervall; allowed: /);
    expect(configError(() => loadConfig(['--print', 'xml'], {}))).toBe('flag --print: value was "xml"; allowed: prometheus, json');
  });

  it('argv: missing values, values on switches and stray arguments are errors; -h and --k=v work', () => {
    expect(configError(() => loadConfig(['--config'], {}))).toBe('flag --config needs a value');
    expect(configError(() => loadConfig(['--config', '--once'], {}))).toBe('flag --config needs a value');
    expect(configError(() => loadConfig(['--collection-interval'], {}))).toBe('flag --collection-interval needs a value');
    expect(configError(() => loadConfig(['--once=yes'], {}))).toBe('flag --once takes no value (was "yes")');
    expect(configError(() => loadConfig(['-5s'], {}))).toBe('unexpected argument "-5s" (flags start with --; see --help)');
    expect(configError(() => loadConfig(['--once', 'now'], {}))).toBe('unexpected argument "now" (flags start with --; see --help)');
    expect(configError(() => loadConfig(['--', '--once'], {}))).toBe('unexpected argument "--" (flags start with --; see --help)');
    expect(loadConfig(['-h'], {}).cli.help).toBe(true);
    const { cli, config } = loadConfig(['--print=json', '--collection-interval=3s', '--discovery-max-depth', '2', '--discovery-max-depth', '4'], {});
    expect(cli).toEqual({ once: true, print: 'json', printConfig: false, help: false, version: false });
    expect(config.collection.intervalMs).toBe(3000);
    expect(config.discovery.maxDepth).toBe(4); // the last one wins
  });

  it('rejects unknown metric names in metrics.disabled', () => {
    const msg = configError(() => loadConfig([], { PODPULSE_METRICS_DISABLED: 'container_nope' }));
    expect(msg).toMatch(/^metrics\.disabled: unknown metric "container_nope"/);
    const { config } = loadConfig([], { PODPULSE_METRICS_DISABLED: 'container_last_seen' });
    expect(config.metrics.disabled).toEqual(['container_last_seen']);
  });

  it('fails clearly on a missing or malformed file', () => {
    expect(configError(() => loadConfig(['--config', '/nonexistent/podpulse.yaml'], {}))).toBe(
      'cannot read config file /nonexistent/podpulse.yaml: ENOENT',
    );
    const file = yamlFile('collection: [\n');
    expect(configError(() => loadConfig(['--config', file], {}))).toMatch(/is not valid YAML/);
  });

  it('--print implies --once; clamps the export timeout to the interval, warning only for a chosen timeout', () => {
    const { cli, config, warnings } = loadConfig(['--print', 'json', '--collection-interval', '2s'], {});
    expect(cli).toMatchObject({ once: true, print: 'json' });
    expect(config.export.otlp.timeoutMs).toBe(2000);
    expect(warnings).toEqual([]);
    const chosen = loadConfig(['--collection-interval', '2s', '--export-otlp-timeout', '5s'], {});
    expect(chosen.config.export.otlp.timeoutMs).toBe(2000);
    expect(chosen.warnings.join()).toMatch(/export\.otlp\.timeout \(5000ms\) is longer than collection\.interval/);
  });

  it('warns about PODPULSE_ variables that match no key', () => {
    const { warnings } = loadConfig([], { PODPULSE_COLLECTION_INTERVALL: '1s' });
    expect(warnings).toEqual(['environment variable PODPULSE_COLLECTION_INTERVALL matches no config key and is ignored']);
  });

  it('masks secrets in the printed config', () => {
    const loaded = loadConfig([], { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=secret-token' });
    expect(loaded.describe()).not.toContain('secret-token');
    expect(loaded.describe()).toContain('"service"');
  });

  it('loads the shipped config/podpulse.yaml', () => {
    const { config } = loadConfig(['--config', 'config/podpulse.yaml'], {});
    expect(config.collection.intervalMs).toBe(10_000);
    expect(config.export.otlp.endpoint).toBe('http://localhost:4317');
  });
});

describe('docs/config.md', () => {
  it('is generated from the schema (run `npm run docs` after changing it)', async () => {
    const { readFileSync } = await import('node:fs');
    const { renderConfigDoc } = await import('../../src/config/docs.js');
    expect(readFileSync('docs/config.md', 'utf8')).toBe(renderConfigDoc());
  });
});
