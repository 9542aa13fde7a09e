/** Text formatting shared by the operator commands' tables. */

/** Binary units as ps and crictl print them: 1.5Gi, 640Mi, 12Ki, 512B; "-" when unknown. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${units[u]}`;
}

/** A byte rate: 1.2Mi/s; "-" when unknown. */
export const rate = (n: number | undefined): string => (n === undefined ? '-' : `${bytes(Math.round(n))}/s`);

/** A fraction as a percentage with one decimal; "-" when unknown. */
export const percent = (f: number | undefined): string => (f === undefined ? '-' : `${(f * 100).toFixed(1)}%`);

/** Columns padded to the widest cell; the last column is not padded (command lines run long). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Unix seconds as local ISO time without milliseconds (UTC on a host without a zone). */
export function isoTime(unixSeconds: number): string {
  return new Date(Math.round(unixSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}
