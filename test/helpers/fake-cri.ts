/**
 * A fake CRI runtime for tests: a real grpc-js server implementing podpulse's RuntimeService
 * subset (src/runtime/cri/api.proto, plus the lifecycle calls of test/protos/cri-admin.proto) on a
 * unix socket in a temp dir. No mocks of
 * grpc: the client under test goes through the same wire path as against containerd.
 *
 * It serves a scenario folder, test/fixtures/cri/<scenario>/, holding responses in the shape
 * proto-loader decodes (snake_case, int64 as strings, enums by name):
 *   version.json status.json                    Version / Status responses
 *   pods.json containers.json                   ListPodSandbox / ListContainers responses
 *   pod-status/<id>.json container-status/<id>.json   verbose status responses
 *   container-stats.json pod-stats.json         ListContainerStats / ListPodSandboxStats responses
 *   pod-stats/<id>.json                         optional PodSandboxStats override
 * Any response file may instead hold {"error": {"code": <grpc status>, "details": "…"}}.
 *
 * Lists honour the request filters (id, pod sandbox id, state, label selector). The lifecycle
 * calls (RunPodSandbox … RemovePodSandbox) record their requests and mutate the listed state,
 * so CriAdmin can be tested too. `stall`, `hang`, `failNext`, `stop`/`restart` script misbehaviour.
 * `startSilentSocket` is the other kind of hang: a socket that accepts and never says a word.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadCriPackage } from '../../src/runtime/cri/connection.js';
import { loadCriAdminPackage } from './cri-admin.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cri/', import.meta.url));

type Json = Record<string, unknown>;
type ErrorSpec = { error: { code: grpc.status; details: string } };

/** One recorded call: rpc name and the decoded request. */
export interface FakeCriCall {
  rpc: string;
  request: Json;
}

export interface FakeCriOptions {
  /** Folder name under test/fixtures/cri. */
  scenario: string;
}

