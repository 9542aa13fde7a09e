import { pino, type Logger } from 'pino';
import { maskSecrets } from './config/secrets.js';

export type { Logger };

/**
 * JSON lines on stderr: stdout is reserved for --print output. Synchronous so a crash or exit never
 * loses the line that explains it. Every finished line passes through maskSecrets: URL credentials
 * and the given secret values (OTLP header values) never reach the log, whichever code path (ours,
 * grpc-js's or the SDK's error text) put them into a message.
 */
export function createLogger(
  level: string,
  secrets: readonly string[] = [],
  destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { name: 'podpulse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => maskSecrets(line, secrets) },
    },
    destination,
  );
}
