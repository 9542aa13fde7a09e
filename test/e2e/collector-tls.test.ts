/**
 * e. TLS and header auth between podpulse and the real collector (built from otel-collector/).
 *
 * The collector runs otel-collector/config.yaml with only the receiver's security added (the test
 * writes that variant to a temp dir): a server certificate and `client_ca_file` (mTLS) made here with
 * the openssl CLI, or the `bearertokenauth` extension as the receiver's authenticator. Its exporter
 * still remote-writes to a real Prometheus, so "delivers" means "the samples are queryable".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { collectorOrSkip, COLLECTOR_CONFIG, REPO, startCollector, type RunningCollector } from '../helpers/collector.js';
import { ensureDebianBinary, ensurePrometheusInstalled, freePort, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const rt = runtimeOrSkip();
const col = collectorOrSkip();
const prom = ensurePrometheusInstalled();
const openssl = ensureDebianBinary('openssl', ['openssl']);
const NAME = 'collector receiver with mTLS and bearer-token auth';
const gates = [rt, col, prom, openssl];
const blocked = gates.find((g) => (('skip' in g) ? g.skip : !g.ok));
const title = blocked ? blocked.title(NAME) : NAME;

interface LogLine {
  level: number;
  msg: string;
  export?: string;
  queued?: number;
  reason?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an unrelated CA. */
function makeCerts(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', string> {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=podpulse test CA');
  run('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '1', '-subj', '/CN=some other CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext, cn] of [['server', 'server.ext', 'localhost'], ['client', 'client.ext', 'podpulse agent']] as const) {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', ext);
  }
  const p = (f: string): string => join(dir, f);
  return { ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'), otherCa: p('other-ca.crt') };
}

type Doc = {
  receivers: { otlp: { protocols: { grpc: Record<string, unknown> } } };
  extensions: Record<string, unknown>;
  service: { extensions: string[] };
};

/** otel-collector/config.yaml plus receiver TLS or bearer auth, written to `file`. */
function variant(file: string, change: (doc: Doc) => void): string {
  const doc = parseYaml(readFileSync(COLLECTOR_CONFIG, 'utf8')) as Doc;
  change(doc);
  writeFileSync(file, stringifyYaml(doc));
  return file;
}

function capturingLogger(): { log: Logger; lines: () => LogLine[] } {
  const raw: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void raw.push(s) });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as LogLine) };
}

