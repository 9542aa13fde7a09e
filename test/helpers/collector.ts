/**
 * The real OpenTelemetry Collector for tests: the binary test/collector-setup.ts builds from
 * otel-collector/ (go.mod pins the versions the official contrib image ships), started on 127.0.0.1
 * with ports picked free, stopped by its own pid.
 *
 * ```ts
 * const col = collectorOrSkip();
 * describe.skipIf(col.skip)(col.title('agent -> collector -> Prometheus'), () => {
 *   const c = await startCollector({ remoteWriteUrl: `${prom.url}/api/v1/write` });   // otel-collector/config.yaml
 *   await c.stop(); await c.start();   // same ports: an outage and a restart
 * });
 * ```
 *
 * Also here: a loopback TCP proxy that counts the bytes an agent sends and reads the gRPC
 * compressed-flag of every request from the HTTP/2 DATA frames, a Prometheus text parser, and the
 * list of PromQL expressions (dashboards, recording rules, alerts) the live suites evaluate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from './prometheus.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The one collector config: tests, compose and the Kubernetes ConfigMap all use it. */
export const COLLECTOR_CONFIG = `${REPO}otel-collector/config.yaml`;

// ---------------------------------------------------------------------------------------------
// Gate (provided by test/collector-setup.ts).

export type ProvidedCollector = { binary: string; buildMs: number; unavailable?: undefined } | { unavailable: string; binary?: undefined; buildMs?: undefined };

declare module 'vitest' {
  export interface ProvidedContext {
    collector: ProvidedCollector;
  }
}

export interface CollectorGate {
  skip: boolean;
  reason: string;
  title(name: string): string;
  /** The built binary; throws when there is none (call inside tests and hooks only). */
  binary(): string;
  /** How long the setup's build took (0: the binary was up to date). */
  buildMs(): number;
}

