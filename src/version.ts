import { readFileSync } from 'node:fs';

/** The package version, read from package.json next to src/ or dist/src/. */
export function podpulseVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'podpulse' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

/**
 * The source revision the build was made from: the first line of a REVISION file next to
 * package.json (an image build may write it), else "unknown". The agent never runs git.
 */
export function podpulseRevision(): string {
  for (const rel of ['../REVISION', '../../REVISION']) {
    try {
      const line = readFileSync(new URL(rel, import.meta.url), 'utf8').split('\n')[0]?.trim();
      if (line) return line;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}
