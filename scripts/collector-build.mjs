// `npm run collector:build`: builds otel-collector/bin/otelcol-podpulse from the pinned Go module in
// otel-collector/, unless the binary is already newer than every Go source, go.mod and go.sum.
// Uses the default Go caches (GOMODCACHE, GOCACHE), so a second machine-wide build is a relink at most.
// Also imported by the tests' global setup and by scripts/stack.mjs (buildCollector, findGo).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const COLLECTOR_DIR = join(ROOT, 'otel-collector');
export const COLLECTOR_BINARY = join(COLLECTOR_DIR, 'bin', 'otelcol-podpulse');

/** The `go` binary: PATH first, then the official tarball's /usr/local/go/bin. Undefined when absent. */
export function findGo() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/go/bin', '/usr/lib/go/bin'];
  for (const d of dirs) {
    if (d !== '' && existsSync(join(d, 'go'))) return join(d, 'go');
  }
  return undefined;
}

/** The inputs whose change makes the binary stale. */
function sources() {
  const files = readdirSync(COLLECTOR_DIR).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum');
  return files.map((f) => join(COLLECTOR_DIR, f));
}

/** True when the binary exists and is newer than every source, go.mod and go.sum. */
export function collectorUpToDate() {
  if (!existsSync(COLLECTOR_BINARY)) return false;
  const built = statSync(COLLECTOR_BINARY).mtimeMs;
  return sources().every((f) => statSync(f).mtimeMs < built);
}

/**
 * Builds the collector when stale. Returns { built, ms, binary }; throws with go's output when the
 * build fails or Go is missing. `timeoutMs` bounds a cold build (module download + compile).
 */
export function buildCollector({ timeoutMs = 15 * 60_000, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (collectorUpToDate()) return { built: false, ms: 0, binary: COLLECTOR_BINARY };
  const go = findGo();
  if (go === undefined) throw new Error('go not found on PATH or in /usr/local/go/bin (install Go >= 1.26)');
  log(`otelcol-podpulse: building with ${go} (a first build downloads modules and takes minutes)...`);
  const t0 = performance.now();
  const r = spawnSync(go, ['build', '-trimpath', '-o', join('bin', 'otelcol-podpulse'), '.'], {
    cwd: COLLECTOR_DIR,
    // -mod=readonly: go.sum is the pin; a build never rewrites it.
    env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
  const ms = Math.round(performance.now() - t0);
  if (r.error) throw new Error(`go build did not finish: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go build failed (exit ${r.status ?? r.signal}) after ${ms} ms:\n${(r.stderr ?? '').slice(-4000)}`);
  log(`otelcol-podpulse: built in ${(ms / 1000).toFixed(1)} s -> ${COLLECTOR_BINARY}`);
  return { built: true, ms, binary: COLLECTOR_BINARY };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const r = buildCollector();
    if (!r.built) process.stderr.write(`otelcol-podpulse: up to date (${COLLECTOR_BINARY})\n`);
  } catch (err) {
    process.stderr.write(`otelcol-podpulse: ${err.message}\n`);
    process.exit(1);
  }
}
