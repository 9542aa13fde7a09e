/**
 * Shared pieces of the parser property tests: the outcome contract every parser must keep, a
 * walker that rejects made-up numbers in a parse result, run counting, and generators of
 * near-valid kernel text (right keys, wrong-ish values).
 *
 * The contract: on any input a parser either returns typed data or throws its typed error
 * (ParseError, code PARSE, message starting with the file name). Any other exception (TypeError,
 * RangeError from BigInt, a stack overflow) is a defect, and so is NaN, ±Infinity, -0 or a
 * negative value in a field that is a counter or a size.
 */
import fc from 'fast-check';
import { AgentError, ParseError } from '../../src/errors.js';

/** Runs per property: enough to hit the edge tokens of the generators many times over, in well under a second each. */
export const RUNS = 1000;

/** Total runs by property name, printed by each file's afterAll so the report can quote them. */
export class RunCounter {
  readonly #runs = new Map<string, number>();

  /** fc.assert with `numRuns`, counted under `name`. */
  assert<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => void, numRuns = RUNS): void {
    fc.assert(
      fc.property(arb, (v) => {
        check(v);
      }),
      { numRuns },
    );
    this.#runs.set(name, (this.#runs.get(name) ?? 0) + numRuns);
  }

  get total(): number {
    let n = 0;
    for (const v of this.#runs.values()) n += v;
    return n;
  }

  summary(label: string): string {
    return `[property] ${label}: ${this.#runs.size} properties, ${this.total} runs`;
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AgentError };

/**
 * Calls `parse` and classifies the result. A thrown value that is not an AgentError of one of the
 * `codes` (default: PARSE) is re-thrown, so fast-check reports it with its counterexample.
 * A ParseError must name `file` at the start of its message when `file` is given.
 */
export function outcome<T>(parse: () => T, opts: { codes?: readonly string[]; file?: string } = {}): Outcome<T> {
  const codes = opts.codes ?? ['PARSE'];
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (!(err instanceof AgentError) || !codes.includes(err.code)) {
      throw new Error(`untyped exception: ${String(err)}`, { cause: err });
    }
    if (err instanceof ParseError && opts.file !== undefined && !err.message.startsWith(`${opts.file}: `)) {
      throw new Error(`ParseError does not name ${opts.file}: ${err.message}`);
    }
    return { ok: false, error: err };
  }
}

/**
 * Throws when `value` holds a number that is NaN, ±Infinity or -0, or a negative number/bigint
 * under a key not listed in `signed` (counters, sizes and limits are never negative). Walks plain
 * objects, arrays and Maps (Map keys are checked like values).
 */