export interface FakeCri {
  /** Socket path on disk. */
  readonly socketPath: string;
  /** `unix://<socketPath>`, what CriRuntime's `endpoint` takes. */
  readonly endpoint: string;
  /** Every call received, in order. */
  readonly calls: FakeCriCall[];
  /** Calls of one rpc, in order. */
  callsOf(rpc: string): FakeCriCall[];
  /** Answer `rpc` (or every rpc with '*') only after `ms`; 0 turns it off. */
  stall(rpc: string, ms: number): void;
  /**
   * Never answer `rpc` (or every rpc with '*'), like a runtime stuck on a dead shim: calls stay open
   * until the client gives up. `release` answers the held calls and ends the hang.
   */
  hang(rpc: string): void;
  release(rpc: string): void;
  /** Calls received and not answered yet (held by `hang` or `stall`), by rpc. */
  pending(rpc?: string): number;
  /** Answer the next `count` calls of `rpc` with this status. */
  failNext(rpc: string, code: grpc.status, details?: string, count?: number): void;
  /** Close the socket (clients see UNAVAILABLE); state and recordings are kept. */
  stop(): Promise<void>;
  /** Listen again on the same socket path. */
  restart(): Promise<void>;
  /** Stop and delete the temp dir. */
  dispose(): Promise<void>;
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

function isError(v: unknown): v is ErrorSpec {
  return typeof v === 'object' && v !== null && 'error' in v;
}

function notFound(kind: string, id: string): ErrorSpec {
  return { error: { code: grpc.status.NOT_FOUND, details: `an error occurred when try to find ${kind} "${id}": not found` } };
}

function labelsMatch(labels: unknown, selector: unknown): boolean {
  const sel = (selector ?? {}) as Record<string, string>;
  const have = (labels ?? {}) as Record<string, string>;
  return Object.entries(sel).every(([k, v]) => have[k] === v);
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Serves `opts.scenario` on a fresh unix socket. Always dispose() it. */
export async function startFakeCri(opts: FakeCriOptions): Promise<FakeCri> {
  const dir = join(FIXTURES, opts.scenario);
  if (!existsSync(dir)) throw new Error(`no CRI scenario ${opts.scenario} under ${FIXTURES}`);
  const file = (name: string) => readJson(join(dir, name));
  const optionalFile = (name: string) => (existsSync(join(dir, name)) ? readJson(join(dir, name)) : undefined);

  // Mutable copies of the scenario: lifecycle calls change them.
  const pods = (file('pods.json')['items'] as Json[]).map((p) => ({ ...p }));
  const containers = (file('containers.json')['containers'] as Json[]).map((c) => ({ ...c }));

  const calls: FakeCriCall[] = [];
  const stalls = new Map<string, number>();
  const failures = new Map<string, { code: grpc.status; details: string }[]>();
  const timers = new Set<NodeJS.Timeout>();
  const hangs = new Set<string>();
  /** Held calls: their rpc and how to answer them now. */
  const held = new Set<{ rpc: string; respond: () => void; cancelled: () => boolean }>();
  let inFlight: { rpc: string }[] = [];

  const tmp = mkdtempSync(join(tmpdir(), 'podpulse-fake-cri-'));
  const socketPath = join(tmp, 'cri.sock');
  let server: grpc.Server | undefined;

  const containerById = (id: string) => containers.find((c) => c['id'] === id);
  const podById = (id: string) => pods.find((p) => p['id'] === id);

  // Each handler returns a response object or an ErrorSpec.
  const handlers: Record<string, (req: Json) => Json | ErrorSpec> = {
    Version: () => file('version.json'),
    Status: () => file('status.json'),

    ListPodSandbox: (req) => {
      const f = req['filter'] as Json | null;
      const items = pods.filter(
        (p) =>
          !f ||
          ((!f['id'] || p['id'] === f['id']) &&
            (!f['state'] || p['state'] === (f['state'] as Json)['state']) &&
            labelsMatch(p['labels'], f['label_selector'])),
      );
      return { items };
    },
    PodSandboxStatus: (req) => {
      const id = req['pod_sandbox_id'] as string;
      const pod = podById(id);
      if (!pod) return notFound('sandbox', id);
      const canned = optionalFile(`pod-status/${id}.json`);
      if (canned) return canned;
      // Pods created through RunPodSandbox: a non-verbose status built from the list entry.
      return {
        status: { ...pod, network: { ip: '10.88.0.200', additional_ips: [] }, linux: null },
        info: {},
        timestamp: '0',
      };
    },
    ListContainers: (req) => {
      const f = req['filter'] as Json | null;
      return {
        containers: containers.filter(
          (c) =>
            !f ||
            ((!f['id'] || c['id'] === f['id']) &&
              (!f['pod_sandbox_id'] || c['pod_sandbox_id'] === f['pod_sandbox_id']) &&
              (!f['state'] || c['state'] === (f['state'] as Json)['state']) &&
              labelsMatch(c['labels'], f['label_selector'])),
        ),
      };
    },
    ContainerStatus: (req) => {
      const id = req['container_id'] as string;
      if (!containerById(id)) return notFound('container', id);
      return optionalFile(`container-status/${id}.json`) ?? notFound('container status fixture', id);
    },
    ListContainerStats: (req) => {
      const f = req['filter'] as Json | null;
      const all = file('container-stats.json');
      if (isError(all)) return all;
      const stats = (all['stats'] as Json[]).filter((s) => {
        const id = (s['attributes'] as Json)['id'] as string;
        const c = containerById(id);
        if (!c) return false;
        return !f || ((!f['id'] || id === f['id']) && (!f['pod_sandbox_id'] || c['pod_sandbox_id'] === f['pod_sandbox_id']));
      });
      return { stats };
    },
    ListPodSandboxStats: (req) => {
      const f = req['filter'] as Json | null;
      const all = file('pod-stats.json');
      if (isError(all)) return all;
      const stats = (all['stats'] as Json[]).filter((s) => {
        const id = (s['attributes'] as Json)['id'] as string;
        return podById(id) !== undefined && (!f || !f['id'] || id === f['id']);
      });
      return { stats };
    },
    PodSandboxStats: (req) => {
      const id = req['pod_sandbox_id'] as string;
      if (!podById(id)) return notFound('sandbox', id);
      const canned = optionalFile(`pod-stats/${id}.json`);
      if (canned) return canned;
      const all = file('pod-stats.json');
      if (isError(all)) return all;
      const hit = (all['stats'] as Json[]).find((s) => (s['attributes'] as Json)['id'] === id);
      return hit ? { stats: hit } : notFound('sandbox stats', id);
    },

    RunPodSandbox: (req) => {
      const config = req['config'] as Json;
      const id = newId();
      pods.push({
        id,
        metadata: config['metadata'],
        state: 'SANDBOX_READY',
        created_at: String(BigInt(Date.now()) * 1_000_000n),
        labels: config['labels'],
        annotations: config['annotations'],
        runtime_handler: req['runtime_handler'],
      });
      return { pod_sandbox_id: id };
    },
    StopPodSandbox: (req) => {
      const id = req['pod_sandbox_id'] as string;
      const pod = podById(id);
      if (!pod) return notFound('sandbox', id);
      pod['state'] = 'SANDBOX_NOTREADY';
      for (const c of containers) if (c['pod_sandbox_id'] === id) c['state'] = 'CONTAINER_EXITED';
      return {};
    },
    RemovePodSandbox: (req) => {
      const id = req['pod_sandbox_id'] as string;
      const i = pods.findIndex((p) => p['id'] === id);
      if (i >= 0) pods.splice(i, 1);
      for (let j = containers.length - 1; j >= 0; j--) if (containers[j]?.['pod_sandbox_id'] === id) containers.splice(j, 1);
      return {}; // idempotent, like containerd
    },
    CreateContainer: (req) => {
      const podId = req['pod_sandbox_id'] as string;
      if (!podById(podId)) return notFound('sandbox', podId);
      const config = req['config'] as Json;
      const id = newId();
      containers.push({
        id,
        pod_sandbox_id: podId,
        metadata: config['metadata'],
        image: config['image'],
        image_ref: 'sha256:fake',
        state: 'CONTAINER_CREATED',
        created_at: String(BigInt(Date.now()) * 1_000_000n),
        labels: config['labels'],
        annotations: config['annotations'],
      });
      return { container_id: id };
    },
    StartContainer: (req) => {
      const c = containerById(req['container_id'] as string);
      if (!c) return notFound('container', req['container_id'] as string);
      c['state'] = 'CONTAINER_RUNNING';
      return {};
    },
    StopContainer: (req) => {
      const c = containerById(req['container_id'] as string);
      if (!c) return notFound('container', req['container_id'] as string);
      c['state'] = 'CONTAINER_EXITED';
      return {};
    },
    RemoveContainer: (req) => {
      const i = containers.findIndex((c) => c['id'] === req['container_id']);
      if (i >= 0) containers.splice(i, 1);
      return {};
    },
  };

  function wrap(rpc: string, handler: (req: Json) => Json | ErrorSpec): grpc.handleUnaryCall<Json, Json> {
    return (call, callback) => {
      calls.push({ rpc, request: call.request });
      const entry = { rpc };
      inFlight.push(entry);
      call.on('cancelled', () => (inFlight = inFlight.filter((e) => e !== entry)));
      const respond = () => {
        inFlight = inFlight.filter((e) => e !== entry);
        const scripted = failures.get(rpc)?.shift();
        const out = scripted ? { error: scripted } : handler(call.request);
        if (isError(out)) callback({ code: out.error.code, details: out.error.details });
        else callback(null, out);
      };
      if (hangs.has(rpc) || hangs.has('*')) {
        const h = { rpc, respond, cancelled: () => call.cancelled };
        held.add(h);
        call.on('cancelled', () => held.delete(h));
        return;
      }
      const ms = stalls.get(rpc) ?? stalls.get('*') ?? 0;
      if (ms <= 0) return respond();
      const t = setTimeout(() => {
        timers.delete(t);
        if (!call.cancelled) respond();
      }, ms);
      timers.add(t);
    };
  }

  // Both protos declare runtime.v1.RuntimeService with different methods: one server serves the
  // union, as a real runtime does.
  const services = [loadCriPackage().RuntimeService.service, loadCriAdminPackage().RuntimeService.service];
  const implOf = (service: grpc.ServiceDefinition): grpc.UntypedServiceImplementation => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const rpc of Object.keys(service)) {
      const h = handlers[rpc];
      if (!h) throw new Error(`fake CRI has no handler for ${rpc}`);
      impl[rpc] = wrap(rpc, h);
    }
    return impl;
  };

