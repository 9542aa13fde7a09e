/** Dotted paths of the leaves that differ between two configs (names only: values may be secrets). */
export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // A map with dynamic keys (headers, attributes) changes as a whole: report its own path.
  if (isMap(before) && isMap(after) && prefix !== '' && !sameKeys(before, after)) return [prefix];
  if (isMap(before) && isMap(after)) {
    const out: string[] = [];
    for (const key of Object.keys(before)) out.push(...changedKeys(before[key], after[key], prefix ? `${prefix}.${key}` : key));
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}
