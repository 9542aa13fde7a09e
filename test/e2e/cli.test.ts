/**
 * The command line as the README documents it, run through `npm start --silent -- …` on this host:
 * the two --print formats (stdout carries only data, logs go to stderr), the strict config errors
 * (exit 2, one line per problem), secret masking in --print-config, --help against the schema, and
 * the long-running mode with no collector listening (one failure line per cycle, clean SIGTERM).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { leafPaths } from '../../src/config/schema.js';
import { toJsonPoints } from '../../src/export/sdk/json-points.js';
import { catalog } from '../../src/metrics/catalog.js';
import { closedPort, ensureBuilt, exitSummary, killAllStarted, liveGroupMembers, REPO_ROOT, runCli, startCli } from '../helpers/cli.js';
import { decodeExportRequest, flattenRequest } from '../helpers/otlp-receiver.js';

const catalogNames = new Set(catalog.map((s) => s.name));
const CRI_OFF = ['--cri-endpoint', '/nonexistent.sock'];
/** What scripts/ensure-built.mjs prints when another edit made dist/ stale: not the agent's output. */
const BUILD_LINE = /^podpulse: (building \(npm run build\)\.\.\.|build failed)$/;

beforeAll(() => ensureBuilt());
afterEach(async () => {
  await killAllStarted();
});

/** The mount point of a cgroup v1 controller, from this process's mountinfo (fields per proc(5)). */
function cgroupV1Mount(controller: string): string {
  const found = findCgroupV1Mount(controller);
  if (found === undefined) throw new Error(`no cgroup v1 mount with controller ${controller} in /proc/self/mountinfo`);
  return found;
}

function findCgroupV1Mount(controller: string): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOptions] = post.split(' ');
    if (fstype === 'cgroup' && superOptions?.split(',').includes(controller)) return pre.split(' ')[4] as string;
  }
  return undefined;
}

interface MemorySample {
  atMs: number;
  usage: number;
  workingSet: number;
}

/** cAdvisor's v1 working set of the root cgroup: usage_in_bytes - total_inactive_file (>= 0). */
function rootMemory(dir: string): MemorySample {
  const usage = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8'));
  const inactive = Number(/^total_inactive_file (\d+)$/m.exec(readFileSync(join(dir, 'memory.stat'), 'utf8'))?.[1]);
  return { atMs: Date.now(), usage, workingSet: Math.max(0, usage - inactive) };
}

interface JsonLine {
  name: string;
  type: string;
  unit: string;
  attributes: Record<string, unknown>;
  value: number;
}

function agentStderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !BUILD_LINE.test(l));
}

