/**
 * Secrets never leave the process in clear: URL credentials are refused (and masked in the refusal),
 * header names and values are checked against grpc-js's rules at load time without quoting the
 * value, and every log line is masked whatever put the secret into it.
 */
import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { maskSecrets, maskUrlCredentials } from '../../src/config/secrets.js';
import { createLogger } from '../../src/log.js';
import { configError as errorOf } from '../helpers/config-errors.js';

describe('export.otlp.endpoint with credentials', () => {
  for (const endpoint of ['http://user:s3cr3t-pw@collector:4317', 'https://s3cr3t-pw@collector:4317', 'http://:s3cr3t-pw@collector:4317']) {
    it(`${endpoint.replace('s3cr3t-pw', '…')} is refused, naming where credentials go, without the secret`, () => {
      for (const load of [
        () => loadConfig(['--export-otlp-endpoint', endpoint], {}),
        () => loadConfig([], { PODPULSE_EXPORT_OTLP_ENDPOINT: endpoint }),
      ]) {
        const msg = errorOf(load);
        expect(msg).not.toContain('s3cr3t-pw');
        expect(msg).toMatch(/^export\.otlp\.endpoint: must not contain credentials .*put them in export\.otlp\.headers.*: value was "https?:\/\/\*\*\*@collector:4317"$/);
      }
    });
  }

  it('the values of sensitive keys are handed to the logger as secrets; a sensitive path is not', () => {
    const loaded = loadConfig(['--export-otlp-endpoint', 'https://c:4317'], { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=Bearer%20tok-123456,x-tenant=t1' });
    expect(loaded.secrets.sort()).toEqual(['Bearer tok-123456', 't1']);
  });

  it('--print-config of a valid config shows no header value', () => {
    const loaded = loadConfig([], { PODPULSE_EXPORT_OTLP_HEADERS: 'authorization=Bearer%20tok-123456' });
    expect(loaded.describe()).not.toContain('tok-123456');
  });
});

describe('export.otlp.headers', () => {
  it('accepts what grpc-js accepts (names are sent lowercased)', () => {
    const { config } = loadConfig([], { PODPULSE_EXPORT_OTLP_HEADERS: 'Authorization=Bearer%20abc~!,x-tenant.id_2=t1' });
    expect(config.export.otlp.headers).toEqual({ Authorization: 'Bearer abc~!', 'x-tenant.id_2': 't1' });
    const md = new Metadata();
    for (const [k, v] of Object.entries(config.export.otlp.headers)) md.set(k.toLowerCase(), v);
    expect(md.get('authorization')).toEqual(['Bearer abc~!']);
  });

  const SECRET = 'tok-9f8e7d';
  const bad: [string, string, RegExp][] = [
    ['control character in the value', `authorization=Bearer%0A${SECRET}`, /^export\.otlp\.headers: header "authorization": value may only hold printable ASCII/],
    ['non-ASCII value', `authorization=Bearer%20${SECRET}%C3%A9`, /header "authorization": value may only hold printable ASCII/],
    ['space in the name', `x%20api=${SECRET}`, /header "x api": name may only hold letters, digits/],
    ['non-ASCII name', `%C3%A9=${SECRET}`, /header "é": name may only hold/],
    ['pseudo-header name', `:authority=${SECRET}`, /header ":authority": name may only hold/],
    ['binary header', `trace-bin=${SECRET}`, /header "trace-bin": binary \(-bin\) headers are not supported/],
    ['broken percent-encoding', `authorization=${SECRET}%zz`, /header "authorization" is not valid percent-encoding/],
    ['no "="', `Bearer ${SECRET}`, /must be a map or "key1=value1,key2=value2"/],
  ];
  for (const [what, env, want] of bad) {
    it(`${what}: exit-2 error naming the header, never its value`, () => {
      const msg = errorOf(() => loadConfig([], { PODPULSE_EXPORT_OTLP_HEADERS: env }));
      expect(msg).toMatch(want);
      expect(msg).not.toContain(SECRET);
      expect(msg.split('\n')).toHaveLength(1);
    });
  }

  it('the same rules hold for a YAML map', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'podpulse-secrets-')), 'c.yaml');
    writeFileSync(file, `export:\n  otlp:\n    headers:\n      authorization: "Bearer\\t${SECRET}"\n`);
    const msg = errorOf(() => loadConfig(['--config', file], {}));
    expect(msg).toMatch(/header "authorization": value may only hold printable ASCII/);
    expect(msg).not.toContain(SECRET);
  });

  it('grpc-js itself would have thrown with the value in its message (why we check first)', () => {
    expect(() => new Metadata().set('authorization', `Bearer\n${SECRET}`)).toThrow(SECRET);
  });
});

describe('masking', () => {
  it('maskUrlCredentials hides user:password@ in any URL in a text', () => {
    expect(maskUrlCredentials('export to http://u:p@h:4317 failed; also https://tok@x/y')).toBe('export to http://***@h:4317 failed; also https://***@x/y');
    expect(maskUrlCredentials('http://h:4317 and user@example.com')).toBe('http://h:4317 and user@example.com');
  });

  it('maskSecrets hides every given value, raw and JSON-escaped', () => {
    expect(maskSecrets('{"msg":"bad \\"tok\\\\en\\" and tok\\\\en"}', ['"tok\\en"', 'tok\\en'])).toBe('{"msg":"bad *** and ***"}');
    expect(maskSecrets('a=abc', ['abc']), 'values under 4 characters would mangle every line').toBe('a=abc');
  });

  it('every log line is masked, whichever field carries the secret', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', ['Bearer tok-9f8e7d'], sink);
    log.error({ err: new Error('Metadata string value "Bearer tok-9f8e7d\n" contains illegal characters') }, 'export failed');
    log.warn({ endpoint: 'http://admin:hunter22@collector:4317' }, 'export to http://admin:hunter22@collector:4317 failed');
    log.info('plain line');
    expect(lines).toHaveLength(3);
    const all = lines.join('');
    expect(all).not.toContain('tok-9f8e7d');
    expect(all).not.toContain('hunter22');
    expect(all).toContain('http://***@collector:4317');
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(JSON.parse(lines[2] as string)).toMatchObject({ msg: 'plain line', name: 'podpulse' });
  });
});
