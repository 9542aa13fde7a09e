import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CgroupLayout } from '../src/cgroup/layout.js';
import type { MachineRoots } from '../src/machine/machine-info.js';
import { CONTROLLERS, PARENT } from './host-cgroups.js';
import type { BenchTarget } from './protocol.js';

/** The fixture's mem-holder container (see test/fixtures/README.md): the busiest files of the three. */
const FIXTURE_CONTAINER =
  'kubepods/burstable/pod65c1a366-6f0c-4217-8100-a93fcc75852a/7451fd163baa8d35c2b7319e999c63bac3155c098e63846a2276977d689511b5';
/** The fixture pod's sandbox pid: its net/dev is the pod's network namespace. */
const FIXTURE_PID = '7075';
/** Pids of the copies; far above any real pid_max default so nobody mistakes them for live ones. */
const PID_BASE = 5_000_000;

/**
 * Without root or without cgroup v1: N copies of one real container's cgroup files from
 * `test/fixtures/host-v1/` in a temp dir, with a CgroupLayout pointing at it. The files are regular
 * files on a disk or tmpfs, not kernel pseudo-files, so the read costs here are NOT the kernel's.
 */
export class SyntheticTree {
  readonly root: string;
  readonly layout: CgroupLayout;
  readonly roots: MachineRoots;
  #fixture: string;
  #count = 0;
  #removed = false;

  constructor(repoRoot: string) {
    this.#fixture = join(repoRoot, 'test', 'fixtures', 'host-v1');
    if (!existsSync(join(this.#fixture, 'sys', 'fs', 'cgroup', 'memory', FIXTURE_CONTAINER))) {
      throw new Error(`fixture container not found under ${this.#fixture}`);
    }
    this.root = mkdtempSync(join(tmpdir(), 'podpulse-bench-'));
    // Host-level files the CycleReader reads once (machine info, diskstats), as a fake root.
    for (const part of ['proc', 'etc', join('sys', 'devices')]) cpSync(join(this.#fixture, part), join(this.root, part), { recursive: true });
    const cgroupRoot = join(this.root, 'sys', 'fs', 'cgroup');
    const v1 = new Map<string, string>(CONTROLLERS.map((c) => [c, join(cgroupRoot, c)]));
    this.layout = { mode: 'hybrid', v1, unified: join(cgroupRoot, 'unified') };
    this.roots = { procRoot: join(this.root, 'proc'), sysRoot: join(this.root, 'sys'), rootfsRoot: this.root };
  }

  get size(): number {
    return this.#count;
  }

  describe(): string {
    return `SYNTHETIC tree (no kernel files): copies of test/fixtures/host-v1 container ${FIXTURE_CONTAINER.slice(-12)} under ${this.root}; read costs are those of regular files, not of cgroupfs/procfs`;
  }

  grow(n: number): void {
    const mounts = [...this.layout.v1.values(), this.layout.unified as string];
    const src = (mount: string) => join(this.#fixture, 'sys', 'fs', 'cgroup', mount.slice(mount.lastIndexOf('/') + 1), FIXTURE_CONTAINER);
    for (; this.#count < n; this.#count++) {
      for (const mount of mounts) cpSync(src(mount), join(mount, PARENT, `c${this.#count}`), { recursive: true });
      const pidDir = join(this.roots.procRoot, String(PID_BASE + this.#count));
      mkdirSync(join(pidDir, 'net'), { recursive: true });
      cpSync(join(this.#fixture, 'proc', FIXTURE_PID, 'net', 'dev'), join(pidDir, 'net', 'dev'));
      cpSync(join(this.#fixture, 'proc', FIXTURE_PID, 'stat'), join(pidDir, 'stat'));
    }
  }

  targets(n: number): BenchTarget[] {
    return Array.from({ length: Math.min(n, this.#count) }, (_, i) => ({ index: i, cgroupPath: `/${PARENT}/c${i}`, netPid: PID_BASE + i }));
  }

  teardown(): string {
    if (this.#removed) return 'already removed';
    this.#removed = true;
    rmSync(this.root, { recursive: true, force: true });
    return `removed ${this.root}`;
  }
}

/** The repository root, found from this file's place in dist/bench or bench/. */
export function repoRootFrom(dir: string): string {
  let d = dir;
  while (!existsSync(join(d, 'package.json')) || !existsSync(join(d, 'test', 'fixtures'))) {
    const up = dirname(d);
    if (up === d) throw new Error(`no repository root above ${dir}`);
    d = up;
  }
  return d;
}
