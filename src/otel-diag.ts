import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { Logger } from './log.js';

/**
 * The OpenTelemetry SDK reports its own problems (a failing collection callback, an export timeout)
 * through the global `diag` logger, which is silent unless set. Route it into our log so those
 * problems are seen; warnings and errors only, the SDK's info/debug chatter stays out.
 */
export function routeOtelDiagnostics(log: Logger): void {
  const child = log.child({ source: 'otel-sdk' });
  const fmt = (message: string, args: unknown[]): string =>
    [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))].join(' ');
  const logger: DiagLogger = {
    error: (m, ...a) => child.error(fmt(m, a)),
    warn: (m, ...a) => child.warn(fmt(m, a)),
    info: (m, ...a) => child.debug(fmt(m, a)),
    debug: (m, ...a) => child.trace(fmt(m, a)),
    verbose: (m, ...a) => child.trace(fmt(m, a)),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
