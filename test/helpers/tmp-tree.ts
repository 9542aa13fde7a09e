import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory tree: a string is a file's content, an object is a subdirectory. */
export interface Tree {
  [name: string]: string | Tree;
}

/** Writes `tree` under `root` (created if needed). */
export function writeTreeAt(root: string, tree: Tree): void {
  mkdirSync(root, { recursive: true });
  for (const [name, entry] of Object.entries(tree)) {
    const path = join(root, name);
    if (typeof entry === 'string') {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, entry);
    } else {
      writeTreeAt(path, entry);
    }
  }
}

/** Writes `tree` into a fresh temporary directory and returns its path; remove it with removeTree(). */
export function writeTree(tree: Tree, prefix = 'podpulse-tree-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeTreeAt(root, tree);
  return root;
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
