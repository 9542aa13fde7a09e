import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { AgentConfig } from './schema.js';

/**
 * The TLS files of export.otlp.tls.*, checked when the config loads (and read again by the exporter),
 * so every problem with them is a configuration error naming the key and the file.
 */

export type PemKind = 'certificate' | 'private key';

const MARKERS: Record<PemKind, { re: RegExp; shown: string }> = {
  certificate: { re: /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/, shown: '-----BEGIN CERTIFICATE-----' },
  'private key': { re: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, shown: '-----BEGIN PRIVATE KEY-----' },
};

/**
 * Reads a PEM file for `key` (e.g. export.otlp.tls.ca) and checks it holds the expected block, so a
 * missing, unreadable or wrong file stops the agent at startup naming the key and the file. The
 * file's content is never quoted: a key file is a secret.
 */
export function readPemFile(key: string, path: string, kind: PemKind): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!data.includes('-----BEGIN')) throw new ConfigError(`${key}: ${path} is not a PEM file (no "-----BEGIN" line)`);
  const marker = MARKERS[kind];
  if (!marker.re.test(data.toString('latin1'))) {
    throw new ConfigError(`${key}: ${path} holds no PEM ${kind} (no "${marker.shown}" line)`);
  }
  return data;
}

/** The parsed object, so TLS setup cannot fail later on content the markers did not reveal. */
export function parsePem(key: string, path: string, kind: 'certificate', data: Buffer): X509Certificate;
export function parsePem(key: string, path: string, kind: 'private key', data: Buffer): KeyObject;
export function parsePem(key: string, path: string, kind: PemKind, data: Buffer): X509Certificate | KeyObject {
  if (kind === 'private key' && /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(data.toString('latin1'))) {
    throw new ConfigError(`${key}: ${path} holds an encrypted private key; TLS needs it unencrypted (openssl pkey -in KEY -out KEY.plain)`);
  }
  try {
    return kind === 'certificate' ? new X509Certificate(data) : createPrivateKey(data);
  } catch (err) {
    // OpenSSL's reason ("unsupported", "bad decrypt", "passphrase required"), never the content.
    const reason = ((err as Error).message.split(':').pop() ?? '').trim();
    throw new ConfigError(`${key}: ${path} holds no usable PEM ${kind} (OpenSSL: ${reason || 'unreadable'})`);
  }
}

/**
 * TLS settings only mean something for an https:// endpoint; silently ignoring them would send
 * headers in clear text while the user believes TLS is on. The files are read here so a missing or
 * wrong one is a configuration error (exit 2) naming the key and the file, not a failure later.
 */
export function tlsErrors(otlp: AgentConfig['export']['otlp']): string[] {
  if (otlp.endpoint === '') return [];
  const files = (['ca', 'cert', 'key'] as const).filter((k) => otlp.tls[k] !== '');
  const set = [...files.map((k) => `export.otlp.tls.${k}`), ...(otlp.tls.insecure ? ['export.otlp.tls.insecure'] : [])];
  if (new URL(otlp.endpoint).protocol === 'http:') {
    return set.map((k) => `${k}: only applies to an https:// endpoint, but export.otlp.endpoint is http:// (plaintext): use https:// or remove ${k}`);
  }
  if (otlp.tls.insecure && files.length > 0) {
    return [`export.otlp.tls.insecure: turns TLS off, so ${files.map((k) => `export.otlp.tls.${k}`).join(', ')} would be ignored: remove one or the other`];
  }
  if ((otlp.tls.cert === '') !== (otlp.tls.key === '')) {
    return ['export.otlp.tls.cert and export.otlp.tls.key must be set together (mTLS)'];
  }
  const lines: string[] = [];
  let cert: X509Certificate | undefined;
  let privateKey: KeyObject | undefined;
  for (const k of files) {
    const key = `export.otlp.tls.${k}`;
    try {
      if (k === 'key') privateKey = parsePem(key, otlp.tls.key, 'private key', readPemFile(key, otlp.tls.key, 'private key'));
      else {
        const parsed = parsePem(key, otlp.tls[k], 'certificate', readPemFile(key, otlp.tls[k], 'certificate'));
        if (k === 'cert') cert = parsed;
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      lines.push(err.message);
    }
  }
  if (cert && privateKey && !cert.checkPrivateKey(privateKey)) {
    lines.push(`export.otlp.tls.key: ${otlp.tls.key} is not the key of the certificate in export.otlp.tls.cert (${otlp.tls.cert})`);
  }
  return lines;
}
