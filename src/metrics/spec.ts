import type { ContainerSample, MachineFacts } from '../collection/sample.js';
import type { SelfStats } from '../telemetry/self-stats.js';

export type InstrumentKind = 'counter' | 'gauge' | 'updowncounter';
export type ValueKind = 'int' | 'double';

/** cAdvisor's metric kinds (plus our own), switchable as groups in config. */
export type MetricGroup =
  | 'cpu'
  | 'memory'
  | 'diskIO'
  | 'disk'
  | 'network'
  | 'process'
  | 'pressure'
  | 'spec'
  | 'oom_event'
  | 'lifecycle'
  | 'machine'
  | 'agent';

export interface Point {
  value: number;
  /** Attributes beyond the entity's identity; keys must be listed in the spec's `attributes`. */
  attributes?: Readonly<Record<string, string>>;
}

interface BaseSpec {
  /** The instrument name. In the cadvisor profile it is already the final Prometheus name. */
  name: string;
  /** Ends with '.'; becomes HELP in Prometheus. */
  description: string;
  /** UCUM. Annotations `{…}` add no Prometheus suffix; `s` and `By` only where the name already says so. */
  unit: string;
  instrument: InstrumentKind;
  valueType: ValueKind;
  /** Per-point attribute keys beyond the entity identity. */
  attributes: readonly string[];
  group: MetricGroup;
  enabled: boolean;
  /** Where the value comes from, for docs: cgroup v1 / v2 / proc / cri. */
  source: string;
}

export interface ContainerMetricSpec extends BaseSpec {
  entity: 'container';
  points: (s: ContainerSample) => readonly Point[];
}

export interface MachineMetricSpec extends BaseSpec {
  entity: 'machine';
  points: (m: MachineFacts) => readonly Point[];
}

export interface AgentMetricSpec extends BaseSpec {
  entity: 'agent';
  points: (a: SelfStats) => readonly Point[];
}

export type MetricSpec = ContainerMetricSpec | MachineMetricSpec | AgentMetricSpec;

/** Identity attributes every container data point carries (kubelet /metrics/cadvisor labels). */
export const CONTAINER_IDENTITY_KEYS = ['id', 'name', 'image', 'container', 'pod', 'namespace'] as const;
/** Labels cAdvisor puts on machine_* series. */
export const MACHINE_IDENTITY_KEYS = ['machine_id', 'system_uuid', 'boot_id'] as const;
