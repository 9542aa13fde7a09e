import { ParseError } from '../errors.js';

const UNSIGNED = /^\d+$/;
const SIGNED = /^-?\d+$/;

/**
 * A decimal unsigned kernel counter as a JS number.
 *
 * Why not BigInt: the procfs values read here (page counts, ticks, byte counters of interfaces and
 * disks) stay below 2^53 in practice (8 PiB, or 2.8 million years of ticks). Values above 2^53 are
 * kept as the nearest double rather than rejected, because the kernel does print u64 maxima in
 * fields we skip past (e.g. rsslim) and a rounding error there must not fail the whole file.
 */
export function parseUnsigned(token: string | undefined, file: string, what: string): number {
  if (token === undefined || !UNSIGNED.test(token)) {
    throw new ParseError(file, `${what}: expected an unsigned integer, got ${JSON.stringify(token)}`);
  }
  return Number(token);
}

/** Like parseUnsigned, but accepts a leading '-' (priority, nice, cutime are signed in the kernel). */
export function parseSigned(token: string | undefined, file: string, what: string): number {
  if (token === undefined || !SIGNED.test(token)) {
    throw new ParseError(file, `${what}: expected an integer, got ${JSON.stringify(token)}`);
  }
  return Number(token);
}

/** Split a line on runs of blanks (spaces and tabs), dropping the empty edge tokens. */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}
