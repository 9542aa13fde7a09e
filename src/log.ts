import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stderr: stdout is reserved for --print output. Synchronous so a crash or exit never
 * loses the line that explains it.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { name: 'podpulse' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: true }),
  );
}
