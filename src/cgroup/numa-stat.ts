import { ParseError } from '../errors.js';

/**
 * memory.numa_stat of a cgroup, per NUMA node, for the three page types cAdvisor reports.
 *
 * v1 (https://docs.kernel.org/admin-guide/cgroup-v1/memory.html, 5.6), in pages:
 * ```
 * total=1234 N0=1234
 * file=1000 N0=1000
 * anon=234 N0=234
 * unevictable=0 N0=0
 * hierarchical_total=5678 N0=5678
 * …
 * ```
 * The plain keys are the cgroup's own pages, the hierarchical_ ones include its descendants.
 *
 * v2 (https://docs.kernel.org/admin-guide/cgroup-v2.html, memory.numa_stat), in BYTES and always
 * hierarchical:
 * ```
 * anon N0=1138688
 * file N0=3813376
 * unevictable N0=0
 * ```
 */
export type NumaPageType = 'file' | 'anon' | 'unevictable';
export const NUMA_PAGE_TYPES: readonly NumaPageType[] = ['file', 'anon', 'unevictable'];

/** Pages per node number, per page type. */
export type NumaPages = Partial<Record<NumaPageType, Map<number, number>>>;

export interface NumaStat {
  /** The cgroup's own pages (v1 only). */
  container?: NumaPages;
  /** The cgroup and its descendants. */
  hierarchy: NumaPages;
}

function nodeValues(tokens: readonly string[], file: string, key: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of tokens) {
    const m = /^N(\d+)=(\d+)$/.exec(t);
    if (m === null) throw new ParseError(file, `${key}: bad node field ${JSON.stringify(t)}`);
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

const isType = (k: string): k is NumaPageType => (NUMA_PAGE_TYPES as readonly string[]).includes(k);

export function parseNumaStatV1(text: string, file = 'memory.numa_stat'): NumaStat {
  const out: NumaStat = { container: {}, hierarchy: {} };
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
    const first = tokens[0];
    // Some kernels add lines without `=` (numa_locality …): not ours.
    if (first === undefined || !first.includes('=')) continue;
    const key = first.slice(0, first.indexOf('='));
    const hier = key.startsWith('hierarchical_');
    const type = hier ? key.slice('hierarchical_'.length) : key;
    if (!isType(type)) continue;
    (hier ? out.hierarchy : out.container!)[type] = nodeValues(tokens.slice(1), file, key);
  }
  return out;
}

/** v2: bytes divided by the page size, so both versions report pages. */
export function parseNumaStatV2(text: string, pageSize: number, file = 'memory.numa_stat'): NumaStat {
  const out: NumaStat = { hierarchy: {} };
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
    const key = tokens[0];
    if (key === undefined || !isType(key)) continue;
    const bytes = nodeValues(tokens.slice(1), file, key);
    out.hierarchy[key] = new Map([...bytes].map(([node, b]) => [node, Math.floor(b / pageSize)]));
  }
  return out;
}
