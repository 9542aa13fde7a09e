import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';

/** The message of the ConfigError `fn` throws; fails the test when it throws nothing or something else. */
export function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** A podpulse.yaml with `text`, in a fresh temp dir. */
export function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'podpulse-config-'));
  const file = join(dir, 'podpulse.yaml');
  writeFileSync(file, text);
  return file;
}
