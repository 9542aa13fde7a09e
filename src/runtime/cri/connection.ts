import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { RuntimeCallError } from '../runtime-error.js';
import { parseCriEndpoint } from './endpoint.js';

/**
 * api.proto sits next to this module in src/ (vitest, tsx) and, once the build copied it, in
 * dist/src/. The second candidate lets a dist build without that copy step still run from a
 * checkout.
 */
const PROTO_CANDIDATES = [
  new URL('./api.proto', import.meta.url),
  new URL('../../../../src/runtime/cri/api.proto', import.meta.url),
];

export function criProtoPath(): string {
  for (const url of PROTO_CANDIDATES) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `CRI api.proto not found (looked at ${PROTO_CANDIDATES.map((u) => fileURLToPath(u)).join(', ')}); ` +
      'the build must copy src/**/*.proto next to the compiled files',
  );
}

/** proto-loader options every CRI user in podpulse shares (scripts/proto-types.mjs generates the types with the same). */
export const CRI_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface RuntimeV1 {
  RuntimeService: grpc.ServiceClientConstructor;
}

/** Loads runtime.v1 from api.proto (each caller loads its own copy: no module-level cache). */
export function loadCriPackage(): RuntimeV1 {
  const def = protoLoader.loadSync(criProtoPath(), CRI_LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: RuntimeV1 } };
  return root.runtime.v1;
}

export interface CriConnectionOptions {
  /** `unix:///run/containerd/containerd.sock` or a bare absolute socket path. */
  endpoint: string;
  /** Largest response accepted, bytes. Default 16 MiB (containerd's own send limit). */
  maxReceiveMessageBytes?: number;
  /**
   * runtime.v1 as loadCriPackage() returns it. Parsing api.proto costs 15–40 ms of blocked event
   * loop; a caller that reconnects often (every cycle while the runtime is down) loads it once.
   * Tests pass the package of their own proto here to make the calls the agent never makes.
   */
  criPackage?: RuntimeV1;
}

type UnaryMethod = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

const UNREACHABLE = /ENOENT|ECONNREFUSED|EACCES|ENOTSOCK|No connection established/;

/** Maps a grpc-js failure to RuntimeCallError; `rpc` and the endpoint go into the message. */
export function toRuntimeCallError(err: unknown, rpc: string, endpoint: string): RuntimeCallError {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const statusName = grpc.status[code] ?? `CODE_${code}`;
  const details = e.details ?? e.message ?? String(err);
  // A missing or dead socket surfaces as UNAVAILABLE; the regexp also catches the same
  // conditions reported under another status by older grpc-js versions.
  const unreachable = code === grpc.status.UNAVAILABLE || (code === grpc.status.UNKNOWN && UNREACHABLE.test(details));
  return new RuntimeCallError(
    unreachable ? 'CRI_UNAVAILABLE' : 'CRI_CALL',
    rpc,
    statusName,
    `CRI ${rpc} on ${endpoint} failed: ${statusName} (${code}): ${details}`,
    { cause: err },
  );
}

/**
 * One gRPC channel to a CRI runtime's RuntimeService with promise-returning unary calls, each under
 * a deadline. Used by CriRuntime (and by the tests' CriAdmin, with its own proto).
 */
export class CriConnection {
  readonly endpoint: string;
  readonly #runtime: grpc.Client;
  /** Calls waiting for an answer: close() cancels them, so nothing waits on a channel we gave up. */
  readonly #inFlight = new Set<grpc.ClientUnaryCall>();
  #closed = false;

  constructor(opts: CriConnectionOptions) {
    const { target } = parseCriEndpoint(opts.endpoint);
    this.endpoint = target;
    const v1 = opts.criPackage ?? loadCriPackage();
    const creds = grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
      // A local socket comes back within seconds of a runtime restart; grpc-js would otherwise
      // back off up to 2 minutes between reconnect attempts and fail every call meanwhile.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5000,
    };
    this.#runtime = new v1.RuntimeService(target, creds, channelOptions);
  }

  /** Unary call `rpc` with a deadline of `timeoutMs`; rejects with RuntimeCallError. */
  call<Res>(rpc: string, request: object, timeoutMs: number): Promise<Res> {
    if (this.#closed) {
      return Promise.reject(
        new RuntimeCallError('CRI_UNAVAILABLE', rpc, 'CANCELLED', `CRI ${rpc} on ${this.endpoint}: connection closed`),
      );
    }
    const client = this.#runtime;
    const method = (client as unknown as Record<string, UnaryMethod | undefined>)[rpc];
    if (typeof method !== 'function') {
      return Promise.reject(new Error(`CRI ${rpc} is not declared in the loaded proto's RuntimeService`));
    }
    return new Promise<Res>((resolve, reject) => {
      const call = method.call(client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        this.#inFlight.delete(call);
        if (err) reject(toRuntimeCallError(err, rpc, this.endpoint));
        else resolve(res as Res);
      });
      this.#inFlight.add(call);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Each cancelled call rejects with CANCELLED at once instead of waiting out its deadline.
    for (const call of [...this.#inFlight]) call.cancel();
    this.#inFlight.clear();
    this.#runtime.close();
  }
}
