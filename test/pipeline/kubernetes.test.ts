/**
 * deploy/kubernetes/: the kustomization renders (kubectl's built-in kustomize, when kubectl is
 * there), and the manifests hold what the agent needs and nothing more. No cluster runs here, so the
 * objects are checked structurally; the agent ConfigMap and the DaemonSet's env are validated by
 * podpulse's own config loader.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { HealthState } from '../../src/export/http/health.js';
import { HealthEndpoint } from '../../src/export/http/health-endpoint.js';
import { ensureDebianBinary, runTool } from '../helpers/prometheus.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = `${ROOT}deploy/kubernetes/`;

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };

const kustomization = parseYaml(readFileSync(`${DIR}kustomization.yaml`, 'utf8')) as { namespace: string; resources: string[]; images?: unknown[] };
const objects: K8sObject[] = kustomization.resources.flatMap((f) =>
  parseAllDocuments(readFileSync(`${DIR}${f}`, 'utf8')).map((d) => d.toJS() as K8sObject),
);
const find = (kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not in the kustomization`);
  return o;
};

const ds = find('DaemonSet', 'podpulse');
const pod = ds.spec.template.spec;
const agent = pod.containers[0];

describe('kustomization', () => {
  test('lists every manifest of the directory once and sets the namespace', () => {
    expect(kustomization.namespace).toBe('podpulse');
    expect(new Set(kustomization.resources).size).toBe(kustomization.resources.length);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/otel-collector', 'ConfigMap/podpulse-agent', 'DaemonSet/podpulse', 'Deployment/otel-collector', 'Namespace/podpulse', 'Service/otel-collector'].sort(),
    );
  });
});

const kubectl = ensureDebianBinary('kubernetes-client', ['kubectl']);
describe.skipIf(!kubectl.ok)(kubectl.title('kubectl kustomize deploy/kubernetes'), () => {
  test('renders all objects into the podpulse namespace', async () => {
    const r = await runTool(kubectl.paths.kubectl!, ['kustomize', 'deploy/kubernetes'], { cwd: ROOT, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
    expect(rendered).toHaveLength(objects.length);
    for (const o of rendered) {
      if (o.kind === 'Namespace') expect(o.metadata.name).toBe('podpulse');
      else expect((o.metadata as { namespace?: string }).namespace, `${o.kind}/${o.metadata.name}`).toBe('podpulse');
    }
  });
});

describe('agent DaemonSet', () => {
  test('host PID, no API token, runs on every node', () => {
    expect(pod.hostPID).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    expect(pod.hostNetwork).toBeUndefined();
  });

  test('root only for the CRI socket: every capability dropped, read-only root filesystem', () => {
    const sc = agent.securityContext;
    expect(sc.runAsUser).toBe(0);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.privileged).toBe(false);
    expect(sc.capabilities).toEqual({ drop: ['ALL'] });
    // The comment names the test that shows no capability is needed.
    expect(readFileSync(`${DIR}daemonset.yaml`, 'utf8')).toMatch(/#[^\n]*test\/pipeline\/capabilities\.test\.ts[^\n]*\n(?:\s*#[^\n]*\n)*\s*capabilities:\n\s*drop: \[ALL\]\n/);
    expect(existsSync(`${ROOT}test/pipeline/capabilities.test.ts`)).toBe(true);
  });

  test('node-critical priority; liveness on /healthz and readiness on /readyz of the loopback health endpoint', () => {
    expect(pod.priorityClassName).toBe('system-node-critical');
    const cm = parseYaml(find('ConfigMap', 'podpulse-agent').data['podpulse.yaml'] as string) as { health: { enabled: boolean; host: string; port: number } };
    expect(cm.health).toEqual({ enabled: true, host: '127.0.0.1', port: 9465 });
    for (const [probe, path] of [
      [agent.livenessProbe, '/healthz'],
      [agent.readinessProbe, '/readyz'],
    ] as const) {
      // exec, not httpGet: an httpGet probe goes to the pod IP, and the endpoint listens on loopback only.
      expect(probe.httpGet).toBeUndefined();
      const cmd = probe.exec.command as string[];
      expect(cmd.slice(0, 2)).toEqual(['bash', '-c']);
      expect(cmd[2]).toContain(`/dev/tcp/${cm.health.host}/${cm.health.port}`);
      expect(cmd[2]).toContain(`GET ${path} `);
      expect(probe.timeoutSeconds).toBeGreaterThan(0);
    }
  });

  test('the probe commands pass on 200 and fail on 503 or a closed port (run for real against the health endpoint)', async () => {
    let now = 0;
    const state = new HealthState({ staleAfterMs: 45_000, now: () => now }); // 3 intervals of 15s
    const endpoint = new HealthEndpoint({ host: '127.0.0.1', port: 0 }, state, pino({ level: 'silent' }));
    await endpoint.start();
    try {
      const port = new URL(endpoint.url as string).port;
      // Asynchronously: the endpoint answers from this process's event loop.
      const run = (probe: { exec: { command: string[] } }, p: string | number): Promise<number | null> =>
        new Promise((resolve) => {
          const child = spawn('bash', ['-c', (probe.exec.command[2] as string).replace('/9465 ', `/${p} `)], { stdio: 'ignore', timeout: 10_000 });
          child.on('exit', (code) => resolve(code));
        });
      expect(await run(agent.livenessProbe, port)).toBe(0);
      expect(await run(agent.readinessProbe, port)).not.toBe(0); // no collection yet
      await state.watch({ collect: async () => ({ containers: [], agent: new SelfStats() }) }).collect();
      expect(await run(agent.readinessProbe, port)).toBe(0);
      now = 60_000; // no collection for 4 intervals
      expect(await run(agent.livenessProbe, port)).not.toBe(0);
      await endpoint.stop();
      expect(await run(agent.livenessProbe, port)).not.toBe(0); // nothing listening
    } finally {
      await endpoint.stop();
    }
  });

  test('host paths are mounted read-only, the CRI socket as a Socket', () => {
    const mounts = Object.fromEntries((agent.volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>).map((m) => [m.name, m]));
    const volumes = Object.fromEntries((pod.volumes as Array<{ name: string; hostPath?: { path: string; type: string } }>).map((v) => [v.name, v]));
    for (const m of Object.values(mounts)) expect(m.readOnly, m.name).toBe(true);
    const hostPaths = Object.values(volumes)
      .filter((v) => v.hostPath)
      .map((v) => [v.hostPath!.path, v.hostPath!.type, mounts[v.name]?.mountPath]);
    expect(hostPaths).toEqual(
      expect.arrayContaining([
        ['/proc', 'Directory', '/host/proc'],
        ['/sys', 'Directory', '/host/sys'],
        ['/run/containerd/containerd.sock', 'Socket', '/run/containerd/containerd.sock'],
      ]),
    );
  });

  test('resources have requests and a memory limit', () => {
    expect(agent.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(agent.resources.limits.memory).toEqual(expect.any(String));
  });

  test('the node name reaches service.instance.id through the downward API', () => {
    const env = agent.env as Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
    expect(env.find((e) => e.name === 'PODPULSE_RESOURCE_SERVICE_INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
  });

  test('the ConfigMap\'s config and the DaemonSet\'s env are accepted by podpulse\'s config loader', () => {
    const cm = find('ConfigMap', 'podpulse-agent');
    const mount = (agent.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.name === 'config')!;
    const volume = (pod.volumes as Array<{ name: string; configMap?: { name: string } }>).find((v) => v.name === 'config')!;
    expect(volume.configMap?.name).toBe('podpulse-agent');
    expect(`${mount.mountPath}/podpulse.yaml`).toBe('/etc/podpulse/podpulse.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-k8s-'));
    try {
      const file = join(dir, 'podpulse.yaml');
      writeFileSync(file, cm.data['podpulse.yaml'] as string);
      // fieldRef values as the kubelet would fill them.
      const env = Object.fromEntries((agent.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value ?? 'node-a']));
      const loaded = loadConfig(['--config', file], env);
      expect(loaded.warnings).toEqual([]);
      expect(loaded.config.paths).toEqual({ proc: '/host/proc', sys: '/host/sys', rootfs: '/host/rootfs' });
      expect(loaded.config.cri.endpoint).toBe('unix:///run/containerd/containerd.sock');
      expect(loaded.config.resource.serviceName).toBe('cadvisor');
      expect(loaded.config.resource.serviceInstanceId).toBe('node-a');
      expect(loaded.config.export.prometheus.enabled).toBe(false);
      // The OTLP endpoint is the collector Service of this kustomization.
      const svc = find('Service', 'otel-collector');
      const port = (svc.spec.ports as Array<{ port: number; name: string }>).find((p) => p.name === 'otlp-grpc')!.port;
      expect(loaded.config.export.otlp.endpoint).toBe(`http://${svc.metadata.name}:${port}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('collector Deployment, Service and ConfigMap', () => {
  const dep = find('Deployment', 'otel-collector');
  const c = dep.spec.template.spec.containers[0];

  test('the ConfigMap holds exactly otel-collector/config.yaml', () => {
    const cm = find('ConfigMap', 'otel-collector');
    expect(cm.data['config.yaml']).toBe(readFileSync(`${ROOT}otel-collector/config.yaml`, 'utf8'));
    const volume = (dep.spec.template.spec.volumes as Array<{ name: string; configMap?: { name: string } }>).find((v) => v.configMap);
    expect(volume?.configMap?.name).toBe('otel-collector');
    const mount = (c.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.name === volume?.name)!;
    expect(c.args).toEqual([`--config=${mount.mountPath}/config.yaml`]);
  });

  test('pinned contrib image, remote-write URL from env, probes on the health_check port', () => {
    expect(c.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect((c.env as Array<{ name: string; value: string }>).find((e) => e.name === 'PROMETHEUS_REMOTE_WRITE_URL')?.value).toMatch(/^http:\/\/.+\/api\/v1\/write$/);
    const ports = Object.fromEntries((c.ports as Array<{ name: string; containerPort: number }>).map((p) => [p.name, p.containerPort]));
    expect(ports).toEqual({ 'otlp-grpc': 4317, health: 13133 });
    expect(c.livenessProbe.httpGet.port).toBe('health');
    expect(c.readinessProbe.httpGet.port).toBe('health');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
  });

  test('the Service selects the collector pods and exposes OTLP/gRPC', () => {
    const svc = find('Service', 'otel-collector');
    const labels = dep.spec.template.metadata.labels as Record<string, string>;
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) expect(labels[k]).toBe(v);
    expect(svc.spec.ports).toContainEqual(expect.objectContaining({ port: 4317, targetPort: 'otlp-grpc' }));
  });
});
