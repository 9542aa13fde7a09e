/** Heap snapshot breakdown by constructor (bench --heap-snapshot), on a real snapshot of this process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { formatHeap, summarizeHeap, summarizeHeapFile } from '../../bench/heap-summary.js';

class BenchHeapMarker {
  constructor(readonly payload: number[]) {}
}

describe('heap snapshot summary', () => {
  it('groups shallow sizes by constructor, largest first, on a real V8 snapshot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podpulse-heap-'));
    const keep = Array.from({ length: 5000 }, (_, i) => new BenchHeapMarker([i]));
    try {
      const h = summarizeHeapFile(writeHeapSnapshot(join(dir, 'x.heapsnapshot')), 10_000);
      const marker = h.groups.find((g) => g.name === 'BenchHeapMarker');
      expect(marker?.count).toBeGreaterThanOrEqual(5000);
      expect(h.groups.reduce((s, g) => s + g.selfBytes, 0)).toBe(h.totalBytes);
      for (let i = 1; i < h.groups.length; i++) expect(h.groups[i - 1]!.selfBytes).toBeGreaterThanOrEqual(h.groups[i]!.selfBytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(keep).toHaveLength(5000);
  }, 60_000);

  it('objects by constructor, other node kinds by kind', () => {
    const raw = {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'array', 'string', 'object', 'closure']] as [string[]] } },
      // type, name, id, self_size, edge_count
      nodes: [3, 0, 1, 32, 0, 3, 0, 2, 32, 0, 2, 1, 3, 100, 0, 4, 2, 4, 8, 0],
      strings: ['Point', 'some text', 'onTick'],
    };
    const h = summarizeHeap(raw);
    expect(h).toEqual({
      totalBytes: 172,
      nodes: 4,
      groups: [
        { name: '(string)', count: 1, selfBytes: 100 },
        { name: 'Point', count: 2, selfBytes: 64 },
        { name: 'onTick()', count: 1, selfBytes: 8 },
      ],
    });
    expect(formatHeap(h, 'test')).toContain('Point');
  });
});
