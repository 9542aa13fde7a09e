/**
 * The real push path, end to end: `npm start --silent -- --once --export-otlp-endpoint <receiver>`
 * runs the built agent as a child process on this host, it collects once and pushes one OTLP/gRPC
 * request, and the in-process receiver (test/helpers/otlp-receiver.ts) decodes what arrived. We
 * assert on the wire: names, units, descriptions, kinds, temporality, value types and attribute
 * sets against the catalog; the node resource against this machine; and a few values against the
 * kernel files read around the run.
 *
 * `--cri-endpoint /nonexistent.sock` keeps the run independent of whatever runtime the host has:
 * every cgroup is then reported as a raw container with empty kubelet labels.
 */
import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/metrics/catalog.js';
import { CONTAINER_IDENTITY_KEYS, MACHINE_IDENTITY_KEYS, type MetricSpec } from '../../src/metrics/spec.js';
import { prometheusMetricName, type PrometheusMetricKind } from '../../src/export/prometheus/name.js';
import { closedPort, ensureBuilt, killAllStarted, REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { hostCgroupsFromMountinfo, rootCpuSecondsReader } from '../helpers/host-cgroups.js';
import { hostMachineId } from '../helpers/host-machine-id.js';
import { findMetric, findPoint, startOtlpReceiver, type FlatMetric, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const specByName = new Map<string, MetricSpec>(catalog.map((s) => [s.name, s]));
const packageVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function expectedKind(spec: MetricSpec): PrometheusMetricKind {
  if (spec.instrument === 'counter') return 'monotonic-counter';
  if (spec.instrument === 'updowncounter') return 'non-monotonic-counter';
  return 'gauge';
}

function expectedAttributeKeys(spec: MetricSpec): string[] {
  const identity: readonly string[] =
    spec.entity === 'container' ? CONTAINER_IDENTITY_KEYS : spec.entity === 'machine' ? MACHINE_IDENTITY_KEYS : [];
  return [...identity, ...spec.attributes].sort();
}

function onlyValue(m: FlatMetric): number {
  expect(m.points, m.name).toHaveLength(1);
  return (m.points[0] as FlatMetric['points'][number]).value;
}

/** `{ key: value }`, or nothing for a value this host does not have. */
function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === '' ? {} : { [key]: value };
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe('agent → OTLP/gRPC receiver (npm start --once)', () => {
  let receiver: OtlpReceiver;
  let run: CliResult;
  let req: FlatRequest;
  let rootCpuBefore: number;
  let rootCpuAfter: number;
  let startedNs: bigint;
  let endedNs: bigint;

  beforeAll(async () => {
    ensureBuilt();
    // cpuacct.usage on v1 and hybrid hosts, cpu.stat usage_usec on v2 (whichever this host is).
    const rootCpuSeconds = rootCpuSecondsReader(hostCgroupsFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), (p) => readFileSync(p, 'utf8'));
    receiver = await startOtlpReceiver();
    rootCpuBefore = rootCpuSeconds();
    startedNs = BigInt(Date.now()) * 1_000_000n;
    run = await runCli(['--once', '--export-otlp-endpoint', receiver.url, '--cri-endpoint', '/nonexistent.sock'], {
      env: { NODE_NAME: undefined },
    });
    endedNs = BigInt(Date.now()) * 1_000_000n;
    rootCpuAfter = rootCpuSeconds();
    const latest = receiver.latest();
    if (!latest) throw new Error(`the receiver got nothing; agent exit ${run.code}, stderr:\n${run.stderr}`);
    req = latest;
  });

  afterAll(async () => {
    await killAllStarted();
    await receiver?.stop();
  });

  it('pushes exactly one request, prints nothing on stdout and exits 0', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.rejected).toHaveLength(0);
    // One resource (the node's), sent as one ResourceMetrics entry per slice of containers (request-encoder.ts).
    const entries = receiver.requests[0]?.resource_metrics ?? [];
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(new Set(entries.map((e) => JSON.stringify(e.resource))).size).toBe(1);
  });

  it('sends the node resource: job/instance identity, host and OS facts of this machine', () => {
    // host.id is the machine id; a host without one gets no host.id, never a made-up one.
    const machineId = hostMachineId().id;
    if (machineId !== undefined) expect(machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(req.resource).toEqual({
      'service.name': 'cadvisor',
      'service.instance.id': hostname(),
      'service.version': packageVersion,
      'host.name': hostname(),
      ...(machineId === undefined ? {} : { 'host.id': machineId }),
      'os.type': 'linux',
      'os.version': release(),
      // Read here from the files themselves: the first "model name" and PRETTY_NAME.
      ...optional('host.cpu.model.name', /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim()),
      ...optional('os.description', /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOptional('/etc/os-release'))?.[1]),
    });
  });

  it('sends the kubelet /metrics/cadvisor names, all from the catalog, in the podpulse scope', () => {
    const names = req.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(specByName.has(name), `${name} is not in the catalog`).toBe(true);
    for (const m of req.metrics) expect(m.scope).toBe('podpulse');
    expect(names).toEqual(
      expect.arrayContaining([
        'container_cpu_usage_seconds_total',
        'container_cpu_user_seconds_total',
        'container_memory_working_set_bytes',
        'container_memory_usage_bytes',
        'container_memory_rss',
        'container_memory_cache',
        'container_spec_memory_limit_bytes',
        'container_memory_failures_total',
        // Not container_network_*: without CRI no cgroup has a network namespace of its own here, and a
        // metric without points this cycle is not sent (request-encoder.ts).
        'container_start_time_seconds',
        'container_last_seen',
        'machine_memory_bytes',
        'machine_cpu_cores',
        'up',
        'podpulse_exports_total',
        'podpulse_export_retries_total',
        'podpulse_cri_up',
      ]),
    );
  });

  it('sends every metric with the catalog unit, description, kind, temporality and value type', () => {
    for (const m of req.metrics) {
      const spec = specByName.get(m.name) as MetricSpec;
      expect(m.unit, m.name).toBe(spec.unit);
      expect(m.description, m.name).toBe(spec.description);
      if (spec.instrument === 'gauge') {
        expect(m.kind, m.name).toBe('gauge');
      } else {
        expect({ name: m.name, kind: m.kind, monotonic: m.monotonic, temporality: m.temporality }).toEqual({
          name: m.name,
          kind: 'sum',
          monotonic: spec.instrument === 'counter',
          temporality: 'CUMULATIVE',
        });
      }
      expect(m.points.length, m.name).toBeGreaterThan(0);
      for (const p of m.points) expect(p.valueType, m.name).toBe(spec.valueType);
    }
    // Spot checks of the units the Prometheus translation depends on.
    const unit = (name: string): string => findMetric(req, name).unit;
    expect(unit('container_cpu_usage_seconds_total')).toBe('s');
    expect(unit('container_memory_working_set_bytes')).toBe('By');
    expect(unit('container_memory_rss')).toBe('{byte}');
    expect(unit('machine_memory_bytes')).toBe('By');
    expect(unit('up')).toBe('{state}');
    expect(findMetric(req, 'container_memory_failcnt').kind).toBe('gauge');
  });

  it('puts exactly the identity labels (plus the catalog’s own keys) on every point', () => {
    for (const m of req.metrics) {
      const spec = specByName.get(m.name) as MetricSpec;
      const keys = expectedAttributeKeys(spec);
      for (const p of m.points) {
        expect(Object.keys(p.attributes).sort(), `${m.name} ${JSON.stringify(p.attributes)}`).toEqual(keys);
        for (const v of Object.values(p.attributes)) expect(typeof v, m.name).toBe('string');
        if (spec.entity === 'container') expect(p.attributes.id, m.name).toMatch(/^\//);
      }
    }
    expect(Object.keys(findPoint(findMetric(req, 'container_cpu_usage_seconds_total'), { id: '/' }).attributes).sort()).toEqual(
      ['container', 'cpu', 'id', 'image', 'name', 'namespace', 'pod'],
    );
    expect(findMetric(req, 'container_memory_failures_total').points.every((p) => 'failure_type' in p.attributes && 'scope' in p.attributes)).toBe(
      true,
    );
  });

  it('reports the root cgroup id="/" with empty kubelet labels (no runtime reachable)', () => {
    for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_memory_usage_bytes']) {
      const p = findPoint(findMetric(req, name), { id: '/' });
      expect(p.attributes).toMatchObject({ id: '/', name: '', image: '', container: '', pod: '', namespace: '' });
    }
    expect(findPoint(findMetric(req, 'container_cpu_usage_seconds_total'), { id: '/' }).attributes.cpu).toBe('total');
    // Without CRI every other series is a raw cgroup as well: its labels stay empty, never made up.
    for (const p of findMetric(req, 'container_memory_usage_bytes').points) {
      expect([p.attributes.name, p.attributes.image, p.attributes.container, p.attributes.pod, p.attributes.namespace]).toEqual(['', '', '', '', '']);
    }
    expect(onlyValue(findMetric(req, 'podpulse_cri_up'))).toBe(0);
  });

  it('sends values that agree with the kernel around the run', () => {
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(onlyValue(findMetric(req, 'machine_memory_bytes'))).toBe(memTotalKb * 1024);
    const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    const cores = online.split(',').reduce((n, r) => {
      const [a, b] = r.split('-').map(Number);
      return n + (b === undefined ? 1 : b - (a as number) + 1);
    }, 0);
    expect(onlyValue(findMetric(req, 'machine_cpu_cores'))).toBe(cores);
    expect(onlyValue(findMetric(req, 'up'))).toBe(1);
    // The root's CPU time only grows: the exported value lies between the reads around the run.
    const cpu = findPoint(findMetric(req, 'container_cpu_usage_seconds_total'), { id: '/' }).value;
    expect(cpu).toBeGreaterThanOrEqual(rootCpuBefore);
    expect(cpu).toBeLessThanOrEqual(rootCpuAfter);
  });

  it('stamps every point with one collection time inside the run and a start time before it', () => {
    const times = new Set(req.metrics.flatMap((m) => m.points.map((p) => p.timeUnixNano)));
    expect(times.size).toBe(1);
    const [t] = [...times] as [bigint];
    expect(t >= startedNs && t <= endedNs, `${t} not in [${startedNs}, ${endedNs}]`).toBe(true);
    for (const m of req.metrics) for (const p of m.points) expect(p.startTimeUnixNano <= p.timeUnixNano, m.name).toBe(true);
  });

  it('uses names the collector’s Prometheus translation leaves unchanged', () => {
    for (const m of req.metrics) {
      const spec = specByName.get(m.name) as MetricSpec;
      const kind: PrometheusMetricKind =
        m.kind === 'gauge' ? 'gauge' : m.monotonic ? 'monotonic-counter' : 'non-monotonic-counter';
      expect(kind, m.name).toBe(expectedKind(spec));
      expect(prometheusMetricName(m.name, m.unit, kind)).toBe(m.name);
    }
  });
});

