import { catalog } from './catalog.js';
import { METRIC_GROUPS_DECLARED, type MetricGroup, type MetricSpec } from './spec.js';

/** Which metrics the user switched off (config's metrics.groups and metrics.disabled, as plain values). */
export interface MetricSelection {
  /** A group set to false is off; a group not listed keeps its default (METRIC_GROUPS_DECLARED). */
  groups: Partial<Record<MetricGroup, boolean>>;
  /** Metric names switched off one by one. */
  disabled: readonly string[];
}

/** Catalog entries the selection leaves on: enabled by default, group on, not listed as disabled. */
export function enabledSpecs(selection: MetricSelection, specs: readonly MetricSpec[] = catalog): MetricSpec[] {
  const disabled = new Set(selection.disabled);
  return specs.filter((s) => s.enabled && (selection.groups[s.group] ?? METRIC_GROUPS_DECLARED[s.group].on) && !disabled.has(s.name));
}
