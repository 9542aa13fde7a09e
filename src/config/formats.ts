import { isAbsolute } from 'node:path';

/**
 * Custom convict formats. Each throws with a message that says what is allowed, because convict
 * prints "<key>: <message>: value was <value>" and that line is all the user sees.
 */

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Node's timers hold a signed 32-bit millisecond count: a longer (or a sub-millisecond) delay
 * silently becomes 1 ms, and a collection loop on a 1 ms timer spins the CPU. No duration may
 * leave this range, whatever bounds its key declares.
 */
export const MIN_DURATION_MS = 1;
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * convict appends ": value was <value>" to a format's message, but only for a truthy value; an
 * empty string or a 0 would be reported without it. Say it ourselves in that case.
 */
function fail(message: string, value: unknown): never {
  throw new Error(value ? message : `${message}: value was ${JSON.stringify(value)}`);
}

/** "10s", "500ms", "1m", "1h" or a plain number of milliseconds -> milliseconds (1 ms .. 2^31-1 ms). */
export function parseDuration(value: unknown): number {
  let ms = NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    const m = DURATION_RE.exec(text);
    if (m) ms = Number(m[1]) * (UNIT_MS[m[2] as string] ?? NaN);
    else if (/^\d+$/.test(text)) ms = Number(text);
  }
  if (!Number.isFinite(ms) || ms <= 0) return fail('must be a positive duration such as 500ms, 10s, 1m or 1h', value);
  if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS) {
    return fail(`must be between 1ms and ${MAX_DURATION_MS}ms (a Node timer outside that range fires after 1ms)`, value);
  }
  return ms;
}

/** Milliseconds back to the shortest exact unit, for messages and docs ("100ms", "10m", "24h"). */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export const durationFormat = {
  name: 'duration-ms',
  validate(value: unknown): void {
    parseDuration(value);
  },
  coerce(value: unknown): unknown {
    try {
      return parseDuration(value);
    } catch {
      return value; // validate() reports it with the key name
    }
  },
};

/**
 * Booleans are `true` or `false` (any case) and nothing else. convict's own Boolean format turns
 * every string except "false" into true, so `no`, `0`, `off` and "" all meant *on*.
 */
export const boolFormat = {
  name: 'bool',
  validate(value: unknown): void {
    if (typeof value !== 'boolean') fail('must be true or false', value);
  },
  coerce(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const lower = value.trim().toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : value;
  },
};

/** Whole numbers written as digits only: parseInt would read "12abc" as 12 and "1e3" as 1. */
function coerceCount(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
}

/** An integer >= 0 (replaces convict's 'nat', whose coercion accepts trailing garbage). */
export const countFormat = {
  name: 'count',
  validate(value: unknown): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail('must be a whole number >= 0', value);
  },
  coerce: coerceCount,
};

const isPort = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65_535;

/** A TCP port 1-65535 (replaces convict's 'port', which allows 0 and "9464abc"). */
export const portFormat = {
  name: 'port-number',
  validate(value: unknown): void {
    if (!isPort(value)) fail('must be a port 1-65535', value);
  },
  // Left as given when it is no port, so the message quotes what the user wrote.
  coerce(value: unknown): unknown {
    const n = coerceCount(value);
    return isPort(n) ? n : value;
  },
};

export const absPathFormat = {
  name: 'abs-path',
  validate(value: unknown): void {
    if (typeof value !== 'string' || !isAbsolute(value)) throw new Error('must be an absolute path');
  },
};

export const optionalPathFormat = {
  name: 'optional-path',
  validate(value: unknown): void {
    if (typeof value !== 'string' || (value !== '' && !isAbsolute(value))) {
      throw new Error('must be empty or an absolute path');
    }
  },
};

/** OTLP gRPC endpoint: http(s)://host:port; empty disables OTLP export. */
export const endpointFormat = {
  name: 'otlp-endpoint',
  validate(value: unknown): void {
    if (value === '') return;
    if (typeof value !== 'string') throw new Error('must be a URL such as http://localhost:4317, or empty');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('must be a URL such as http://localhost:4317, or empty to disable OTLP export');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('must use http:// (plaintext) or https:// (TLS)');
    }
    // gRPC has no use for user:password@ and the URL ends up in log lines; the load step masks
    // the credentials in this message.
    if (url.username !== '' || url.password !== '') {
      throw new Error('must not contain credentials (user:password@); put them in export.otlp.headers, e.g. authorization=Bearer <token>');
    }
  },
};