export function assertSaneNumbers(value: unknown, signed: ReadonlySet<string> = new Set(), path = '$'): void {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
    if (Object.is(value, -0)) throw new Error(`${path} is -0`);
    if (value < 0 && !signed.has(key)) throw new Error(`${path} is negative: ${value}`);
    return;
  }
  if (typeof value === 'bigint') {
    if (value < 0n && !signed.has(key)) throw new Error(`${path} is negative: ${value}`);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      assertSaneNumbers(k, signed, `${path}.<key>`);
      assertSaneNumbers(v, signed, `${path}.${String(k)}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertSaneNumbers(v, signed, `${path}[${i}]`));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertSaneNumbers(v, signed, `${path}.${k}`);
  }
}

/** The whole contract in one call: typed outcome, and sane numbers when it returned. */
export function checkContract(parse: () => unknown, opts: { file?: string; signed?: ReadonlySet<string>; codes?: readonly string[] } = {}): Outcome<unknown> {
  const out = outcome(parse, opts);
  if (out.ok) assertSaneNumbers(out.value, opts.signed);
  return out;
}

// -------------------------------------------------------------------------------------------------
// Generators.

export const U64_MAX = (1n << 64n) - 1n;
export const S64_MAX = (1n << 63n) - 1n;

/** Any text, weighted towards what kernel files are made of (digits, blanks, newlines, `:`, `=`). */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({ unit: fc.constantFrom(...'0123456789 \t\n-:=.()abcmx'.split('')), maxLength: 200 }),
);

/** Numeric-looking tokens a broken or unusual kernel could print, valid ones included. */
export const numberToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map(String) },
  { weight: 2, arbitrary: fc.nat(100_000).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1n << 80n }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 64n), max: -1n }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'max',
      '-1',
      '-0',
      '0',
      '00',
      '+1',
      '1.5',
      '0.00',
      '1e3',
      '0x1f',
      'NaN',
      'Infinity',
      '-Infinity',
      '9223372036854771712',
      '9223372036854775807',
      '9223372036854775808',
      '18446744073709551615',
      '18446744073709551616',
      '9'.repeat(400),
      '-' + '9'.repeat(400),
      '\u0663', // ARABIC-INDIC DIGIT THREE: \d does not match it, Number() does not read it
    ),
  },
);

export const blank: fc.Arbitrary<string> = fc.constantFrom(' ', '  ', '\t', ' \t ', '\u00a0');
const lineEnd: fc.Arbitrary<string> = fc.constantFrom('\n', '\n', '\n', '\r\n', ' \n', '\n\n');

/** A flat-keyed file (`key value` lines) over `keys` plus junk keys, with duplicates, odd blanks and a maybe-missing final newline. */
export function flatKeyedText(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom('junk', 'total_x', '') });
  const line = fc.tuple(fc.constantFrom('', '', ' '), key, blank, numberToken, fc.constantFrom('', '', ' extra'));
  return fc
    .tuple(fc.array(fc.tuple(line, lineEnd), { maxLength: 20 }), fc.boolean())
    .map(([lines, finalNewline]) => {
      const text = lines.map(([[lead, k, sep, v, extra], end]) => `${lead}${k}${sep}${v}${extra}${end}`).join('');
      return finalNewline ? text : text.replace(/\n$/, '');
    });
}

/** A single-value file: a token with stray blanks around it and a maybe-missing newline. */
export const singleValueText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', ' ', '\t'), numberToken, fc.constantFrom('', '\n', ' \n', '\n\n', ' 7\n'))
  .map(([a, v, b]) => `${a}${v}${b}`);

/** A nested-keyed file (`key a=1 b=2` lines) with the given line keys and field names. */
export function nestedKeyedText(lineKeys: fc.Arbitrary<string>, fieldNames: readonly string[]): fc.Arbitrary<string> {
  const field = fc.tuple(fc.constantFrom(...fieldNames, 'junk'), fc.constantFrom('=', '=', '=', ''), numberToken).map(([k, eq, v]) => `${k}${eq}${v}`);
  const line = fc.tuple(lineKeys, fc.array(fc.tuple(blank, field), { maxLength: 8 })).map(([k, fs]) => k + fs.map(([b, f]) => b + f).join(''));
  return fc.tuple(fc.array(fc.tuple(line, lineEnd), { maxLength: 8 }), fc.boolean()).map(([lines, nl]) => {
    const text = lines.map(([l, e]) => l + e).join('');
    return nl ? text : text.replace(/\n$/, '');
  });
}

/** Rows of whitespace-separated columns: `prefix` columns then `count` numeric tokens. */
export function tableRows(prefix: fc.Arbitrary<string[]>, count: fc.Arbitrary<number>): fc.Arbitrary<string> {
  const row = fc
    .tuple(prefix, count.chain((n) => fc.array(numberToken, { minLength: n, maxLength: n })), blank)
    .map(([p, nums, b]) => [...p, ...nums].join(b));
  return fc.array(row, { maxLength: 8 }).map((rows) => rows.join('\n'));
}

/** A u64 that the kernel could print for a counter (bias towards 0, small, 2^53 edge and u64 max). */
export const u64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: (1n << 53n) - 5n, max: (1n << 53n) + 5n }),
  fc.constantFrom(0n, S64_MAX, U64_MAX),
);

/** A counter value the parsers report as a JS number exactly: a safe integer. */
export const safeCount: fc.Arbitrary<number> = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER));
