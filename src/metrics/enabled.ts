import { catalog } from './catalog.js';
import { METRIC_GROUPS_DECLARED, profileOf, type MetricGroup, type MetricSpec, type Profile } from './spec.js';

/** Which metrics the user switched off (config's metrics.groups and metrics.disabled, as plain values). */
export interface MetricSelection {
  /** A group set to false is off; a group not listed keeps its default (METRIC_GROUPS_DECLARED). */
  groups: Partial<Record<MetricGroup, boolean>>;
  /** Metric names switched off one by one. */
  disabled: readonly string[];
  /** Which name set (config metrics.profile); default cadvisor. */
  profile?: Profile;
}

/** Whether a row belongs to the selected profile. */
export function inProfile(spec: MetricSpec, profile: Profile = 'cadvisor'): boolean {
  const p = profileOf(spec);
  return p === 'any' || profile === 'both' || p === profile;
}

/** Catalog entries the selection leaves on: in the profile, enabled by default, group on, not listed as disabled. */
export function enabledSpecs(selection: MetricSelection, specs: readonly MetricSpec[] = catalog): MetricSpec[] {
  const disabled = new Set(selection.disabled);
  return specs.filter((s) => inProfile(s, selection.profile) && s.enabled && (selection.groups[s.group] ?? METRIC_GROUPS_DECLARED[s.group].on) && !disabled.has(s.name));
}
