import { formatDuration, parseDuration } from './formats.js';
import { leafPaths, type SchemaLeaf } from './schema.js';

/**
 * Bounds declared on schema leaves (min/max), checked after convict accepted each value's format:
 * a duration must fit its key (a 2^31 ms interval is a valid duration but no sane one), a count
 * must be small enough to be a bound at all.
 */

/** The value of a key as the user wrote it (flag > environment > file > default), for messages. */
export function givenValue(path: string, leaf: SchemaLeaf, file: unknown, env: NodeJS.ProcessEnv, keyFlags: [string, string][]): unknown {
  const flag = keyFlags.filter(([k]) => k === path).pop();
  if (flag) return flag[1];
  if (leaf.env && env[leaf.env] !== undefined) return env[leaf.env];
  let v: unknown = file;
  for (const seg of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v ?? leaf.default;
}

/** `<key>: must be between <min> and <max>: value was <given>` for every key outside its bounds. */
export function boundsErrors(get: (key: string) => unknown, given: (path: string, leaf: SchemaLeaf) => unknown): string[] {
  const lines: string[] = [];
  for (const { path, leaf } of leafPaths()) {
    if (leaf.min === undefined && leaf.max === undefined) continue;
    const isDuration = leaf.format === 'duration-ms';
    const toNumber = (b: number | string): number => (isDuration ? parseDuration(b) : Number(b));
    const show = (n: number): string => (isDuration ? formatDuration(n) : String(n));
    const raw = get(path);
    let value: number;
    try {
      value = isDuration ? parseDuration(raw) : (raw as number);
    } catch {
      continue; // its format error is reported already
    }
    if (typeof value !== 'number') continue;
    const min = leaf.min === undefined ? undefined : toNumber(leaf.min);
    const max = leaf.max === undefined ? undefined : toNumber(leaf.max);
    if ((min === undefined || value >= min) && (max === undefined || value <= max)) continue;
    const allowed =
      min !== undefined && max !== undefined ? `between ${show(min)} and ${show(max)}` : min !== undefined ? `at least ${show(min)}` : `at most ${show(max as number)}`;
    lines.push(`${path}: must be ${allowed}: value was ${JSON.stringify(given(path, leaf))}`);
  }
  return lines;
}