describe('agent resource with NODE_NAME (as in the DaemonSet)', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    ensureBuilt();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await killAllStarted();
    await receiver?.stop();
  });

  it('names the node after NODE_NAME: instance, host.name and k8s.node.name', async () => {
    const run = await runCli(['--once', '--export-otlp-endpoint', receiver.url, '--cri-endpoint', '/nonexistent.sock'], {
      env: { NODE_NAME: 'e2e-node-7' },
    });
    expect(run.code, run.stderr).toBe(0);
    const req = receiver.latest();
    expect(req?.resource).toMatchObject({
      'service.name': 'cadvisor',
      'service.instance.id': 'e2e-node-7',
      'host.name': 'e2e-node-7',
      'k8s.node.name': 'e2e-node-7',
    });
  });
});

describe('agent health and log hygiene (in process, real cgroups, collector unreachable)', () => {
  it('/readyz after the first collection, /healthz 503 once collections fail for 3 intervals, and no credential in any log line', async () => {
    const port = await closedPort();
    const healthPort = await closedPort();
    const { config } = loadConfig(
      ['--collection-interval', '300ms', '--cri-endpoint', '/nonexistent.sock', '--health-port', String(healthPort), '--export-otlp-replay-snapshots', '0'],
      {},
    );
    // Set after loading: the config loader may refuse userinfo; the log lines must mask it anyway.
    config.export.otlp.endpoint = `http://podpulse:s3cr3t-pw@127.0.0.1:${port}?token=s3cr3t-q`;
    const lines: string[] = [];
    const log = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          cb();
        },
      }),
    );
    const agent = new Agent({ config, env: {}, log });
    try {
      await agent.start();
      const started = lines.map((l) => JSON.parse(l) as { msg: string; health?: string; otlp?: string }).find((l) => l.msg === 'podpulse started');
      expect(started?.otlp).toBe(`http://***@127.0.0.1:${port}/?token=***`);
      const base = started?.health as string;
      expect(base).toBe(`http://127.0.0.1:${healthPort}`);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      // Every collection fails from now on (a fault injected into the real cycle reader).
      (agent.cycleReader as unknown as { collect: () => Promise<never> }).collect = async () => {
        throw new Error('injected: cgroup hierarchy gone');
      };
      let sick: Response | undefined;
      for (let i = 0; i < 40 && sick?.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        sick = await fetch(`${base}/healthz`);
      }
      expect(sick?.status).toBe(503);
      expect(await sick?.text()).toMatch(/^no collection finished for \d+s \(limit 0\.9s\); last error: injected: cgroup hierarchy gone\n$/);
      // The export failures were logged, with the endpoint masked.
      expect(lines.some((l) => l.includes(`export to http://***@127.0.0.1:${port}/?token=*** failed`))).toBe(true);
      for (const l of lines) {
        expect(l).not.toContain('s3cr3t');
      }
    } finally {
      await agent.stop();
    }
  });
});
