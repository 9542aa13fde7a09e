import type { Server } from 'node:http';
import type { Logger } from '../../log.js';
import { serveHealth, type HealthState } from './health.js';
import { closeServer, DEFAULT_SERVER_BOUNDS, listenBounded, serverUrl, type ServerBounds } from './server.js';

export interface HealthEndpointOptions {
  host: string;
  port: number;
  bounds?: ServerBounds;
}

/**
 * GET /healthz (liveness) and /readyz (readiness) for probes, independent of the optional Prometheus
 * endpoint. It binds loopback by default: the DaemonSet probes it with an exec probe from inside
 * the pod's network namespace, so nothing listens on the pod or node network.
 */
export class HealthEndpoint {
  #opts: HealthEndpointOptions;
  #state: HealthState;
  #log: Logger;
  #server: Server | undefined;

  constructor(opts: HealthEndpointOptions, state: HealthState, log: Logger) {
    this.#opts = opts;
    this.#state = state;
    this.#log = log;
  }

  /** http://host:port (no path). */
  get url(): string | undefined {
    return serverUrl(this.#server, '');
  }

  async start(): Promise<void> {
    const bounds = this.#opts.bounds ?? { ...DEFAULT_SERVER_BOUNDS, maxConnections: 8 };
    this.#server = await listenBounded('health', this.#opts.host, this.#opts.port, bounds, (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (serveHealth(this.#state, req, res, path)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /readyz\n');
    });
    this.#log.info({ url: this.url }, 'health endpoint listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await closeServer(server);
  }
}
