import { ConfigError } from '../errors.js';
import { parseDuration } from '../config/formats.js';

/** A duration flag (`--interval 500ms`) within [minMs, maxMs]; `fallbackMs` when not given. */
export function durationFlag(name: string, value: string | boolean | undefined, fallbackMs: number, minMs: number, maxMs: number): number {
  if (typeof value !== 'string') return fallbackMs;
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
    throw new ConfigError(`flag --${name}: value was "${value}"; allowed: a duration from ${minMs}ms to ${maxMs / 1000}s (e.g. 500ms, 2s)`);
  }
  return ms;
}