describe('npm start -- --once --print json', () => {
  it('prints only JSON points on stdout, logs as JSON on stderr, and the root working set matches the kernel', async () => {
    const memDir = cgroupV1Mount('memory');
    const samples: MemorySample[] = [rootMemory(memDir)];
    const poll = setInterval(() => samples.push(rootMemory(memDir)), 10);
    let run;
    try {
      run = await runCli(['--once', '--print', 'json', ...CRI_OFF], { env: { NODE_NAME: undefined } });
    } finally {
      clearInterval(poll);
    }
    samples.push(rootMemory(memDir));
    expect(run.code, run.stderr).toBe(0);
    for (const s of samples) expect(Number.isFinite(s.workingSet) && s.usage > 0, JSON.stringify(s)).toBe(true);

    const lines = run.stdout.split('\n');
    expect(lines.pop()).toBe(''); // newline-terminated
    expect(lines.length).toBeGreaterThan(50);
    const points = lines.map((l) => JSON.parse(l) as JsonLine);
    for (const p of points) {
      expect(Object.keys(p).sort()).toEqual(['attributes', 'name', 'type', 'unit', 'value']);
      expect(catalogNames.has(p.name), p.name).toBe(true);
      expect(['gauge', 'counter', 'updowncounter']).toContain(p.type);
      expect(Number.isFinite(p.value), p.name).toBe(true);
    }
    for (const l of agentStderrLines(run.stderr)) {
      const log = JSON.parse(l) as { level?: unknown; msg?: unknown; name?: unknown };
      expect(typeof log.level, l).toBe('number');
      expect(typeof log.msg, l).toBe('string');
      expect(log.name).toBe('podpulse');
    }

    const root = (name: string): JsonLine => {
      const hits = points.filter((p) => p.name === name && p.attributes.id === '/');
      expect(hits, name).toHaveLength(1);
      return hits[0] as JsonLine;
    };
    const workingSet = root('container_memory_working_set_bytes');
    expect(workingSet).toMatchObject({ type: 'gauge', unit: 'By' });
    const usage = root('container_memory_usage_bytes').value;
    // container_last_seen is the collection time: compare with the kernel sampled around it. The
    // samples before and after alone are not enough: npm and the agent themselves add ~50 MB to
    // the root cgroup while they run, ~10 % on a small VM.
    const collectedMs = root('container_last_seen').value * 1000;
    expect(collectedMs).toBeGreaterThanOrEqual((samples[0] as MemorySample).atMs);
    expect(collectedMs).toBeLessThanOrEqual((samples[samples.length - 1] as MemorySample).atMs);
    const near = samples.filter((s) => Math.abs(s.atMs - collectedMs) <= 250);
    expect(near.length, `no kernel sample within 250 ms of the collection (${samples.length} samples)`).toBeGreaterThan(0);
    const lo = (pick: (s: MemorySample) => number): number => Math.min(...near.map(pick)) * 0.95;
    const hi = (pick: (s: MemorySample) => number): number => Math.max(...near.map(pick)) * 1.05;
    expect(workingSet.value).toBeGreaterThanOrEqual(lo((s) => s.workingSet));
    expect(workingSet.value).toBeLessThanOrEqual(hi((s) => s.workingSet));
    expect(usage).toBeGreaterThanOrEqual(lo((s) => s.usage));
    expect(usage).toBeLessThanOrEqual(hi((s) => s.usage));
    // The working set is usage minus inactive file, so it must sit clearly below usage here.
    expect(workingSet.value).toBeLessThan(usage);
  });
});

