import { readFileSync } from 'node:fs';

/**
 * What a V8 heap snapshot (bench --heap-snapshot) holds, by constructor: the shallow ("self") size
 * and the count of every object kind, as the Summary view of Chrome DevTools shows them. Shallow
 * sizes add up to the heap; what keeps them alive needs DevTools' retainers view.
 */

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  selfBytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  groups: HeapGroup[];
}

/** Objects and closures by constructor name; every other node kind (strings, arrays, code, …) by kind. */
export function summarizeHeap(raw: RawSnapshot, limit = 25): HeapSummary {
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  let total = 0;
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt] as number] ?? 'unknown';
    const size = raw.nodes[i + sizeAt] as number;
    const name = type === 'object' || type === 'closure' ? (raw.strings[raw.nodes[i + nameAt] as number] ?? '?') : `(${type})`;
    const key = type === 'closure' ? `${name}()` : name;
    const g = groups.get(key) ?? { name: key, count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += size;
    groups.set(key, g);
    total += size;
  }
  return { totalBytes: total, nodes: raw.nodes.length / width, groups: [...groups.values()].sort((a, b) => b.selfBytes - a.selfBytes).slice(0, limit) };
}

export function summarizeHeapFile(path: string, limit?: number): HeapSummary {
  return summarizeHeap(JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot, limit);
}

export function formatHeap(h: HeapSummary, label: string): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    `heap ${label}: ${mib(h.totalBytes)} in ${h.nodes} objects (shallow sizes by constructor)`,
    ...h.groups.map((g) => `  ${mib(g.selfBytes).padStart(10)}  ${((g.selfBytes / h.totalBytes) * 100).toFixed(1).padStart(5)} %  ${String(g.count).padStart(9)}  ${g.name}`),
  ].join('\n');
}