export function collectorOrSkip(): CollectorGate {
  const provided = inject('collector') as ProvidedCollector | undefined;
  const reason = provided === undefined ? 'test/collector-setup.ts did not run (not in vitest.config.ts globalSetup?)' : (provided.unavailable ?? '');
  return {
    skip: reason !== '',
    reason,
    title: (name) => (reason === '' ? name : `${name} (skipped: ${reason})`),
    binary: () => {
      if (provided?.binary === undefined) throw new Error(`no collector binary: ${reason}`);
      return provided.binary;
    },
    buildMs: () => provided?.buildMs ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// A running collector.

export interface StartCollectorOptions {
  /** The binary (collectorOrSkip().binary()). */
  binary: string;
  /** Prometheus' /api/v1/write URL (PROMETHEUS_REMOTE_WRITE_URL). */
  remoteWriteUrl: string;
  /** Config file; default otel-collector/config.yaml. */
  configFile?: string;
  /** Extra environment (e.g. a token a generated test config reads). */
  env?: Record<string, string>;
  /** Ports to reuse; default: picked free. */
  grpcPort?: number;
  /** How long to wait for the health check. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningCollector {
  /** 127.0.0.1:<port> of the OTLP/gRPC receiver. */
  readonly grpcAddress: string;
  readonly grpcPort: number;
  /** Current pid (changes with each start()). */
  readonly pid: number;
  /** The collector's own metrics in Prometheus text (otelcol_*). */
  selfMetrics(): Promise<string>;
  /** Everything the collector logged (all runs), for failure messages. */
  log(): string;
  /** SIGTERM by pid (SIGKILL after 15 s); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again with the same ports and environment; resolves once healthy. */
  start(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startCollector(opts: StartCollectorOptions): Promise<RunningCollector> {
  const grpcPort = opts.grpcPort ?? (await freePort());
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
    PROMETHEUS_REMOTE_WRITE_URL: opts.remoteWriteUrl,
    HEALTH_CHECK_ENDPOINT: `127.0.0.1:${healthPort}`,
    OTELCOL_METRICS_HOST: '127.0.0.1',
    OTELCOL_METRICS_PORT: String(metricsPort),
    ...opts.env,
  };
  let log = '';
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error('collector already running');
    const c = spawn(opts.binary, ['--config', opts.configFile ?? COLLECTOR_CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const append = (d: Buffer): void => {
      log += d.toString();
      if (log.length > 400_000) log = log.slice(-200_000);
    };
    c.stdout?.on('data', append);
    c.stderr?.on('data', append);
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`collector exited (${c.exitCode ?? c.signalCode}) before healthy:\n${log.slice(-3000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${healthPort}/`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`collector not healthy after ${opts.readyTimeoutMs ?? 30_000} ms:\n${log.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    if (!(await waitExit(c, 15_000))) {
      c.kill('SIGKILL');
      await waitExit(c, 5000);
    }
  };

  await start();
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    grpcPort,
    get pid() {
      return child?.pid ?? -1;
    },
    async selfMetrics() {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      return res.text();
    },
    log: () => log,
    stop,
    start,
  };
}

/** Sum of every sample of `name` in a Prometheus text exposition (0 when absent). */
export function sumSamples(text: string, name: string): number {
  return parseExposition(text)
    .filter((s) => s.name === name)
    .reduce((n, s) => n + s.value, 0);
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format.

export interface TextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses `name{a="b",…} value` lines (no timestamps, as podpulse prints them); skips comments. */
export function parseExposition(text: string): TextSample[] {
  const out: TextSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let l = re.exec(body); l; l = re.exec(body)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[4] as string;
    out.push({ name: m[1] as string, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return out;
}

/** A stable key for a label set (name included). Empty values are left out: PromQL treats them as absent. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const kept = Object.entries(labels)
    .filter(([k, v]) => k !== '__name__' && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${name}{${kept.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// A byte-counting loopback proxy that also reads gRPC's compressed flag.

export interface CountingProxy {
  readonly port: number;
  /** Bytes agent -> collector (TCP payload, i.e. HTTP/2 frames), since the last reset. */
  readonly bytesUp: number;
  /** gRPC messages seen agent -> collector with the compressed flag set / not set. */
  readonly compressed: number;
  readonly uncompressed: number;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Reads client-to-server HTTP/2: the 24-byte preface, then 9-byte frame headers. The first byte of
 * the first DATA payload of a stream is the gRPC length-prefix's compressed flag (1 = the message is
 * compressed with the grpc-encoding the headers named).
 */
class H2FlagReader {
  #buf = Buffer.alloc(0);
  #prefaceLeft = 24;
  #seen = new Set<number>();
  constructor(private readonly onMessage: (compressed: boolean) => void) {}

  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    if (this.#prefaceLeft > 0) {
      const n = Math.min(this.#prefaceLeft, this.#buf.length);
      this.#buf = this.#buf.subarray(n);
      this.#prefaceLeft -= n;
    }
    while (this.#buf.length >= 9) {
      const len = this.#buf.readUIntBE(0, 3);
      if (this.#buf.length < 9 + len) return;
      const type = this.#buf[3] as number;
      const flags = this.#buf[4] as number;
      const stream = this.#buf.readUInt32BE(5) & 0x7fffffff;
      let payload = this.#buf.subarray(9, 9 + len);
      this.#buf = this.#buf.subarray(9 + len);
      if (type !== 0 || this.#seen.has(stream) || payload.length === 0) continue;
      if (flags & 0x8) payload = payload.subarray(1); // PADDED: pad length first
      if (payload.length === 0) continue;
      this.#seen.add(stream);
      this.onMessage(payload[0] === 1);
    }
  }
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let bytesUp = 0;
  let compressed = 0;
  let uncompressed = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const reader = new H2FlagReader((c) => (c ? compressed++ : uncompressed++));
    client.on('data', (d: Buffer) => {
      bytesUp += d.length;
      reader.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    get bytesUp() {
      return bytesUp;
    },
    get compressed() {
      return compressed;
    },
    get uncompressed() {
      return uncompressed;
    },
    reset() {
      bytesUp = 0;
      compressed = 0;
      uncompressed = 0;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
