import { existsSync, opendirSync, type Dir, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CgroupLayout } from '../cgroup/layout.js';

export interface RawWalkOptions {
  /** Subtrees to walk, relative to the hierarchy root; empty = the whole hierarchy. */
  parents: readonly string[];
  maxDepth: number;
  maxCgroups: number;
}

export interface RawWalkPriority {
  /**
   * Subtrees to walk before anything else (the pod cgroups the runtime named), so a flood of
   * unrelated cgroups cannot use up maxCgroups before the pods' other cgroups are reached.
   */
  first: readonly string[];
  /** Longest stretch of synchronous readdir work before the walk lets the event loop turn, ms. */
  sliceMs: number;
  /** Directory entries read before the walk lets the event loop turn even within sliceMs. Default 512. */
  sliceEntries?: number;
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

function depthBelow(path: string, parent: string): number | undefined {
  if (parent === '/') return path === '/' ? 0 : path.split('/').length - 1;
  if (path === parent) return 0;
  if (!path.startsWith(`${parent}/`)) return undefined;
  return path.slice(parent.length).split('/').length - 1;
}

/**
 * Every cgroup under the configured parents, as cAdvisor's raw handler sees them: each directory
 * is a container whose id is its path. `/` is always included.
 *
 * The `first` subtrees (and the directories leading to them) are walked before the rest, then the
 * whole tree breadth first; maxCgroups and maxDepth bound the walk, and `truncated` says the cap
 * was hit. The walk is sliced: after `sliceMs` of reading, or `sliceEntries` directory entries, it
 * waits for the next event-loop turn, so a huge tree (or one huge directory) delays timers and I/O
 * by a slice, never by the whole walk.
 */
export async function walkRawCgroups(layout: CgroupLayout, opts: RawWalkOptions, priority: RawWalkPriority): Promise<RawWalkResult> {
  const root = walkRoot(layout);
  const paths: string[] = ['/'];
  const reported = new Set(paths);
  if (root === undefined) return { paths, truncated: false };
  const parents = opts.parents.length > 0 ? [...new Set(opts.parents.map(normalizeParent))] : ['/'];
  const expanded = new Set<string>();
  let sliceStart = performance.now();
  let sliceSteps = 0;
  const sliceEntries = priority.sliceEntries ?? 512;
  let truncated = false;

  /** Reports `path` unless the cap is reached; false once it is. */
  const report = (path: string): boolean => {
    if (reported.has(path)) return true;
    if (paths.length >= opts.maxCgroups) {
      truncated = true;
      return false;
    }
    reported.add(path);
    paths.push(path);
    return true;
  };

  /** Breadth-first below `start` (at `depth` under its parent), skipping subtrees already walked. */
  const walk = async (start: string, depth: number): Promise<boolean> => {
    const queue: { path: string; depth: number }[] = [{ path: start, depth }];
    for (let head = 0; head < queue.length; head++) {
      const { path, depth: d } = queue[head] as { path: string; depth: number };
      queue[head] = undefined as never; // let walked entries go: the queue can hold a whole flood
      if (d >= opts.maxDepth || expanded.has(path)) continue;
      expanded.add(path);
      let dir: Dir;
      try {
        dir = opendirSync(join(root, path));
      } catch {
        continue; // removed while walking, or a parent that does not exist on this host
      }
      try {
        // Entry by entry, not readdirSync: a directory of thousands of cgroups is read in slices,
        // and reading stops as soon as the cap is reached.
        for (;;) {
          if (++sliceSteps > sliceEntries || performance.now() - sliceStart >= priority.sliceMs) {
            await nextTurn();
            sliceStart = performance.now();
            sliceSteps = 0;
          }
          let e: Dirent | null;
          try {
            e = dir.readSync();
          } catch {
            break; // removed while being read
          }
          if (e === null) break;
          if (!e.isDirectory()) continue;
          const child = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
          if (!report(child)) return false;
          if (!expanded.has(child)) queue.push({ path: child, depth: d + 1 });
        }
      } finally {
        dir.closeSync();
      }
    }
    return true;
  };

  for (const p of parents) if (!report(p)) return { paths, truncated };
  for (const seed of new Set(priority.first.map(normalizeParent))) {
    const parent = parents.find((p) => depthBelow(seed, p) !== undefined);
    if (parent === undefined) continue;
    const depth = depthBelow(seed, parent) as number;
    if (depth > opts.maxDepth || !existsSync(join(root, seed))) continue;
    // The directories between the parent and the seed are cgroups too.
    const segments = seed.split('/').slice(1);
    let ok = true;
    for (let i = 1; i <= segments.length && ok; i++) {
      const ancestor = `/${segments.slice(0, i).join('/')}`;
      if (depthBelow(ancestor, parent) !== undefined && ancestor !== parent) ok = report(ancestor);
    }
    if (!ok || !(await walk(seed, depth))) return { paths, truncated };
  }
  for (const p of parents) if (!(await walk(p, 0))) return { paths, truncated };
  return { paths, truncated };
}