describe.skipIf(blocked !== undefined)(title, () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let prometheus: RunningPrometheus;
  const running: { agents: Agent[]; collectors: RunningCollector[] } = { agents: [], collectors: [] };
  const figures: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podpulse-otelcol-tls-'));
    certs = makeCerts(dir);
    const shipped = parseYaml(readFileSync(`${REPO}prometheus/prometheus.yml`, 'utf8')) as Record<string, unknown>;
    prometheus = await startPrometheus({
      configYaml: stringifyYaml({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, storage: shipped.storage, scrape_configs: [] }),
      extraArgs: ['--web.enable-remote-write-receiver'],
    });
  });

  afterAll(async () => {
    for (const f of figures) console.log(`[collector tls] ${f}`);
    for (const a of running.agents) await a.stop().catch(() => undefined);
    for (const c of running.collectors) await c.stop();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function collector(file: string, env: Record<string, string> = {}, grpcPort?: number): Promise<RunningCollector> {
    const c = await startCollector({ binary: col.binary(), remoteWriteUrl: `${prometheus.url}/api/v1/write`, configFile: file, env, ...(grpcPort ? { grpcPort } : {}) });
    running.collectors.push(c);
    return c;
  }

  async function agent(endpoint: string, instance: string, extra: string[]): Promise<{ agent: Agent; lines: () => LogLine[] }> {
    const { config } = loadConfig(
      [
        '--cri-endpoint', rt.get().socket, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', '1s',
        '--export-otlp-endpoint', endpoint, '--resource-service-instance-id', instance, '--export-otlp-replay-snapshots', '30', ...extra,
      ],
      {},
    );
    const { log, lines } = capturingLogger();
    const a = new Agent({ config, env: {}, log });
    running.agents.push(a);
    await a.start();
    return { agent: a, lines };
  }

  const cycles = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.export !== undefined);

  async function expectFailingCycles(a: { agent: Agent; lines: () => LogLine[] }, what: string, reason: RegExp): Promise<void> {
    await waitUntil(() => cycles(a.lines()).length >= 4, 30_000, `four ${what} cycles`);
    await a.agent.stop();
    const all = cycles(a.lines());
    expect(all.every((l) => l.export === 'failed'), JSON.stringify(all)).toBe(true);
    // One export warning per cycle, with the reason, and no other line about the export (no stack
    // traces, no retry chatter). Other sources may warn on a busy machine (a CRI call at its deadline).
    const loud = a.lines().filter((l) => l.level >= 40);
    const exportLines = loud.filter((l) => /export|tls|certificate|handshake|grpc/i.test(l.msg));
    expect(exportLines, JSON.stringify(loud)).toHaveLength(all.length);
    for (const l of exportLines) expect(l.msg).toMatch(reason);
    figures.push(`${what}: ${all.length} cycles, ${loud.length} warnings, e.g. "${loud[0]?.msg}"`);
  }

  it('mTLS: the agent with export.otlp.tls.{ca,cert,key} delivers; a wrong CA or a missing client cert fails with one line per cycle', async () => {
    const file = variant(join(dir, 'mtls.yaml'), (doc) => {
      doc.receivers.otlp.protocols.grpc.tls = { cert_file: certs.serverCert, key_file: certs.serverKey, client_ca_file: certs.ca };
    });
    const c = await collector(file);
    const url = `https://127.0.0.1:${c.grpcPort}`;
    const good = await agent(url, 'tls-ok', ['--export-otlp-tls-ca', certs.ca, '--export-otlp-tls-cert', certs.clientCert, '--export-otlp-tls-key', certs.clientKey]);
    await waitUntil(() => cycles(good.lines()).filter((l) => l.export === 'ok').length >= 3, 30_000, 'three delivered mTLS cycles');
    await good.agent.stop();
    expect(cycles(good.lines()).filter((l) => l.export === 'failed')).toEqual([]);
    const got = await prometheus.waitFor('container_cpu_usage_seconds_total{job="cadvisor", instance="tls-ok", id="/"}', { timeoutMs: 20_000 });
    figures.push(`mTLS ok: ${cycles(good.lines()).length} cycles delivered, container_cpu_usage_seconds_total{id="/"} = ${got[0]?.value} in Prometheus`);

    const wrongCa = await agent(url, 'tls-wrong-ca', ['--export-otlp-tls-ca', certs.otherCa, '--export-otlp-tls-cert', certs.clientCert, '--export-otlp-tls-key', certs.clientKey]);
    await expectFailingCycles(wrongCa, 'wrong CA', /failed: UNAVAILABLE: .*(certificate|self.signed|verify)/i);
    const noCert = await agent(url, 'tls-no-client-cert', ['--export-otlp-tls-ca', certs.ca]);
    await expectFailingCycles(noCert, 'no client certificate', /failed: UNAVAILABLE: [\s\S]*certificate required/);
    expect((await prometheus.query('{instance=~"tls-wrong-ca|tls-no-client-cert"}')).length).toBe(0);
  });

  it('bearertokenauth: the right token delivers; a wrong one logs UNAUTHENTICATED and the snapshots are replayed once the collector accepts the token', async () => {
    const file = variant(join(dir, 'bearer.yaml'), (doc) => {
      doc.extensions.bearertokenauth = { token: '${env:OTLP_BEARER_TOKEN}' };
      doc.service.extensions = [...doc.service.extensions, 'bearertokenauth'];
      doc.receivers.otlp.protocols.grpc.auth = { authenticator: 'bearertokenauth' };
    });
    const grpcPort = await freePort();
    let c = await collector(file, { OTLP_BEARER_TOKEN: 's3cret' }, grpcPort);
    const url = `http://127.0.0.1:${grpcPort}`;
    const good = await agent(url, 'auth-ok', ['--export-otlp-headers', 'authorization=Bearer s3cret']);
    await waitUntil(() => cycles(good.lines()).filter((l) => l.export === 'ok').length >= 3, 30_000, 'three delivered cycles with the right token');
    await good.agent.stop();
    await prometheus.waitFor('container_cpu_usage_seconds_total{instance="auth-ok", id="/"}', { timeoutMs: 20_000 });

    // The collector's token is rotated; the agent still sends the old one.
    await c.stop();
    c = await collector(file, { OTLP_BEARER_TOKEN: 'rotated' }, grpcPort);
    const deniedFrom = Date.now() / 1000;
    const stale = await agent(url, 'auth-stale', ['--export-otlp-headers', 'authorization=Bearer s3cret']);
    await waitUntil(() => cycles(stale.lines()).filter((l) => l.export === 'failed').length >= 3, 30_000, 'three UNAUTHENTICATED cycles');
    const denied = cycles(stale.lines()).filter((l) => l.export === 'failed');
    for (const l of denied) expect(l.msg).toMatch(/failed: UNAUTHENTICATED: .*; \d+ snapshot\(s\) kept, retrying next cycle$/);
    // Kept, not dropped: the queue grows by one per cycle.
    expect(denied.map((l) => l.queued)).toEqual(denied.map((_, i) => i + 1));
    // The operator puts the agents' token back on the collector: the kept snapshots arrive.
    await c.stop();
    const deniedUntil = Date.now() / 1000;
    c = await collector(file, { OTLP_BEARER_TOKEN: 's3cret' }, grpcPort);
    await waitUntil(() => {
      const last = cycles(stale.lines()).slice(-1)[0];
      return last?.export === 'ok' && last.queued === undefined;
    }, 30_000, 'the kept snapshots to be delivered');
    await stale.agent.stop();
    await sleep(7000); // the batch timeout and the remote write
    const q = new URLSearchParams({ query: 'container_cpu_usage_seconds_total{instance="auth-stale", id="/"}[2m]', time: String(Date.now() / 1000) });
    const data = await prometheus.api<{ result: { values: [number, string][] }[] }>(`/api/v1/query?${q.toString()}`);
    const replayed = (data.result[0]?.values ?? []).filter(([t]) => t >= deniedFrom && t <= deniedUntil);
    figures.push(`bearer: ${denied.length} UNAUTHENTICATED cycles (queued ${denied.map((l) => l.queued).join(',')}), ${replayed.length} of their samples of container_cpu_usage_seconds_total{id="/"} in Prometheus after the token was accepted; e.g. "${denied[0]?.msg}"`);
    expect(replayed.length).toBeGreaterThanOrEqual(denied.length);
  });
});
