import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The C floor, compiled (`cc -O2`) and run by the same `npm run bench` invocation on the same
 * files the collector opened (the worker writes that list): per-cycle CPU of open+read+close with no
 * parsing, under the same load as the Node figures it is compared with.
 */

/** What bench/c-floor/floor.c prints. */
export interface FloorResult {
  /** Paths in the list. */
  files: number;
  /** Opened in the last cycle (a path that vanished counts as missing). */
  opened: number;
  missing: number;
  /** Bytes read in the last cycle. */
  bytes: number;
  /** Per measured cycle (whole list), µs of process CPU. */
  cpuUs: number[];
  wallMs: number[];
}

export function floorSource(repoRoot: string): string {
  return join(repoRoot, 'bench', 'c-floor', 'floor.c');
}

/** Compiles floor.c into `outDir`; throws with the compiler's message when there is no `cc` or it fails. */
export function compileFloor(repoRoot: string, outDir: string): string {
  const src = floorSource(repoRoot);
  if (!existsSync(src)) throw new Error(`${src} not found`);
  const bin = join(outDir, 'podpulse-c-floor');
  try {
    execFileSync('cc', ['-O2', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`cc -O2 ${src} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
  return bin;
}

export function parseFloorOutput(text: string): FloorResult {
  const j = JSON.parse(text) as Partial<FloorResult>;
  const nums = (xs: unknown) => Array.isArray(xs) && xs.every((x) => typeof x === 'number');
  if (typeof j.files !== 'number' || typeof j.opened !== 'number' || typeof j.missing !== 'number' || typeof j.bytes !== 'number' || !nums(j.cpuUs) || !nums(j.wallMs)) {
    throw new Error(`unexpected C floor output: ${text.slice(0, 200)}`);
  }
  return j as FloorResult;
}

/** Runs the compiled floor on the newline-separated path list in `listFile`. */
export function runFloor(bin: string, listFile: string, cycles: number, warmup: number): FloorResult {
  const out = execFileSync(bin, [listFile, String(cycles), String(warmup)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 16 << 20 });
  return parseFloorOutput(out);
}
