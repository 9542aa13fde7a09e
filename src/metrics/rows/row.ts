/**
 * The building blocks of catalog rows: how a row's defaults are filled in (the builders) and the small
 * selectors rows share (one value, per device, per interface, …). A selector returns no point for an
 * unknown value: absent is not zero.
 */
import type { CgroupStats } from '../../cgroup/stats.js';
import type { ContainerSample, NetInterfaceSample } from '../../collection/sample.js';
import type { AgentMetricSpec, ContainerMetricSpec, InstrumentKind, MachineMetricSpec, MetricSpec, Point } from '../spec.js';

export const NONE: readonly Point[] = [];

/** A single unlabelled point, or nothing when the value is unknown (absent is not zero). */
export function one(value: number | undefined): readonly Point[] {
  return value === undefined ? NONE : [{ value }];
}

/** CFS metrics exist only for containers with a quota, as in cAdvisor. */
export function withQuota(c: CgroupStats | undefined, value: (c: CgroupStats) => number | undefined): readonly Point[] {
  if (c?.cpuSpec?.quotaUs === undefined || c.cpuSpec.quotaUs === null) return NONE;
  return one(value(c));
}

/** cAdvisor exports "unlimited" limits as 0. */
export function limitOrZero(limit: number | null | undefined): number | undefined {
  return limit === null ? 0 : limit;
}

/** One point per item that has the value, labelled by `label` (a device, an interface). */
export function perItem<T>(items: readonly T[] | undefined, label: (t: T) => Record<string, string>, pick: (t: T) => number | undefined): readonly Point[] {
  if (!items || items.length === 0) return NONE;
  const out: Point[] = [];
  for (const t of items) {
    const v = pick(t);
    if (v !== undefined) out.push({ value: v, attributes: label(t) });
  }
  return out;
}

export type IoDevice = NonNullable<CgroupStats['io']>[number];
export type FsItem = NonNullable<ContainerSample['fs']>[number];
export const perDevice = (s: ContainerSample, pick: (d: IoDevice) => number | undefined) => perItem(s.cgroup?.io, (d) => ({ device: d.device }), pick);
export const perFs = (s: ContainerSample, pick: (f: FsItem) => number | undefined) => perItem(s.fs, (f) => ({ device: f.device }), pick);
export const perInterface = (s: ContainerSample, pick: (n: NetInterfaceSample) => number) => perItem(s.network, (n) => ({ interface: n.name }), pick);

export function pressure(s: ContainerSample, resource: 'cpu' | 'memory' | 'io', line: 'someSeconds' | 'fullSeconds'): readonly Point[] {
  return one(s.cgroup?.pressure?.[resource]?.[line]);
}

/**
 * A catalog row: what a metric says, with the usual values left out. Defaults: enabled, no
 * attributes beyond the identity, a `double` for seconds (`s`, converted from µs/ns ticks) and an
 * `int` for everything else; machine rows are group `machine`, agent rows group `agent` with
 * source "the agent". The builder's name gives the entity and the instrument.
 */
export type Row<S extends MetricSpec> = Omit<S, 'entity' | 'instrument' | 'valueType' | 'attributes' | 'enabled'> &
  Partial<Pick<S, 'valueType' | 'attributes' | 'enabled'>>;

export function defaults(unit: string): Pick<MetricSpec, 'valueType' | 'attributes' | 'enabled'> {
  return { valueType: unit === 's' ? 'double' : 'int', attributes: [], enabled: true };
}

export const containerGauge = (row: Row<ContainerMetricSpec>): ContainerMetricSpec => ({ entity: 'container', instrument: 'gauge', ...defaults(row.unit), ...row });
export const containerCounter = (row: Row<ContainerMetricSpec>): ContainerMetricSpec => ({ entity: 'container', instrument: 'counter', ...defaults(row.unit), ...row });
export const machineGauge = (row: Omit<Row<MachineMetricSpec>, 'group'>): MachineMetricSpec => ({
  entity: 'machine',
  instrument: 'gauge',
  group: 'machine',
  ...defaults(row.unit),
  ...row,
});
/** Agent rows may say more about their source than "the agent" (container_scrape_error's meaning for a push agent). */
type AgentRow = Omit<Row<AgentMetricSpec>, 'group' | 'source'> & { source?: string };
export const agentRow = (instrument: InstrumentKind, row: AgentRow): AgentMetricSpec => ({
  entity: 'agent',
  instrument,
  group: 'agent',
  source: 'the agent',
  ...defaults(row.unit),
  ...row,
});
export const agentGauge = (row: AgentRow) => agentRow('gauge', row);
export const agentCounter = (row: AgentRow) => agentRow('counter', row);
