import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hugePageSizeName } from '../cgroup/hugetlb.js';
import type { CgroupLayout } from '../cgroup/layout.js';
import type { OptInFiles } from '../cgroup/opt-in.js';
import type { FileReader } from '../fs/file-reader.js';
import type { MachineRoots } from '../machine/machine-info.js';
import { readMachineTopology, type MachineTopology } from '../machine/topology.js';
import { readPageSize } from '../procfs/auxv.js';
import type { ReadPlan } from './read-plan.js';

export interface OptInFactsDeps {
  layout: CgroupLayout;
  reader: FileReader;
  roots: MachineRoots;
  plan: ReadPlan;
  onError: (source: 'cgroup' | 'sys', what: string, err: unknown) => void;
}

/**
 * The host facts the opt-in groups need, re-read with the other slow facts: the sysfs topology
 * (cpu_topology), the huge page sizes a hierarchy accounts (hugetlb) and the page size (memory_numa
 * on v2). Nothing is read for a group that is off.
 */
export class OptInFacts {
  #deps: OptInFactsDeps;
  #topology: MachineTopology | undefined;
  #hugePageSizes: string[] = [];
  #pageSize: number | undefined;

  constructor(deps: OptInFactsDeps) {
    this.#deps = deps;
  }

  get topology(): MachineTopology | undefined {
    return this.#topology;
  }

  refresh(): void {
    const { plan, roots, reader } = this.#deps;
    if (plan.cpuTopology) {
      const failures: { path: string; error: unknown }[] = [];
      this.#topology = readMachineTopology(roots.sysRoot, reader, failures);
      for (const f of failures) this.#deps.onError('sys', f.path, f.error);
    }
    if (plan.numa && this.#pageSize === undefined) this.#pageSize = readPageSize(roots.procRoot);
    if (plan.hugetlb) this.#hugePageSizes = this.#hugetlbAccounted() ? hostHugePageSizes(roots.sysRoot) : [];
  }

  /** The opt-in cgroup files the plan asks for, or undefined when none. */
  files(): OptInFiles | undefined {
    const p = this.#deps.plan;
    if (!p.perCpu && !p.hugetlb && !p.numa && !p.cpuset && !p.pressureAvg) return undefined;
    return {
      perCpu: p.perCpu,
      hugePageSizes: p.hugetlb ? this.#hugePageSizes : [],
      numa: p.numa,
      cpuset: p.cpuset,
      pressureAvg: p.pressureAvg,
      ...(this.#pageSize !== undefined ? { pageSize: this.#pageSize } : {}),
    };
  }

  /**
   * Whether any hierarchy accounts huge pages: a v1 hugetlb mount, or hugetlb enabled below the
   * cgroup2 root (its cgroup.subtree_control). Without either no cgroup has hugetlb files, and asking
   * each one for them would cost two failed opens per page size and cgroup every cycle.
   */
  #hugetlbAccounted(): boolean {
    const { layout, reader } = this.#deps;
    if (layout.mode !== 'v2' && layout.v1.has('hugetlb')) return true;
    if (layout.unified === undefined) return false;
    try {
      return (reader.readOptional(`${layout.unified}/cgroup.subtree_control`) ?? '').split(/\s+/).includes('hugetlb');
    } catch (err) {
      this.#deps.onError('cgroup', 'cgroup.subtree_control', err);
      return false;
    }
  }
}

/** `<sys>/kernel/mm/hugepages/hugepages-<n>kB` → `2MB`, `1GB`; none without huge page support. */
function hostHugePageSizes(sysRoot: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(sysRoot, 'kernel', 'mm', 'hugepages'));
  } catch {
    return [];
  }
  return names
    .map(hugePageSizeName)
    .filter((n): n is string => n !== undefined)
    .sort();
}
