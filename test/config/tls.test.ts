/**
 * TLS settings are checked when the config loads: each file named by export.otlp.tls.* must be
 * readable and hold the PEM block it is for, the key must belong to the certificate, and TLS settings
 * next to an http:// endpoint (where they would be silently ignored) are refused. Real certificates
 * come from openssl, generated per run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { channelCredentials } from '../../src/export/otlp/exporter.js';
import { configError as errorOf } from '../helpers/config-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'podpulse-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed EC certificate and its key, or undefined when openssl is missing. */
function selfSigned(name: string): { cert: string; key: string } | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? { cert, key } : undefined;
}

const pair = selfSigned('client');
const other = selfSigned('other');
const opensslGate = pair && other ? '' : ' (skipped: openssl not available to make certificates)';

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const HTTPS = ['--export-otlp-endpoint', 'https://collector:4317'];

describe('TLS settings with an http:// endpoint', () => {
  for (const [flag, value] of [
    ['ca', '/etc/ssl/ca.pem'],
    ['insecure', 'true'],
  ] as const) {
    it(`export.otlp.tls.${flag} is refused ("use https://"), not ignored`, () => {
      const msg = errorOf(() => loadConfig([`--export-otlp-tls-${flag}`, value], {}));
      expect(msg).toBe(
        `export.otlp.tls.${flag}: only applies to an https:// endpoint, but export.otlp.endpoint is http:// (plaintext): use https:// or remove export.otlp.tls.${flag}`,
      );
    });
  }

  it('cert + key give one line each', () => {
    const lines = errorOf(() => loadConfig(['--export-otlp-tls-cert', '/a.pem', '--export-otlp-tls-key', '/b.pem'], {})).split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['export.otlp.tls.cert', 'export.otlp.tls.key']);
  });

  it('an empty endpoint (OTLP off) leaves them alone', () => {
    expect(() => loadConfig(['--export-otlp-endpoint', '', '--export-otlp-tls-ca', '/nonexistent.pem'], {})).not.toThrow();
  });
});

describe('TLS files with an https:// endpoint', () => {
  it('a missing file names key and file', () => {
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-ca', join(dir, 'nope.pem')], {}))).toBe(
      `export.otlp.tls.ca: cannot read ${join(dir, 'nope.pem')}: ENOENT`,
    );
  });

  it('a directory names key and file', () => {
    const d = join(dir, 'a-dir');
    mkdirSync(d, { recursive: true });
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-ca', d], {}))).toBe(`export.otlp.tls.ca: cannot read ${d}: EISDIR`);
  });

  it('a file that is not PEM names key and file and never quotes the content', () => {
    const p = file('not-pem.key', 'super-secret-key-material\n');
    const msg = errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-ca', p], {}));
    expect(msg).toBe(`export.otlp.tls.ca: ${p} is not a PEM file (no "-----BEGIN" line)`);
    expect(msg).not.toContain('super-secret');
  });

  it('a PEM file of the wrong kind names what it lacks', () => {
    const p = file('key-as-ca.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-ca', p], {}))).toBe(
      `export.otlp.tls.ca: ${p} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`,
    );
  });

  it('a PEM block with a broken body is refused at load, not at the first export', () => {
    const p = file('broken.crt', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-ca', p], {}))).toMatch(
      new RegExp(`^export\\.otlp\\.tls\\.ca: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds no usable PEM certificate \\(OpenSSL: .+\\)$`),
    );
  });

  it('cert without key (and key without cert) is refused', () => {
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-cert', '/a.pem'], {}))).toBe(
      'export.otlp.tls.cert and export.otlp.tls.key must be set together (mTLS)',
    );
  });

  it('tls.insecure next to TLS files is refused: the files would be ignored', () => {
    expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-insecure', 'true', '--export-otlp-tls-ca', '/x.pem'], {}))).toBe(
      'export.otlp.tls.insecure: turns TLS off, so export.otlp.tls.ca would be ignored: remove one or the other',
    );
  });

  describe.skipIf(opensslGate !== '')(`with real certificates${opensslGate}`, () => {
    it('a matching certificate and key load, and grpc-js builds TLS credentials from them', () => {
      const { cert, key } = pair as { cert: string; key: string };
      const { config } = loadConfig([...HTTPS, '--export-otlp-tls-ca', cert, '--export-otlp-tls-cert', cert, '--export-otlp-tls-key', key], {});
      expect(config.export.otlp.tls).toEqual({ ca: cert, cert, key, insecure: false });
      expect(channelCredentials(config.export.otlp)._isSecure()).toBe(true);
    });

    it('a key that belongs to another certificate is refused naming both files', () => {
      const { cert } = pair as { cert: string; key: string };
      const { key } = other as { cert: string; key: string };
      expect(errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-cert', cert, '--export-otlp-tls-key', key], {}))).toBe(
        `export.otlp.tls.key: ${key} is not the key of the certificate in export.otlp.tls.cert (${cert})`,
      );
    });

    it('an encrypted key (grpc-js cannot use it) is refused without quoting it', () => {
      const { key } = pair as { cert: string; key: string };
      const enc = join(dir, 'enc.key');
      const r = spawnSync('openssl', ['pkey', '-in', key, '-aes256', '-passout', 'pass:pw', '-out', enc], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const msg = errorOf(() => loadConfig([...HTTPS, '--export-otlp-tls-cert', (pair as { cert: string }).cert, '--export-otlp-tls-key', enc], {}));
      expect(msg).toBe(`export.otlp.tls.key: ${enc} holds an encrypted private key; TLS needs it unencrypted (openssl pkey -in KEY -out KEY.plain)`);
      expect(msg).not.toContain(readFileSync(enc, 'utf8').split('\n')[1]);
    });
  });
});
