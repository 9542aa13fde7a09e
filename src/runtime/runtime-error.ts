import { AgentError } from '../errors.js';

/**
 * A container-runtime call failed. `code` is `CRI_UNAVAILABLE` when the runtime could not be
 * reached at all (socket missing, connection refused, runtime down: retry later) and `CRI_CALL`
 * when it answered with an error or did not answer in time. `status` is the gRPC status name
 * (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, `NOT_FOUND`, `UNIMPLEMENTED`, `UNKNOWN`, …) so callers can
 * branch on, say, NOT_FOUND (container gone between list and status) or UNIMPLEMENTED (older
 * runtime) without parsing messages.
 */
export class RuntimeCallError extends AgentError {
  readonly rpc: string;
  readonly status: string;
  constructor(code: 'CRI_UNAVAILABLE' | 'CRI_CALL', rpc: string, status: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'RuntimeCallError';
    this.rpc = rpc;
    this.status = status;
  }
}
