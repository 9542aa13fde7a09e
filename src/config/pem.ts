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
