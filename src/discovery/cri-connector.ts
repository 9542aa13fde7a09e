import { CriRuntime } from '../runtime/cri/client.js';
import { loadCriPackage, type RuntimeV1 } from '../runtime/cri/connection.js';
import { detectCriEndpoint, parseCriEndpoint } from '../runtime/cri/endpoint.js';
import type { RuntimeConnector } from './inventory.js';

export interface CriConnectorOptions {
  /** cri.endpoint; empty = autodetect under rootfs. */
  endpoint: string;
  rootfs: string;
  timeoutMs: number;
  statsTimeoutMs: number;
}

/** Connects to the configured CRI socket, or to the first known socket found under the host root. */
export class CriConnector implements RuntimeConnector {
  /** Loaded on the first connect and reused: every reconnect would otherwise parse api.proto again. */
  #criPackage: RuntimeV1 | undefined;

  constructor(private readonly opts: CriConnectorOptions) {}

  connect(): { runtime: CriRuntime; endpoint: string } | { reason: string } {
    let endpoint = this.opts.endpoint;
    if (endpoint === '') {
      const found = detectCriEndpoint(this.opts.rootfs);
      if (!found.endpoint) return { reason: found.message };
      endpoint = found.endpoint;
    }
    const target = parseCriEndpoint(endpoint).target;
    return {
      runtime: new CriRuntime({
        endpoint: target,
        timeoutMs: this.opts.timeoutMs,
        statsTimeoutMs: this.opts.statsTimeoutMs,
        criPackage: (this.#criPackage ??= loadCriPackage()),
      }),
      endpoint: target,
    };
  }
}