/** grpc-js Metadata rules (metadata.js): lowercase token keys, printable-ASCII values for non-binary keys. */
const HEADER_KEY_RE = /^[0-9a-z_.-]+$/;
const HEADER_VALUE_RE = /^[ -~]*$/;

/** Names the offending header, never its value: header values are usually credentials. */
export function checkHeader(key: string, value: string): void {
  const lower = key.toLowerCase();
  if (!HEADER_KEY_RE.test(lower)) {
    throw new Error(`header ${JSON.stringify(key)}: name may only hold letters, digits, "-", "_" and "."`);
  }
  if (lower.endsWith('-bin')) throw new Error(`header ${JSON.stringify(key)}: binary (-bin) headers are not supported`);
  if (!HEADER_VALUE_RE.test(value)) {
    throw new Error(`header ${JSON.stringify(key)}: value may only hold printable ASCII (no control characters or non-ASCII); value not shown`);
  }
}

function decodePart(text: string, what: string): string {
  try {
    return decodeURIComponent(text.trim());
  } catch {
    throw new Error(`${what} is not valid percent-encoding`);
  }
}

/** CRI endpoint: empty (autodetect), a unix:// URL or an absolute socket path. */
export const criEndpointFormat = {
  name: 'cri-endpoint',
  validate(value: unknown): void {
    if (value === '') return;
    if (typeof value !== 'string' || !(value.startsWith('unix:///') || isAbsolute(value))) {
      throw new Error('must be empty (autodetect), unix:///path/to.sock or an absolute socket path');
    }
  },
};

/**
 * Headers as a map, or the OTEL_EXPORTER_OTLP_HEADERS string form "k1=v1,k2=v2" (percent-encoded).
 * Each header is checked against grpc-js's rules here, so a bad one stops the agent at startup
 * instead of failing every export with the value in the error text.
 */
export function parseHeaders(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new Error(`header ${JSON.stringify(k)} must be a string`);
      out[k] = v;
    }
  } else if (typeof value === 'string') {
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error('must be a map or "key1=value1,key2=value2"');
      const key = decodePart(part.slice(0, eq), 'a header name');
      out[key] = decodePart(part.slice(eq + 1), `header ${JSON.stringify(key)}`);
    }
  } else {
    throw new Error('must be a map or "key1=value1,key2=value2"');
  }
  for (const [k, v] of Object.entries(out)) checkHeader(k, v);
  return out;
}

export const headersFormat = {
  name: 'headers',
  validate(value: unknown): void {
    parseHeaders(value);
  },
  coerce(value: unknown): unknown {
    try {
      return parseHeaders(value);
    } catch {
      return value;
    }
  },
};

export const stringMapFormat = {
  name: 'string-map',
  validate(value: unknown): void {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a map of strings');
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new Error(`entry ${k} must be a string`);
    }
  },
};

export const stringListFormat = {
  name: 'string-list',
  validate(value: unknown): void {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new Error('must be a list of strings');
    }
  },
  coerce(value: unknown): unknown {
    return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  },
};

/**
 * metrics.overrides: metric name → true/false, as a map (YAML) or "name=true,name2=false" (env and
 * flags). Whether each name is a metric is checked against the catalog after loading (load.ts).
 */
export function parseMetricOverrides(value: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const put = (name: string, v: unknown): void => {
    const b = typeof v === 'string' ? { true: true, false: false }[v.trim().toLowerCase()] : v;
    if (typeof b !== 'boolean') throw new Error(`entry ${name} must be true or false (was ${JSON.stringify(v)})`);
    out[name] = b;
  };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) put(k, v);
  } else if (typeof value === 'string') {
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error('must be a map of metric name to true/false, or "name1=true,name2=false"');
      put(part.slice(0, eq).trim(), part.slice(eq + 1));
    }
  } else {
    throw new Error('must be a map of metric name to true/false, or "name1=true,name2=false"');
  }
  return out;
}

export const metricOverridesFormat = {
  name: 'metric-overrides',
  validate(value: unknown): void {
    parseMetricOverrides(value);
  },
  coerce(value: unknown): unknown {
    try {
      return parseMetricOverrides(value);
    } catch {
      return value;
    }
  },
};

export const allFormats = [
  durationFormat,
  boolFormat,
  countFormat,
  portFormat,
  absPathFormat,
  optionalPathFormat,
  endpointFormat,
  criEndpointFormat,
  headersFormat,
  stringMapFormat,
  stringListFormat,
  metricOverridesFormat,
];
