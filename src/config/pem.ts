import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

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
