import type { ContainerIdentity, FsUsageSample, K8sRef, Target } from './target.js';
import { targetKey } from './target.js';

/**
 * Hands out the SAME target object, and at least the same identity object, for a target that did not
 * change since the last list.
 *
 * Why: the metric side finds a series' handle and label object by identity object first
 * (metrics/series-handles.ts) and the encoder caches label bytes per label object
 * (export/otlp/request-encoder.ts). An identity object made anew each cycle with the same labels
 * would cost a content comparison per container per cycle there. Any changed label gives a new identity object (a
 * new series); a changed non-label field (restart count, fs figures, net pid) a new target object that
 * keeps the identity.
 */
export class StableTargets {
  #last = new Map<string, { target: Target; list: number }>();
  #list = 0;

  keep(targets: readonly Target[]): Target[] {
    const list = ++this.#list;
    const out: Target[] = [];
    for (const t of targets) {
      const key = targetKey(t);
      const was = this.#last.get(key)?.target;
      let kept = t;
      if (was !== undefined && sameIdentity(was.identity, t.identity)) {
        kept = sameTarget(was, t) ? was : { ...t, identity: was.identity };
      }
      this.#last.set(key, { target: kept, list });
      out.push(kept);
    }
    // A target missing from a few lists (a cgroup read that failed, a walk that was cut short) comes
    // back with its old objects, which the SDK still holds; then it is forgotten.
    for (const [key, e] of this.#last) if (list - e.list > KEEP_ABSENT_LISTS) this.#last.delete(key);
    return out;
  }
}

/** Lists a target may be missing from and still get its old objects back. */
const KEEP_ABSENT_LISTS = 5;

/** Same keys in the same order with the same values (opt-in container_label_* keys too). */
export function sameIdentity(a: ContainerIdentity, b: ContainerIdentity): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as keyof ContainerIdentity;
    if (k !== other[i] || a[k] !== b[k]) return false;
  }
  return true;
}

/** Every field other than the identity equal (the identities are already known to be). */
function sameTarget(a: Target, b: Target): boolean {
  return (
    a.cgroupPath === b.cgroupPath &&
    a.netPid === b.netPid &&
    a.restartCount === b.restartCount &&
    a.cgroupless === b.cgroupless &&
    sameK8s(a.k8s, b.k8s) &&
    sameFs(a.fs, b.fs) &&
    a.oomKilledExit?.finishedAtMs === b.oomKilledExit?.finishedAtMs &&
    (a.oomKilledExit === undefined) === (b.oomKilledExit === undefined)
  );
}

function sameK8s(a: K8sRef | undefined, b: K8sRef | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.role === b.role && a.podUid === b.podUid);
}

/** The inventory replaces fs samples when it reads them again, so the samples' objects tell. */
function sameFs(a: readonly FsUsageSample[] | undefined, b: readonly FsUsageSample[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((s, i) => s === b[i]);
}
