import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayout } from '../cgroup/layout.js';

export interface RawWalkOptions {
  /** Subtrees to walk, relative to the hierarchy root; empty = the whole hierarchy. */
  parents: readonly string[];
  maxDepth: number;
  maxCgroups: number;
}

export interface RawWalkResult {
  /** Cgroup paths relative to the hierarchy root, `/` first. */
  paths: string[];
  /** True when maxCgroups cut the walk short. */
  truncated: boolean;
}

/**
 * The hierarchy whose directories stand for "containers" when walking raw cgroups. memory is the
 * controller every container runtime configures, so its tree is the most complete on v1 hosts.
 */
export function walkRoot(layout: CgroupLayout): string | undefined {
  if (layout.mode === 'v2') return layout.unified;
  return layout.v1.get('memory') ?? layout.v1.get('cpu') ?? layout.v1.get('cpuacct') ?? [...layout.v1.values()][0];
}

function normalizeParent(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * Every cgroup under the configured parents, breadth first, as cAdvisor's raw handler sees them:
 * each directory is a container whose id is its path. `/` is always included. Bounded in depth and
 * count so a host with runaway cgroups cannot make a cycle unbounded.
 */
export function walkRawCgroups(layout: CgroupLayout, opts: RawWalkOptions): RawWalkResult {
  const root = walkRoot(layout);
  const paths: string[] = ['/'];
  const seen = new Set(paths);
  if (root === undefined) return { paths, truncated: false };
  const parents = opts.parents.length > 0 ? opts.parents.map(normalizeParent) : ['/'];
  let truncated = false;
  const queue: { path: string; depth: number }[] = parents.map((p) => ({ path: p, depth: 0 }));
  for (const p of parents) {
    if (!seen.has(p)) {
      seen.add(p);
      paths.push(p);
    }
  }
  while (queue.length > 0) {
    const { path, depth } = queue.shift() as { path: string; depth: number };
    if (depth >= opts.maxDepth) continue;
    let entries;
    try {
      entries = readdirSync(join(root, path), { withFileTypes: true });
    } catch {
      continue; // removed while walking, or a parent that does not exist on this host
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      if (seen.has(child)) continue;
      if (paths.length >= opts.maxCgroups) {
        truncated = true;
        return { paths, truncated };
      }
      seen.add(child);
      paths.push(child);
      queue.push({ path: child, depth: depth + 1 });
    }
  }
  return { paths, truncated };
}
