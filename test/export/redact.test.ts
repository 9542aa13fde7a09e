import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildMetadata, createOtlpExporter } from '../../src/export/otlp/exporter.js';
import { redactUrl } from '../../src/export/otlp/redact-url.js';

describe('redactUrl (endpoints in log lines)', () => {
  it('masks userinfo and query values, keeps scheme, host, port and path', () => {
    expect(redactUrl('http://user:pw@collector:4317')).toBe('http://***@collector:4317');
    expect(redactUrl('https://token@collector.example:443/v1')).toBe('https://***@collector.example/v1');
    expect(redactUrl('http://collector:4317/?k=secret&x=1')).toBe('http://collector:4317/?k=***&x=***');
    expect(redactUrl('http://collector:4317')).toBe('http://collector:4317');
    expect(redactUrl('http://collector:4317/')).toBe('http://collector:4317/');
  });

  it('masks up to an @ in text that is not a URL', () => {
    expect(redactUrl('user:pw@collector:4317')).toBe('***@collector:4317');
    expect(redactUrl('http://us er:p w@coll ector')).toBe('http://***@coll ector');
  });
});

describe('export.otlp.headers that grpc-js rejects', () => {
  it('fail with a message that names the header and never its value', () => {
    const bad = { authorization: 'Bearer s3cr3t\nInjected: 1' };
    let err: unknown;
    try {
      buildMetadata(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('"authorization"');
    expect((err as Error).message).not.toContain('s3cr3t');
    const otlp = { endpoint: 'http://127.0.0.1:4317', headers: bad, timeoutMs: 100, replaySnapshots: 0, compression: 'gzip' as const, endMarkers: true, tls: { ca: '', cert: '', key: '', insecure: false } };
    expect(() => createOtlpExporter(otlp)).toThrow(/export\.otlp\.headers: the header "authorization" cannot be sent/);
    expect(buildMetadata({ 'X-Tenant': 'a' }).get('x-tenant')).toEqual(['a']);
  });
});
