import { existsSync, opendirSync, statSync, type Dir, type Dirent } from 'node:fs';
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
  /** What each directory the walk read (or tried to) looked like just before: see rawTreeChanged. */
  stamps?: readonly DirStamp[];
}

/**
 * A directory as the walk found it, taken before reading it. On cgroupfs (kernfs, v1 and v2 alike)
 * a directory's link count is 2 + its subdirectories, refreshed at every stat, so a cgroup created
 * or removed below it changes `nlink`; a directory removed and made again under the same name gets
 * a new inode. ino 0 and nlink 0: the directory did not exist (or could not be read).
 */
export interface DirStamp {
  dir: string;
  ino: number;
  nlink: number;
  /** Other filesystems (a test's temporary tree) may keep nlink at 1 but change mtime on mkdir/rmdir. */
  mtimeMs: number;
}

function stampOf(dir: string): DirStamp {
  try {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st) return { dir, ino: st.ino, nlink: st.nlink, mtimeMs: st.mtimeMs };
  } catch {
    // unreadable counts as absent, like a directory the walk cannot open
  }
  return { dir, ino: 0, nlink: 0, mtimeMs: 0 };
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
  if (root === undefined) return { paths, truncated: false, stamps: [] };
  const stamps: DirStamp[] = [];
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
      const abs = join(root, path);
      // Before the read: a cgroup made while reading changes the stamp, and the next check sees it.
      stamps.push(stampOf(abs));
      let dir: Dir;
      try {
        dir = opendirSync(abs);
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

  for (const p of parents) if (!report(p)) return { paths, truncated, stamps };
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
    if (!ok || !(await walk(seed, depth))) return { paths, truncated, stamps };
  }
  for (const p of parents) if (!(await walk(p, 0))) return { paths, truncated, stamps };
  return { paths, truncated, stamps };
}

/**
 * Whether a walk would find anything different from `last`: one stat per directory it read, instead
 * of reading them all again (a cgroup directory holds dozens of files besides its children). Stops at
 * the first difference. Yields like the walk, after `sliceMs` or 512 stats. A walk without stamps
 * counts as changed.
 *
 * Not inotify: cgroup v1 does not report a child cgroup's mkdir to a watch on its parent on every
 * kernel, and a watch per cgroup is a descriptor per cgroup. What this cannot see: a subdirectory
 * removed and another made under the same directory between two checks (same count); the periodic
 * full walk (discovery/inventory.ts) bounds how long that goes unseen.
 */
export async function rawTreeChanged(last: RawWalkResult, sliceMs: number): Promise<boolean> {
  if (!last.stamps) return true;
  let sliceStart = performance.now();
  let steps = 0;
  for (const was of last.stamps) {
    if (++steps > 512 || performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
      steps = 0;
    }
    const now = stampOf(was.dir);
    if (now.ino !== was.ino || now.nlink !== was.nlink || now.mtimeMs !== was.mtimeMs) return true;
  }
  return false;
}
