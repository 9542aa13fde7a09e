import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot, SnapshotSource } from '../../collection/sample.js';

export interface HealthVerdict {
  ok: boolean;
  /** One line, no newline: why (not) ok. */
  reason: string;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}

/**
 * What /healthz and /readyz answer, from the collection loop's own record: live while a collection
 * finished within staleAfterMs (counting from start until the first one; the agent derives it from
 * the interval), ready once one collection has finished. Export failures do not make the agent
 * unhealthy: restarting it would not bring a collector back, and the export counters and logs say so.
 */
export class HealthState {
  #staleAfterMs: number;
  #now: () => number;
  #startedAt: number;
  #lastSuccess: number | undefined;
  #lastError: string | undefined;
  #inFlightSince: number | undefined;

  constructor(opts: { staleAfterMs: number; now?: () => number }) {
    this.#staleAfterMs = opts.staleAfterMs;
    this.#now = opts.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  /** `source`, with every collection's outcome recorded here. */
  watch(source: SnapshotSource): SnapshotSource {
    return {
      collect: async (): Promise<Snapshot> => {
        this.#inFlightSince ??= this.#now();
        try {
          const snapshot = await source.collect();
          this.#lastSuccess = this.#now();
          this.#lastError = undefined;
          return snapshot;
        } catch (err) {
          this.#lastError = firstLine(err instanceof Error ? err.message : String(err));
          throw err;
        } finally {
          this.#inFlightSince = undefined;
        }
      },
    };
  }

  live(): HealthVerdict {
    const now = this.#now();
    const limitMs = this.#staleAfterMs;
    const since = this.#lastSuccess ?? this.#startedAt;
    const ageS = Math.round((now - since) / 1000);
    if (now - since <= limitMs) {
      return { ok: true, reason: this.#lastSuccess === undefined ? 'ok: starting, no collection finished yet' : `ok: last collection finished ${ageS}s ago` };
    }
    const what = this.#lastSuccess === undefined ? `no collection finished since start ${ageS}s ago` : `no collection finished for ${ageS}s`;
    const detail = this.#lastError
      ? `; last error: ${this.#lastError}`
      : this.#inFlightSince !== undefined
        ? `; a collection has been running for ${Math.round((now - this.#inFlightSince) / 1000)}s`
        : '';
    return { ok: false, reason: `${what} (limit ${limitMs / 1000}s)${detail}` };
  }

  ready(): HealthVerdict {
    if (this.#lastSuccess !== undefined) return { ok: true, reason: 'ready: a collection has finished' };
    return { ok: false, reason: `not ready: no collection has finished yet${this.#lastError ? `; last error: ${this.#lastError}` : ''}` };
  }
}

/** Answers GET/HEAD /healthz and /readyz; false when the path is not one of them. */
export function serveHealth(state: HealthState, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const verdict = path === '/healthz' ? state.live() : path === '/readyz' ? state.ready() : undefined;
  if (!verdict) return false;
  res.writeHead(verdict.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : verdict.reason + '\n');
  return true;
}
