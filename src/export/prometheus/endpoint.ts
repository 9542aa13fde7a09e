import type { Server } from 'node:http';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../log.js';
import { serveHealth, type HealthState } from '../http/health.js';
import { closeServer, DEFAULT_SERVER_BOUNDS, listenBounded, serverUrl, type ServerBounds } from '../http/server.js';
import { renderPrometheusText } from './text.js';

export interface PrometheusEndpointOptions {
  host: string;
  port: number;
  bounds?: ServerBounds;
}

/**
 * Optional pull endpoint: GET /metrics serves the last collected snapshot, rendered with the same
 * names and labels the collector's remote-write path produces. It never triggers a collection
 * itself, so a scrape costs no file reads and cannot double the agent's work. /healthz and /readyz
 * answer as on the health endpoint (health.ts).
 */
export class PrometheusEndpoint {
  #opts: PrometheusEndpointOptions;
  #log: Logger;
  #health: HealthState;
  #server: Server | undefined;
  #text = '';

  constructor(opts: PrometheusEndpointOptions, log: Logger, health: HealthState) {
    this.#opts = opts;
    this.#log = log;
    this.#health = health;
  }

  get url(): string | undefined {
    return serverUrl(this.#server, '/metrics');
  }

  update(rm: ResourceMetrics): void {
    this.#text = renderPrometheusText(rm);
  }

  async start(): Promise<void> {
    this.#server = await listenBounded('export.prometheus', this.#opts.host, this.#opts.port, this.#opts.bounds ?? DEFAULT_SERVER_BOUNDS, (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : this.#text);
        return;
      }
      if (serveHealth(this.#health, req, res, path)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    });
    this.#log.info({ url: this.url }, 'prometheus endpoint listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await closeServer(server);
  }
}
