/**
 * Property tests of the parsers that are not kernel files: the CRI endpoint and verbose-info
 * JSON (typed ConfigError / ParseError), and the config value formats and argv splitter (convict
 * formats throw plain Errors with a message by design; argv throws ConfigError).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, parseHeaders } from '../../src/config/formats.js';
import { parseArgv } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { parseVerboseInfo } from '../../src/runtime/cri/convert.js';
import { parseCriEndpoint } from '../../src/runtime/cri/endpoint.js';
import { anyText, assertSaneNumbers, checkContract, RunCounter } from './props.js';

const runs = new RunCounter();
afterAll(() => console.log(runs.summary('config and CRI parsers')));

/** setTimeout/setInterval treat a delay above 2^31-1 ms as 1 ms, so no duration may exceed it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A convict format's contract: a value, or an Error with a message, which loadConfig turns into
 * a ConfigError line for the key. `allowed` lists other Error classes tolerated (URIError from
 * decodeURIComponent reads "export.otlp.headers: URI malformed", terse but still a ConfigError).
 */
function formatOutcome<T>(fn: () => T, allowed: readonly (typeof Error)[] = []): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (!(err instanceof Error) || (err.constructor !== Error && !allowed.includes(err.constructor as typeof Error)) || err.message === '') {
      throw new Error(`not a plain Error with a message: ${String(err)}`, { cause: err });
    }
    return { ok: false };
  }
}

describe('CRI parsers', () => {
  it('parseCriEndpoint: any text → unix:// target of an absolute path, or ConfigError', () => {
    const text = fc.oneof(anyText, fc.tuple(fc.constantFrom('', 'unix:', 'unix://', 'unix:///', ' unix:///', 'tcp://', '/'), fc.string({ maxLength: 30 })).map(([a, b]) => a + b));
    runs.assert('parseCriEndpoint any', text, (t) => {
      const out = checkContract(() => parseCriEndpoint(t), { codes: ['CONFIG_INVALID'] });
      if (out.ok) {
        const v = out.value as { target: string; path: string };
        expect(v.path.startsWith('/')).toBe(true);
        expect(v.target).toBe(`unix://${v.path}`);
      }
    });
  });

  it('parseVerboseInfo: any JSON-ish info → typed fields or ParseError', () => {
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          pid: fc.oneof(fc.integer({ min: -5, max: 1 << 22 }), fc.double(), fc.string(), fc.constant(null)),
          runtimeSpec: fc.oneof(fc.constant(null), fc.jsonValue(), fc.record({ linux: fc.oneof(fc.jsonValue(), fc.record({ cgroupsPath: fc.oneof(fc.string(), fc.jsonValue()) })), annotations: fc.dictionary(fc.constantFrom('io.kubernetes.cri.sandbox-id', 'io.kubernetes.cri.image-name', 'x'), fc.jsonValue()) })),
          image: fc.oneof(fc.string(), fc.jsonValue()),
          sandboxID: fc.oneof(fc.string(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    const info = fc.oneof(doc.map((d) => ({ info: JSON.stringify(d) ?? '' })), anyText.map((t) => ({ info: t })), fc.constant({}));
    runs.assert('parseVerboseInfo any', info, (i) => {
      const out = checkContract(() => parseVerboseInfo(i, 'ContainerStatus(x).info'), { file: 'ContainerStatus(x).info' });
      if (out.ok) {
        const v = out.value as { pid?: number };
        // Any positive integer passes (2^53 too: a pid that large only fails later, as GONE).
        if (v.pid !== undefined) expect(Number.isInteger(v.pid) && v.pid > 0).toBe(true);
      }
    });
  });
});

describe('config formats', () => {
  it('parseHeaders: any string or value → string map, or a plain Error', () => {
    const value = fc.oneof(anyText, fc.string({ unit: fc.constantFrom('a', '=', ',', '%', '2', '0', ' ', 'Z'), maxLength: 30 }), fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()));
    runs.assert('parseHeaders any', value, (v) => {
      const out = formatOutcome(() => parseHeaders(v), [URIError]);
      if (out.ok) for (const x of Object.values(out.value)) expect(typeof x).toBe('string');
    });
  });

  it('parseHeaders: `k=v` pairs round-trip through percent-encoding', () => {
    // Binary (-bin) headers are refused on purpose (config: not supported), so keys never end so here.
    const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((k) => !k.endsWith('-bin'));
    runs.assert('parseHeaders round-trip', fc.uniqueArray(fc.tuple(key, fc.string({ maxLength: 20 })), { selector: ([k]) => k, maxLength: 5 }), (pairs) => {
      const text = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
      // Trimming happens before decoding, so percent-encoded blanks survive.
      expect(parseHeaders(text)).toEqual(Object.fromEntries(pairs));
    });
  });

  // Node runs a timer longer than 2^31-1 ms after 1 ms: a duration above that would make the agent
  // collect and export in a tight loop, so parseDuration must refuse it (counterexample found here:
  // 2147483647.0000002, or `--collection-interval 9999h`).
  it('parseDuration: any value → a positive finite number of ms that a timer can wait, or a plain Error', () => {
    const value = fc.oneof(
      anyText,
      fc.tuple(fc.oneof(fc.nat().map(String), fc.constantFrom('0', '0.5', '1.', '9'.repeat(400), '1e3', '-1')), fc.constantFrom('ms', 's', 'm', 'h', '', 'd', ' s')).map(([n, u]) => n + u),
      fc.double(),
    );
    runs.assert('parseDuration any', value, (v) => {
      const out = formatOutcome(() => parseDuration(v));
      if (out.ok) {
        assertSaneNumbers(out.value);
        expect(out.value, `parseDuration(${JSON.stringify(v)})`).toBeGreaterThan(0);
        expect(out.value, `parseDuration(${JSON.stringify(v)})`).toBeLessThanOrEqual(MAX_TIMER_MS);
      }
    });
  });

  it('parseDuration: rendered durations round-trip', () => {
    runs.assert('parseDuration round-trip', fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000]) as fc.Arbitrary<[string, number]>), ([n, [u, f]]) => {
      expect(parseDuration(`${n}${u}`)).toBe(n * f);
    });
  });

  it('parseArgv: any argv → split flags or ConfigError', () => {
    const token = fc.oneof(anyText, fc.constantFrom('--once', '--print', 'json', '--print=json', '--help', '-h', '--config', '/x.yaml', '--collection-interval', '1s', '--cri-endpoint', '--', '--=', '--print='));
    runs.assert('parseArgv any', fc.array(token, { maxLength: 6 }), (argv) => {
      try {
        const { keyFlags } = parseArgv(argv);
        for (const [path, value] of keyFlags) {
          expect(path).toMatch(/^[a-zA-Z_.]+$/);
          expect(typeof value).toBe('string');
        }
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
      }
    }, 300);
  });
});
