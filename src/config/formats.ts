import { isAbsolute } from 'node:path';

/**
 * Custom convict formats. Each throws with a message that says what is allowed, because convict
 * prints "<key>: <message>: value was <value>" and that line is all the user sees.
 */

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s", "500ms", "1m", "1h" or a plain number of milliseconds -> milliseconds. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  if (typeof value === 'string') {
    const m = DURATION_RE.exec(value.trim());
    if (m) {
      const ms = Number(m[1]) * (UNIT_MS[m[2] as string] ?? NaN);
      if (ms > 0) return ms;
    }
    if (/^\d+$/.test(value.trim()) && Number(value) > 0) return Number(value);
  }
  throw new Error('must be a positive duration such as 500ms, 10s, 1m or 1h');
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
  },
};

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

/** Headers as a map, or the OTEL_EXPORTER_OTLP_HEADERS string form "k1=v1,k2=v2". */
export function parseHeaders(value: unknown): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new Error(`header ${k} must be a string`);
      out[k] = v;
    }
    return out;
  }
  if (typeof value === 'string') {
    const out: Record<string, string> = {};
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error('must be a map or "key1=value1,key2=value2"');
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    }
    return out;
  }
  throw new Error('must be a map or "key1=value1,key2=value2"');
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

export const allFormats = [
  durationFormat,
  absPathFormat,
  optionalPathFormat,
  endpointFormat,
  criEndpointFormat,
  headersFormat,
  stringMapFormat,
  stringListFormat,
];
