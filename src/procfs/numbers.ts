import { ParseError } from '../errors.js';

const UNSIGNED = /^\d+$/;
const SIGNED = /^-?\d+$/;
const TWO_POW_64 = 2 ** 64;
const TWO_POW_63 = 2 ** 63;

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
  const value = Number(token);
  // 2^64 itself passes: it is what the u64 maximum rounds to. Far beyond (a 400-digit token) Number() is Infinity.
  if (value > TWO_POW_64) throw new ParseError(file, `${what}: out of u64 range: ${token}`);
  return value;
}

/** Like parseUnsigned, but accepts a leading '-' (priority, nice, cutime are signed in the kernel). */
export function parseSigned(token: string | undefined, file: string, what: string): number {
  if (token === undefined || !SIGNED.test(token)) {
    throw new ParseError(file, `${what}: expected an integer, got ${JSON.stringify(token)}`);
  }
  const value = Number(token);
  if (Math.abs(value) > TWO_POW_63) throw new ParseError(file, `${what}: out of s64 range: ${token}`);
  // `-0` would otherwise stay a negative zero.
  return value === 0 ? 0 : value;
}

/** Split a line on runs of blanks (spaces and tabs), dropping the empty edge tokens. */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}
