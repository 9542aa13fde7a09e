import { CriRuntime } from '../runtime/cri/client.js';
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
      runtime: new CriRuntime({ endpoint: target, timeoutMs: this.opts.timeoutMs, statsTimeoutMs: this.opts.statsTimeoutMs }),
      endpoint: target,
    };
  }
}
