import { AgentError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * One warning per key every `everyMs`: a runtime failing the same way every cycle must not flood
 * the log, while a new kind of failure is still said at once.
 */
export class WarnLimiter {
  readonly #log: Logger;
  readonly #everyMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, number>();

  constructor(log: Logger, everyMs: number, now: () => number = Date.now) {
    this.#log = log;
    this.#everyMs = everyMs;
    this.#now = now;
  }

  /** Logs at warn unless `key` was logged less than everyMs ago; returns whether it logged. */
  warn(key: string, fields: Record<string, unknown>, msg: string): boolean {
    const now = this.#now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last >= 0 && now - last < this.#everyMs) return false;
    this.#last.set(key, now);
    this.#log.warn(fields, msg);
    return true;
  }
}

/** The gRPC status name of a runtime error (DEADLINE_EXCEEDED, UNAVAILABLE, …), else its AgentError code. */
export function criErrorCode(err: unknown): string {
  const e = err as { status?: unknown; code?: unknown };
  if (typeof e?.status === 'string' && e.status !== '') return e.status;
  if (err instanceof AgentError) return err.code;
  return 'UNEXPECTED';
}
