/**
 * docker-compose.yml: validated by a real Compose parser (Debian's docker-compose, whose `config`
 * subcommand needs no Docker engine) and by structural assertions; the agent's environment and
 * mounted config are validated by podpulse's own config loader.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ensureDebianBinary, runTool } from '../helpers/prometheus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  pid?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parseYaml(readFileSync(`${ROOT}docker-compose.yml`, 'utf8')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`service ${name} missing`);
  return s;
};

/** Compose's ${VAR:-default} with VAR unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1');
}

const dockerCompose = ensureDebianBinary('docker-compose', ['docker-compose']);

describe.skipIf(!dockerCompose.ok)(dockerCompose.title('docker-compose config (Compose v1 parser, no engine needed)'), () => {
  test('the file is valid Compose and resolves the four services', async () => {
    const env = { ...process.env };
    for (const k of ['NODE_NAME', 'CRI_SOCKET', 'PODPULSE_LOG_LEVEL', 'GRAFANA_ADMIN_PASSWORD', 'DOCKER_HOST']) delete env[k];
    const r = await runTool(dockerCompose.paths['docker-compose']!, ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const resolved = parseYaml(r.stdout) as { services: Record<string, Service> };
    expect(Object.keys(resolved.services).sort()).toEqual(['grafana', 'otel-collector', 'podpulse', 'prometheus']);
    // Defaults applied by the parser itself.
    expect(resolved.services.podpulse?.environment?.PODPULSE_RESOURCE_SERVICE_INSTANCE_ID).toBe('compose-node');
    expect(resolved.services.podpulse?.build?.context).toBe(ROOT.replace(/\/$/, ''));
    expect(resolved.services.podpulse?.volumes).toContain('/run/containerd/containerd.sock:/run/containerd/containerd.sock:ro');
  });

  test('the parser rejects a misspelt key (the check is real)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-compose-'));
    try {
      // The real file with one key misspelt.
      const broken = readFileSync(`${ROOT}docker-compose.yml`, 'utf8').replace('    pid: host', '    pidd: host');
      writeFileSync(join(dir, 'docker-compose.yml'), broken);
      const r = await runTool(dockerCompose.paths['docker-compose']!, ['-f', 'docker-compose.yml', 'config'], { cwd: dir, timeoutMs: 60_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/pidd/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml (structure)', () => {
  test('images are pinned to explicit versions and match the Kubernetes manifests', () => {
    const images = Object.entries(compose.services).map(([n, s]) => [n, s.image ?? ''] as const);
    for (const [name, image] of images) {
      expect(image, name).toMatch(/:[^:/]+$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
    expect(svc('otel-collector').image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect(svc('prometheus').image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(svc('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    const k8s = readFileSync(`${ROOT}deploy/kubernetes/collector-deployment.yaml`, 'utf8');
    expect(k8s).toContain(`image: ${svc('otel-collector').image}`);
  });

  test('podpulse: built from the Dockerfile, host PID, read-only host mounts, minimal capabilities', () => {
    const p = svc('podpulse');
    expect(p.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(p.pid).toBe('host');
    expect(p.read_only).toBe(true);
    expect(p.cap_drop).toEqual(['ALL']);
    // No capability added back: test/pipeline/capabilities.test.ts shows none is needed.
    expect(p.cap_add).toBeUndefined();
    const vols = (p.volumes ?? []).map(withDefaults);
    for (const v of ['/proc:/host/proc:ro', '/sys:/host/sys:ro', '/run/containerd/containerd.sock:/run/containerd/containerd.sock:ro', './config/podpulse.yaml:/etc/podpulse/podpulse.yaml:ro']) {
      expect(vols).toContain(v);
    }
    expect(vols.some((v) => v === '/:/host/rootfs:ro' || v === '/etc/machine-id:/host/rootfs/etc/machine-id:ro')).toBe(true);
    // Every host-side mount is read-only.
    for (const v of vols) expect(v, v).toMatch(/:ro$/);
    expect(p.environment).toMatchObject({
      PODPULSE_PATHS_PROC: '/host/proc',
      PODPULSE_PATHS_SYS: '/host/sys',
      PODPULSE_PATHS_ROOTFS: '/host/rootfs',
      PODPULSE_EXPORT_OTLP_ENDPOINT: 'http://otel-collector:4317',
    });
  });

  test('podpulse: its environment and the mounted config are accepted by podpulse\'s own config loader', () => {
    const p = svc('podpulse');
    const env = Object.fromEntries(Object.entries(p.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]));
    const mounted = (p.volumes ?? []).find((v) => v.endsWith(':/etc/podpulse/podpulse.yaml:ro'))!.split(':')[0]!;
    const loaded = loadConfig(['--config', `${ROOT}${mounted.replace(/^\.\//, '')}`], env);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.paths).toEqual({ proc: '/host/proc', sys: '/host/sys', rootfs: '/host/rootfs' });
    expect(loaded.config.cri.endpoint).toBe('unix:///run/containerd/containerd.sock');
    expect(loaded.config.export.otlp.endpoint).toBe('http://otel-collector:4317');
    expect(loaded.config.resource.serviceName).toBe('cadvisor');
    expect(loaded.config.resource.serviceInstanceId).toBe('compose-node');
  });

  test('podpulse: the healthcheck is the DaemonSet\'s liveness command (compose escapes $ as $$)', () => {
    const ds = parseAllDocuments(readFileSync(`${ROOT}deploy/kubernetes/daemonset.yaml`, 'utf8'))[0]!.toJS() as {
      spec: { template: { spec: { containers: Array<{ livenessProbe: { exec: { command: string[] } } }> } } };
    };
    const liveness = ds.spec.template.spec.containers[0]!.livenessProbe.exec.command;
    const hc = svc('podpulse').healthcheck!.test;
    expect([hc[0], ...hc.slice(1).map((t) => t.replace(/\$\$/g, '$'))]).toEqual(['CMD', ...liveness]);
  });

  test('otel-collector: the repository config, pointed at Prometheus\' remote-write receiver', () => {
    const c = svc('otel-collector');
    expect(c.volumes).toContain('./otel-collector/config.yaml:/etc/otelcol-contrib/config.yaml:ro');
    expect(c.command).toEqual(['--config=/etc/otelcol-contrib/config.yaml']);
    expect(c.environment?.PROMETHEUS_REMOTE_WRITE_URL).toBe('http://prometheus:9090/api/v1/write');
    expect(c.ports).toContain('127.0.0.1:4317:4317');
  });

  test('prometheus: remote-write receiver on, rules and alerts loaded from the repository', () => {
    const p = svc('prometheus');
    expect(p.command).toContain('--web.enable-remote-write-receiver');
    expect(p.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(p.volumes).toContain('./prometheus:/etc/prometheus:ro');
    expect(p.healthcheck?.test.join(' ')).toContain('/-/ready');
  });

  test('grafana: provisioned datasource and dashboards, anonymous viewer', () => {
    const g = svc('grafana');
    expect(g.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer' });
    expect(existsSync(`${ROOT}grafana/provisioning/datasources/prometheus.yml`)).toBe(true);
    expect(existsSync(`${ROOT}grafana/provisioning/dashboards/podpulse.yml`)).toBe(true);
  });

  test('every bind-mounted repository path exists', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect(existsSync(`${ROOT}${src.slice(2)}`), v).toBe(true);
      }
    }
  });

  test('published ports bind to loopback only', () => {
    for (const [name, s] of Object.entries(compose.services)) for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
  });
});