  async function listen(): Promise<void> {
    const s = new grpc.Server();
    for (const service of services) s.addService(service, implOf(service));
    await new Promise<void>((resolve, reject) =>
      s.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    server = s;
  }

  async function stop(): Promise<void> {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    held.clear();
    inFlight = [];
    server?.forceShutdown();
    server = undefined;
    rmSync(socketPath, { force: true });
  }

  await listen();

  return {
    socketPath,
    endpoint: `unix://${socketPath}`,
    calls,
    callsOf: (rpc) => calls.filter((c) => c.rpc === rpc),
    stall(rpc, ms) {
      stalls.set(rpc, ms);
    },
    hang(rpc) {
      hangs.add(rpc);
    },
    release(rpc) {
      hangs.delete(rpc);
      for (const h of [...held]) {
        if (rpc !== '*' && h.rpc !== rpc) continue;
        held.delete(h);
        if (!h.cancelled()) h.respond();
      }
    },
    pending: (rpc) => inFlight.filter((e) => rpc === undefined || e.rpc === rpc).length,
    failNext(rpc, code, details = `scripted ${grpc.status[code]}`, count = 1) {
      const q = failures.get(rpc) ?? [];
      for (let i = 0; i < count; i++) q.push({ code, details });
      failures.set(rpc, q);
    },
    stop,
    async restart() {
      if (!server) await listen();
    },
    async dispose() {
      await stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A socket path in a fresh temp dir where nothing listens (for UNAVAILABLE tests). */
export function absentSocketPath(): { path: string; cleanup: () => void } {
  const tmp = mkdtempSync(join(tmpdir(), 'podpulse-no-cri-'));
  return { path: join(tmp, 'missing.sock'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/**
 * A unix socket that accepts connections and never answers: the HTTP/2 handshake never completes,
 * as with a runtime whose process is stopped (SIGSTOP) or wedged. Counts the connections made, so a
 * test can see a client give up on one and open another.
 */
export interface SilentSocket {
  readonly socketPath: string;
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections still open. */
  readonly open: number;
  dispose(): Promise<void>;
}

export async function startSilentSocket(): Promise<SilentSocket> {
  const tmp = mkdtempSync(join(tmpdir(), 'podpulse-silent-cri-'));
  const socketPath = join(tmp, 'cri.sock');
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => sockets.delete(s));
    // Read and discard: the client's preface and requests go nowhere.
    s.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    endpoint: `unix://${socketPath}`,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    async dispose() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