/** Prometheus text exposition format 0.0.4, checked line by line. */
const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_RE = new RegExp(`^# HELP (${METRIC_NAME}) (.*)$`);
const TYPE_RE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|untyped|summary|histogram)$`);
const SAMPLE_RE = new RegExp(`^(${METRIC_NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL_RE = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\n"])*)"(?:,|$)/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = HELP_RE.exec(line))) continue;
    if ((m = TYPE_RE.exec(line))) {
      const name = m[1] as string;
      expect(types.has(name), `second TYPE line for ${name}`).toBe(false);
      if (current) closed.add(current);
      types.set(name, m[2] as string);
      current = name;
      continue;
    }
    m = SAMPLE_RE.exec(line);
    expect(m, `not a valid exposition line: ${line}`).not.toBeNull();
    const [, name, labelText = '', valueText] = m as RegExpExecArray as unknown as [string, string, string | undefined, string];
    expect(name, `sample outside its family: ${line}`).toBe(current);
    expect(closed.has(name)).toBe(false);
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest !== '') {
      const lm = LABEL_RE.exec(rest);
      expect(lm, `bad label set in: ${line}`).not.toBeNull();
      const [whole, label, value] = lm as RegExpExecArray;
      expect(label as string in labels, `duplicate label ${label} in: ${line}`).toBe(false);
      labels[label as string] = (value as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice((whole as string).length);
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    expect(valueText === 'NaN' || !Number.isNaN(value), `bad value in: ${line}`).toBe(true);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

describe('npm start -- --once --print prometheus', () => {
  it('prints valid exposition text with job="cadvisor", instance=<node> and the cAdvisor names', async () => {
    const run = await runCli(['--once', '--print', 'prometheus', ...CRI_OFF], { env: { NODE_NAME: undefined } });
    expect(run.code, run.stderr).toBe(0);
    const { types, samples } = parseExposition(run.stdout);

    const series = new Set(samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`));
    expect(series.size, 'duplicate series').toBe(samples.length);
    for (const s of samples) {
      expect(s.labels.job, `${s.name} job`).toBe('cadvisor');
      expect(s.labels.instance, `${s.name} instance`).toBe(hostname());
    }
    for (const name of types.keys()) {
      if (name !== 'target_info') expect(catalogNames.has(name), `${name} is not a catalog name`).toBe(true);
    }
    expect(types.get('container_cpu_usage_seconds_total')).toBe('counter');
    expect(types.get('container_memory_working_set_bytes')).toBe('gauge');
    expect(types.get('container_memory_failcnt')).toBe('gauge');
    expect(types.get('machine_memory_bytes')).toBe('gauge');
    expect(types.get('up')).toBe('gauge');
    expect(types.get('target_info')).toBe('gauge');

    const cpuRoot = samples.filter((s) => s.name === 'container_cpu_usage_seconds_total' && s.labels.id === '/');
    expect(cpuRoot).toHaveLength(1);
    expect(cpuRoot[0]?.labels).toEqual({
      container: '',
      cpu: 'total',
      id: '/',
      image: '',
      instance: hostname(),
      job: 'cadvisor',
      name: '',
      namespace: '',
      pod: '',
    });
    expect(cpuRoot[0]?.value).toBeGreaterThan(0);
    expect(samples.find((s) => s.name === 'up')?.value).toBe(1);
    const targetInfo = samples.find((s) => s.name === 'target_info');
    expect(targetInfo?.labels).toMatchObject({ os_type: 'linux', host_name: hostname() });
  });
});

describe('configuration errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'podpulse-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a bad flag value: exit 2 and one stderr line naming the key, the value and what is allowed', async () => {
    const run = await runCli(['--collection-interval', 'often']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = agentStderrLines(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).toContain('collection.interval');
    expect(line).toContain('"often"');
    expect(line).toMatch(/500ms|10s/);
  });

  it('an unknown key in the YAML file: exit 2 and one stderr line naming the key, the value and what is allowed', async () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'collection:\n  intervall: 5s\n');
    const run = await runCli(['--config', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = agentStderrLines(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).toContain('collection.intervall');
    expect(line, 'the line should name the value that was given').toContain('5s');
    // What is allowed: at least the key the user most likely meant.
    expect(line, 'the line should name the allowed key(s)').toMatch(/allowed[^\n]*\binterval\b/);
  });
});

describe('configuration errors found at startup (exit 2, one line naming key and value, no secret, no stack trace)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'podpulse-cli-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI and returns its only stderr line, after checking exit 2, empty stdout and no stack. */
  async function oneConfigError(args: string[], env: Record<string, string> = {}): Promise<string> {
    const run = await runCli(args, { env });
    const lines = agentStderrLines(run.stderr);
    expect({ code: run.code, stdout: run.stdout, lines: lines.length }, run.stderr).toEqual({ code: 2, stdout: '', lines: 1 });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(lines[0]).toMatch(/^podpulse: config error: /);
    return lines[0] as string;
  }

  it('--once with a missing TLS CA file names the key and the file', async () => {
    const missing = join(dir, 'missing-ca.pem');
    const line = await oneConfigError(['--once', ...CRI_OFF, '--export-otlp-endpoint', 'https://127.0.0.1:4317', '--export-otlp-tls-ca', missing]);
    expect(line).toBe(`podpulse: config error: export.otlp.tls.ca: cannot read ${missing}: ENOENT`);
  });

  it('a TLS file that is not PEM names key and file; TLS settings with http:// are refused', async () => {
    const notPem = join(dir, 'ca.txt');
    writeFileSync(notPem, 'hello\n');
    expect(await oneConfigError(['--export-otlp-endpoint', 'https://127.0.0.1:4317', '--export-otlp-tls-ca', notPem])).toContain(
      `export.otlp.tls.ca: ${notPem} is not a PEM file`,
    );
    expect(await oneConfigError(['--export-otlp-tls-insecure', 'true'])).toMatch(/export\.otlp\.tls\.insecure: only applies to an https:\/\/ endpoint.*use https:\/\//);
  });

  it('"no" for a boolean is an error, not true (TLS stays as configured)', async () => {
    const line = await oneConfigError(['--print-config'], { PODPULSE_EXPORT_OTLP_TLS_INSECURE: 'no' });
    expect(line).toBe('podpulse: config error: export.otlp.tls.insecure: must be true or false: value was "no"');
    const group = await oneConfigError(['--metrics-groups-oom-event', 'off']);
    expect(group).toBe('podpulse: config error: metrics.groups.oom_event: must be true or false: value was "off"');
  });

  it('a negative interval is reported as given, and a timer-overflowing one is refused', async () => {
    expect(await oneConfigError(['--collection-interval', '-5s'])).toMatch(/collection\.interval: .*: value was "-5s"$/);
    expect(await oneConfigError(['--collection-interval', '2147483648'])).toMatch(/collection\.interval: must be between .*: value was "2147483648"$/);
  });

  it('credentials in the endpoint URL are refused and masked, also for --print-config', async () => {
    const line = await oneConfigError(['--print-config', '--export-otlp-endpoint', 'http://agent:pa55-w0rd-x@127.0.0.1:4317']);
    expect(line).not.toContain('pa55-w0rd-x');
    expect(line).toContain('value was "http://***@127.0.0.1:4317"');
    expect(line).toContain('export.otlp.headers');
  });

  it('a header value grpc-js would reject names the header, never the token', async () => {
    const line = await oneConfigError(['--once', ...CRI_OFF], { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=Bearer%20tok-81f3e9%0A' });
    expect(line).toMatch(/export\.otlp\.headers: header "authorization": value may only hold printable ASCII/);
    expect(line).not.toContain('tok-81f3e9');
  });

  it('paths.sys without the cgroup mounts is a clear error, not zero containers', async () => {
    const emptySys = join(dir, 'sys');
    mkdirSync(emptySys, { recursive: true });
    const line = await oneConfigError(['--once', ...CRI_OFF, '--paths-sys', emptySys]);
    expect(line).toContain(`paths.sys: value was "${emptySys}": the mountinfo under paths.proc lists cgroup mounts but none is there`);
    expect(line).toContain(`missing ${emptySys}/fs/cgroup/`);
  });
});

/** The pid of the agent itself (node dist/src/main.js) in the process group npm start leads. */
function agentPid(pgid: number): number {
  for (const pid of liveGroupMembers(pgid)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').some((a) => a.endsWith('dist/src/main.js'))) return pid;
  }
  throw new Error(`no node dist/src/main.js in process group ${pgid}`);
}

describe('SIGHUP', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'podpulse-cli-hup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads a changed valid config, keeps running on an invalid one, and still stops cleanly', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const file = join(dir, 'podpulse.yaml');
    const yaml = (interval: string): string => `collection:\n  interval: ${interval}\nexport:\n  otlp:\n    endpoint: ${endpoint}\n`;
    writeFileSync(file, yaml('1s'));
    // npm start passes --config config/podpulse.yaml; a later --config wins.
    const agent = startCli(['--config', file, ...CRI_OFF]);
    const logs = (): { msg: string; interval?: string; reload?: string; changed?: string[] }[] =>
      agent.stderrLines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string });
    const started = (): { interval?: string }[] => logs().filter((l) => l.msg === 'podpulse started');
    await agent.waitForStderr(() => started().length === 1, 30_000);
    expect(started()[0]?.interval).toBe('1000ms');
    // npm itself dies on SIGHUP (it forwards only SIGINT and SIGTERM), so signal the agent process.
    const pid = agentPid(agent.pid);

    // Unchanged: restarted all the same (renewed TLS files behind the same paths are read again).
    process.kill(pid, 'SIGHUP');
    await agent.waitForStderr(() => started().length === 2, 20_000);
    expect(logs().filter((l) => l.reload === 'restarting').map((l) => l.changed)).toEqual([[]]);

    writeFileSync(file, yaml('2s'));
    process.kill(pid, 'SIGHUP');
    await agent.waitForStderr(() => started().length === 3, 20_000);
    expect(started().map((l) => l.interval)).toEqual(['1000ms', '1000ms', '2000ms']);
    // The export timeout follows the interval (it is clamped to it), so it changed too.
    expect(logs().filter((l) => l.reload === 'restarting')[1]?.changed).toEqual(['collection.intervalMs', 'export.otlp.timeoutMs']);

    writeFileSync(file, yaml('often'));
    process.kill(pid, 'SIGHUP');
    await agent.waitForStderr(() => logs().some((l) => l.reload === 'rejected'), 15_000);
    const rejected = logs().filter((l) => l.reload === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.msg).toBe(
      'SIGHUP: config not reloaded, keeping the running one: collection.interval: must be a positive duration such as 500ms, 10s, 1m or 1h: value was "often"',
    );
    // Still the 2s agent, still cycling: another export failure line arrives after the rejection.
    const failuresNow = agent.stderrLines().filter((l) => l.includes('"export":"failed"')).length;
    await agent.waitForStderr(() => agent.stderrLines().filter((l) => l.includes('"export":"failed"')).length > failuresNow, 15_000);
    expect(started()).toHaveLength(3);
    expect(agentPid(agent.pid)).toBe(pid);

    const result = await agent.stop('SIGTERM', 15_000);
    expect({ code: result.code, signal: result.signal, groupEmpty: result.groupEmpty }, exitSummary(result)).toEqual({
      code: 0,
      signal: null,
      groupEmpty: true,
    });
  });

  it('a valid config that cannot start here (port taken) is reverted to the running one', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    try {
      const file = join(dir, 'revert.yaml');
      writeFileSync(file, `collection:\n  interval: 1s\nexport:\n  otlp:\n    endpoint: ${endpoint}\n`);
      const agent = startCli(['--config', file, ...CRI_OFF]);
      const logs = (): { msg: string; reload?: string; interval?: string }[] =>
        agent.stderrLines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string });
      const started = (): unknown[] => logs().filter((l) => l.msg === 'podpulse started');
      await agent.waitForStderr(() => started().length === 1, 30_000);
      writeFileSync(file, `collection:\n  interval: 1s\nexport:\n  otlp:\n    endpoint: ${endpoint}\n  prometheus:\n    enabled: true\n    port: ${takenPort}\n`);
      process.kill(agentPid(agent.pid), 'SIGHUP');
      await agent.waitForStderr(() => logs().some((l) => l.reload === 'reverted'), 20_000);
      const cannot = logs().find((l) => l.msg.startsWith('SIGHUP: cannot start:'));
      expect(cannot?.msg).toBe(`SIGHUP: cannot start: cannot listen on 127.0.0.1:${takenPort} for export.prometheus: EADDRINUSE`);
      // Running again with the first config: a second start, and cycles go on.
      expect(started()).toHaveLength(2);
      const cycles = agent.stderrLines().filter((l) => l.includes('"export":"failed"')).length;
      await agent.waitForStderr(() => agent.stderrLines().filter((l) => l.includes('"export":"failed"')).length > cycles, 15_000);
      const result = await agent.stop('SIGTERM', 15_000);
      expect({ code: result.code, signal: result.signal, groupEmpty: result.groupEmpty }, exitSummary(result)).toEqual({
        code: 0,
        signal: null,
        groupEmpty: true,
      });
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl; undefined without it. */
function makePki(dir: string): Record<'caCrt' | 'serverCrt' | 'serverKey' | 'clientCrt' | 'clientKey' | 'otherCaCrt', string> | undefined {
  const p = (n: string): string => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  writeFileSync(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  const steps = [
    ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '1', '-subj', '/CN=podpulse test CA'],
    ['req', '-x509', ...ec, '-keyout', p('other-ca.key'), '-out', p('other-ca.crt'), '-days', '1', '-subj', '/CN=another CA'],
    ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1'],
    ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '1', '-extfile', p('server.ext')],
    ['req', ...ec, '-keyout', p('client.key'), '-out', p('client.csr'), '-subj', '/CN=podpulse-agent'],
    ['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('client.crt'), '-days', '1', '-extfile', p('client.ext')],
  ];
  for (const args of steps) {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) return undefined;
  }
  return {
    caCrt: p('ca.crt'),
    serverCrt: p('server.crt'),
    serverKey: p('server.key'),
    clientCrt: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCrt: p('other-ca.crt'),
  };
}

interface TlsCall {
  authorization: string[];
  security: string | undefined;
  clientCn: string | undefined;
  metrics: string[];
}

/** An OTLP/gRPC metrics endpoint on 127.0.0.1 over TLS that requires a client certificate. */
async function startTlsReceiver(pki: NonNullable<ReturnType<typeof makePki>>): Promise<{ port: number; calls: TlsCall[]; stop: () => void }> {
  const calls: TlsCall[] = [];
  const server = new grpc.Server();
  const raw = (b: Buffer): Buffer => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        // An empty ExportMetricsServiceResponse encodes as zero bytes.
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: raw,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        const auth = call.getAuthContext();
        const request = flattenRequest(decodeExportRequest(call.request));
        calls.push({
          authorization: call.metadata.get('authorization').map(String),
          security: auth.transportSecurityType,
          clientCn: auth.sslPeerCertificate?.subject?.CN as string | undefined,
          metrics: request.metrics.map((m) => m.name),
        });
        done(null, Buffer.alloc(0));
      },
    },
  );
  const creds = grpc.ServerCredentials.createSsl(
    readFileSync(pki.caCrt),
    [{ cert_chain: readFileSync(pki.serverCrt), private_key: readFileSync(pki.serverKey) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
  return { port, calls, stop: () => server.forceShutdown() };
}

const pkiDir = mkdtempSync(join(tmpdir(), 'podpulse-cli-pki-'));
const pki = makePki(pkiDir);
const pkiGate = pki ? '' : ' (skipped: openssl not available to make certificates)';

describe.skipIf(pkiGate !== '')(`npm start -- --once over mTLS to a real TLS gRPC endpoint${pkiGate}`, () => {
  let receiver: Awaited<ReturnType<typeof startTlsReceiver>>;
  beforeAll(async () => {
    receiver = await startTlsReceiver(pki as NonNullable<typeof pki>);
  });
  afterAll(() => {
    receiver?.stop();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  const tlsArgs = (ca: string): string[] => [
    '--once',
    ...CRI_OFF,
    '--export-otlp-endpoint',
    `https://127.0.0.1:${receiver.port}`,
    '--export-otlp-tls-ca',
    ca,
    '--export-otlp-tls-cert',
    (pki as NonNullable<typeof pki>).clientCrt,
    '--export-otlp-tls-key',
    (pki as NonNullable<typeof pki>).clientKey,
  ];

  it('pushes over TLS with the client certificate and the authorization header', async () => {
    const before = receiver.calls.length;
    const run = await runCli(tlsArgs((pki as NonNullable<typeof pki>).caCrt), { env: { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=Bearer%20tls-test-token' } });
    expect(run.code, run.stderr).toBe(0);
    const calls = receiver.calls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]).toMatchObject({ authorization: ['Bearer tls-test-token'], security: 'ssl', clientCn: 'podpulse-agent' });
    expect(calls[0]?.metrics).toContain('container_cpu_usage_seconds_total');
    expect(run.stderr).not.toContain('tls-test-token');
  });

  it('a server certificate from another CA is refused: the export fails (exit 1), nothing arrives', async () => {
    const before = receiver.calls.length;
    const run = await runCli(tlsArgs((pki as NonNullable<typeof pki>).otherCaCrt));
    expect(run.code, run.stderr).toBe(1);
    expect(receiver.calls.length).toBe(before);
    expect(run.stderr).toMatch(/export to https:\/\/127\.0\.0\.1:\d+ (failed|refused)/);
  });
});

describe('npm start -- --print-config', () => {
  it('masks OTLP headers given in the environment', async () => {
    const run = await runCli(['--print-config'], {
      env: { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=secret', PODPULSE_COLLECTION_INTERVAL: '7s' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('secret');
    expect(run.stderr).not.toContain('secret');
    const printed = JSON.parse(run.stdout) as { collection: { interval: unknown }; export: { otlp: { headers: unknown } } };
    // The environment was read (the interval proves it) and the header is there, but masked.
    expect(printed.collection.interval).toBe(7000);
    expect(printed.export.otlp.headers).toBe('[Sensitive]');
  });
});

describe('npm start -- --help', () => {
  it('lists every config key with its flag and environment variable', async () => {
    const run = await runCli(['--help']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const leaves = leafPaths();
    expect(leaves.length).toBeGreaterThan(20);
    for (const { path, leaf } of leaves) {
      expect(lines, path).toContain(`  ${path}`);
      expect(run.stdout, path).toContain(`--${leaf.arg}`);
      expect(run.stdout, path).toContain(leaf.env as string);
    }
  });
});

describe('npm start with no collector listening', () => {
  it('keeps collecting, logs one UNAVAILABLE failure per cycle, and exits 0 on SIGTERM leaving no process', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    const agent = startCli(['--export-otlp-endpoint', endpoint, '--collection-interval', '1s', ...CRI_OFF]);
    // The CRI warning (nonexistent socket) also says "failed: UNAVAILABLE"; count the export's lines.
    const failures = (): string[] =>
      agent.stderrLines().filter((l) => l.includes('failed') && l.includes('UNAVAILABLE') && l.includes(endpoint));
    await agent.waitForStderr(() => failures().length >= 2, 20_000);
    const wait = 4000 - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const elapsedS = (Date.now() - t0) / 1000;

    expect(agent.running, 'npm start exited on its own').toBe(true);
    expect(agent.groupAlive()).toBe(true);
    const lines = failures();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // One line per cycle, not per retry: never more lines than cycles, and each cycle keeps one more snapshot.
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; queued: number; export: string });
    for (const p of parsed) {
      expect(p.export).toBe('failed');
      expect(p.msg).toContain(endpoint);
    }
    const queued = parsed.map((p) => p.queued);
    expect(queued).toEqual([...queued].sort((a, b) => a - b));
    expect(new Set(queued).size).toBe(queued.length);
    expect(agent.stdout).toBe('');

    const result = await agent.stop('SIGTERM', 15_000);
    expect(result.stderr).toContain('shutting down');
    expect(
      { code: result.code, signal: result.signal, groupEmpty: result.groupEmpty },
      exitSummary(result),
    ).toEqual({ code: 0, signal: null, groupEmpty: true });
  });
});

describe('repeated SIGTERMs', () => {
  // Under `npm start` a signal sent to the process group reaches the agent twice: directly and
  // forwarded by npm, whose copy can come late on a busy machine. One that arrived after node had
  // begun its natural exit (which removes the signal handlers) killed the agent by SIGTERM, and npm
  // with it. Here the agent itself gets a SIGTERM every millisecond until it is gone: with a handler
  // in place until the very end, it always exits 0 and never dies of the signal.
  it('a SIGTERM every millisecond until exit: the agent still exits 0, not by the signal', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      // A 1 s interval bounds the shutdown (a cycle's export retries stop at 0.8 of it).
      const child = spawn(process.execPath, ['dist/src/main.js', '--config', 'config/podpulse.yaml', '--export-otlp-endpoint', endpoint, '--collection-interval', '1s', ...CRI_OFF], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const deadline = Date.now() + 30_000;
      while (!stderr.includes('podpulse started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stderr, 'the agent did not start within 30 s').toContain('podpulse started');
      let sent = 0;
      const storm = setInterval(() => {
        if (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM')) sent++;
      }, 1);
      const result = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
      clearInterval(storm);
      if (result === undefined) child.kill('SIGKILL');
      const tail = stderr.split('\n').filter((l) => l !== '').slice(-3).join('\n');
      outcomes.push(`round ${round}: ${result ? `code=${result.code} signal=${result.signal}` : 'no exit within 20 s'} after ${sent} SIGTERMs\n${tail}`);
      expect(result, outcomes.join('\n')).toEqual({ code: 0, signal: null });
    }
  });
});

/** Sum of the `Read` lines of a blkio.throttle.io_service_bytes* file (all devices). */
function blkioReadBytes(file: string): number {
  let sum = 0;
  for (const m of readFileSync(file, 'utf8').matchAll(/^\d+:\d+ Read (\d+)$/gm)) sum += Number(m[1]);
  return sum;
}

const blkioMount = findCgroupV1Mount('blkio');
const blkioGate =
  process.getuid?.() !== 0 ? 'not root' : blkioMount === undefined ? 'no cgroup v1 blkio mount' : '';

describe.skipIf(blkioGate !== '')(
  `root block I/O counter on cgroup v1${blkioGate ? ` (skipped: ${blkioGate})` : ''}`,
  () => {
    it('container_fs_reads_bytes_total{id="/"} does not fall when a cgroup that did I/O is removed', async () => {
      const mount = blkioMount as string;
      const rootFile = join(mount, 'blkio.throttle.io_service_bytes_recursive');
      const child = join(mount, `podpulse-e2e-blkio-${process.pid}`);
      // One long-lived agent (in process): carrying the lost amount forward is state kept between cycles.
      const agent = new Agent({ config: loadConfig([...CRI_OFF, '--discovery-max-cgroups', '25'], {}).config, env: {}, log: pino({ level: 'silent' }) });
      const rootReads = async (): Promise<number> => {
        const points = (toJsonPoints(await agent.collectOnce()) as JsonLine[])
          .filter((p) => p.name === 'container_fs_reads_bytes_total' && p.attributes.id === '/');
        expect(points.length).toBeGreaterThan(0);
        return points.reduce((n, p) => n + p.value, 0);
      };

      mkdirSync(child);
      let childReads: number;
      let before: number;
      let kernelBefore: number;
      try {
        // Direct I/O bypasses the page cache, so the read really reaches the disk and is charged
        // to the child cgroup.
        const dd = spawnSync(
          'sh',
          ['-c', `echo $$ > ${child}/cgroup.procs && exec dd if=${process.execPath} of=/dev/null bs=1M iflag=direct status=none`],
          { encoding: 'utf8', timeout: 30_000 },
        );
        expect(dd.status, dd.stderr).toBe(0);
        childReads = blkioReadBytes(join(child, 'blkio.throttle.io_service_bytes_recursive'));
        expect(childReads).toBeGreaterThan(10 * 1024 * 1024);
        before = await rootReads();
        kernelBefore = blkioReadBytes(rootFile);
      } finally {
        if (existsSync(child)) rmdirSync(child);
      }
      // The kernel frees the removed cgroup's stats asynchronously; give it time to.
      const deadline = Date.now() + 10_000;
      while (blkioReadBytes(rootFile) > kernelBefore - childReads / 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = await rootReads();
      expect(
        after,
        `root reads fell from ${before} to ${after} after removing a cgroup that read ${childReads} bytes ` +
          `(kernel root ${rootFile}: ${kernelBefore} -> ${blkioReadBytes(rootFile)})`,
      ).toBeGreaterThanOrEqual(before);
    });
  },
);
