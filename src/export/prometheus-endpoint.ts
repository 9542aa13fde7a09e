import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../log.js';
import { renderPrometheusText } from './prometheus-text.js';

export interface PrometheusEndpointOptions {
  host: string;
  port: number;
}

/**
 * Optional pull endpoint: GET /metrics serves the last collected snapshot, rendered with the same
 * names and labels the collector's remote-write path produces. It never triggers a collection
 * itself, so a scrape costs no file reads and cannot double the agent's work.
 */
export class PrometheusEndpoint {
  #opts: PrometheusEndpointOptions;
  #log: Logger;
  #server: Server | undefined;
  #text = '';

  constructor(opts: PrometheusEndpointOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log;
  }

  get url(): string | undefined {
    const addr = this.#server?.address() as AddressInfo | null | undefined;
    if (!addr) return undefined;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}/metrics`;
  }

  update(rm: ResourceMetrics): void {
    this.#text = renderPrometheusText(rm);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : this.#text);
        return;
      }
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`cannot listen on ${this.#opts.host}:${this.#opts.port} for export.prometheus: ${(err as NodeJS.ErrnoException).code ?? err.message}`)),
      );
      server.listen(this.#opts.port, this.#opts.host, () => resolve());
    });
    this.#server = server;
    this.#log.info({ url: this.url }, 'prometheus endpoint listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
