import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Bounds every podpulse HTTP server: a connection cap (connections beyond it are closed at accept),
 * and deadlines on headers, whole requests and idle keep-alive sockets, so slow or idle clients
 * cannot hold the cap and starve a liveness probe for long.
 */
export interface ServerBounds {
  maxConnections: number;
  /** Headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** A whole request must arrive within this. */
  requestTimeoutMs: number;
  /** An idle socket (keep-alive or silent) is closed after this. */
  idleTimeoutMs: number;
}

export const DEFAULT_SERVER_BOUNDS: ServerBounds = {
  maxConnections: 32,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
};

/** Starts listening; the error names `what` (the config section) and the address. */
export async function listenBounded(
  what: string,
  host: string,
  port: number,
  bounds: ServerBounds,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: bounds.headersTimeoutMs,
      requestTimeout: bounds.requestTimeoutMs,
      keepAliveTimeout: Math.min(5_000, bounds.idleTimeoutMs),
      // connectionsCheckingInterval stays at Node's 30 s: a shorter one stopped the idle timeout
      // below from firing on connections that never sent a byte (measured on Node 20.20).
    },
    handler,
  );
  server.maxConnections = bounds.maxConnections;
  server.setTimeout(bounds.idleTimeoutMs, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} for ${what}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function serverUrl(server: Server | undefined, path: string): string | undefined {
  const addr = server?.address() as AddressInfo | null | undefined;
  if (!addr) return undefined;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}${path}`;
}

/** Stops accepting and ends open connections (idle keep-alive ones would delay close()). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
