/**
 * One row per pod and per container from two snapshots of the agent's cycle reader: the rates
 * `podpulse stats` and `podpulse top` show. Every rate is (after − before) / elapsed of the same
 * cumulative values the catalog exports (container_cpu_usage_seconds_total, …), so the commands
 * and the metrics cannot disagree. A value either snapshot lacks stays undefined (absent is not zero).
 */
import type { ContainerSample, Snapshot } from '../collection/sample.js';
import type { ContainerIdentity } from '../discovery/target.js';
import { byPodThenContainer, kindOf, selectTargets, type TargetFilter } from './select.js';

export interface UsageRow {
  namespace: string;
  pod: string;
  /** "" on the pod's own row (its pod-level cgroup, and the network of its sandbox). */
  container: string;
  /** Container id (the runtime's), "" on pod rows. */
  id: string;
  cgroup: string;
  /** CPU used between the snapshots, in cores. */
  cpuCores?: number;
  /** cfs_quota / cfs_period; undefined without a quota. */
  cpuLimitCores?: number;
  /** Throttled periods / periods between the snapshots (0…1); only with a quota. */
  throttledFraction?: number;
  memoryWorkingSetBytes?: number;
  /** undefined without a limit. */
  memoryLimitBytes?: number;
  diskReadBytesPerSecond?: number;
  diskWriteBytesPerSecond?: number;
  /** Pod rows only: the sandbox's interfaces, summed. */
  networkRxBytesPerSecond?: number;
  networkTxBytesPerSecond?: number;
  /** Seconds between the two reads of this row. */
  intervalSeconds: number;
}

const keyOf = (i: ContainerIdentity): string => `${i.id}\u0000${i.name}`;

function perSecond(after: number | undefined, before: number | undefined, seconds: number): number | undefined {
  if (after === undefined || before === undefined || seconds <= 0) return undefined;
  // A counter that went down was reset (a restarted container reuses the name): no rate this time.
  return after >= before ? (after - before) / seconds : undefined;
}

const sum = <T>(items: readonly T[] | undefined, pick: (t: T) => number | undefined): number | undefined => {
  if (!items || items.length === 0) return undefined;
  let total = 0;
  for (const t of items) {
    const v = pick(t);
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
};

export function usageRows(before: Snapshot, after: Snapshot, filter: TargetFilter): UsageRow[] {
  const earlier = new Map(before.containers.map((s) => [keyOf(s.identity), s]));
  // Exited containers reported only for their OOM count have no cgroup and no rates.
  const selected = selectTargets(after.containers.filter((s) => s.lastSeenSeconds !== undefined), filter);
  // The pod's network lives on its sandbox series; the pod row shows it.
  const sandboxes = new Map<string, { now: ContainerSample; then: ContainerSample | undefined }>();
  for (const s of after.containers) {
    if (kindOf(s.identity) === 'sandbox') sandboxes.set(`${s.identity.namespace}/${s.identity.pod}`, { now: s, then: earlier.get(keyOf(s.identity)) });
  }
  const rows: UsageRow[] = [];
  for (const now of selected) {
    const kind = kindOf(now.identity);
    if (kind === 'sandbox') continue;
    const then = earlier.get(keyOf(now.identity));
    const seconds = (now.lastSeenSeconds ?? 0) - (then?.lastSeenSeconds ?? Infinity);
    const c = now.cgroup;
    const p = then?.cgroup;
    const row: UsageRow = { namespace: now.identity.namespace, pod: now.identity.pod, container: now.identity.container, id: kind === 'container' ? now.identity.name : '', cgroup: now.identity.id, intervalSeconds: Math.max(0, seconds) };
    set(row, 'cpuCores', perSecond(c?.cpu?.usageSeconds, p?.cpu?.usageSeconds, seconds));
    const quota = c?.cpuSpec?.quotaUs;
    if (quota !== undefined && quota !== null && c?.cpuSpec?.periodUs) row.cpuLimitCores = quota / c.cpuSpec.periodUs;
    const periods = (c?.cpu?.periods ?? NaN) - (p?.cpu?.periods ?? NaN);
    const throttled = (c?.cpu?.throttledPeriods ?? NaN) - (p?.cpu?.throttledPeriods ?? NaN);
    if (periods > 0 && throttled >= 0) row.throttledFraction = throttled / periods;
    else if (periods === 0 && row.cpuLimitCores !== undefined) row.throttledFraction = 0;
    set(row, 'memoryWorkingSetBytes', c?.memory?.workingSetBytes);
    const limit = c?.memory?.limitBytes;
    if (limit !== undefined && limit !== null) row.memoryLimitBytes = limit;
    set(row, 'diskReadBytesPerSecond', perSecond(sum(c?.io, (d) => d.readBytes), sum(p?.io, (d) => d.readBytes), seconds));
    set(row, 'diskWriteBytesPerSecond', perSecond(sum(c?.io, (d) => d.writeBytes), sum(p?.io, (d) => d.writeBytes), seconds));
    if (kind === 'pod') {
      const sb = sandboxes.get(`${now.identity.namespace}/${now.identity.pod}`);
      const sbSeconds = (sb?.now.lastSeenSeconds ?? 0) - (sb?.then?.lastSeenSeconds ?? Infinity);
      set(row, 'networkRxBytesPerSecond', perSecond(sum(sb?.now.network, (n) => n.rxBytes), sum(sb?.then?.network, (n) => n.rxBytes), sbSeconds));
      set(row, 'networkTxBytesPerSecond', perSecond(sum(sb?.now.network, (n) => n.txBytes), sum(sb?.then?.network, (n) => n.txBytes), sbSeconds));
    }
    rows.push(row);
  }
  return rows.sort((a, b) => byPodThenContainer({ ...blank, namespace: a.namespace, pod: a.pod, container: a.container }, { ...blank, namespace: b.namespace, pod: b.pod, container: b.container }));
}

const blank: ContainerIdentity = { id: '', name: '', image: '', container: '', pod: '', namespace: '' };

function set<K extends keyof UsageRow>(row: UsageRow, key: K, value: UsageRow[K] | undefined): void {
  if (value !== undefined) row[key] = value;
}
