import { catalog } from './catalog.js';
import { METRIC_GROUPS_DECLARED, profileOf, type MetricGroup, type MetricSpec, type Profile } from './spec.js';

/** Which metrics the user switched on or off (config's metrics.groups, .overrides and .disabled, as plain values). */
export interface MetricSelection {
  /** A group set to false is off; a group not listed keeps its default (METRIC_GROUPS_DECLARED). */
  groups: Partial<Record<MetricGroup, boolean>>;
  /** Metric names switched off one by one (deprecated spelling of an override to false). */
  disabled: readonly string[];
  /** Metric name → on/off; wins over the group, the metric's own default and `disabled`. */
  overrides?: Readonly<Record<string, boolean>>;
  /** Which name set (config metrics.profile); default cadvisor. */
  profile?: Profile;
}

/** Whether a row belongs to the selected profile. */
export function inProfile(spec: MetricSpec, profile: Profile = 'cadvisor'): boolean {
  const p = profileOf(spec);
  return p === 'any' || profile === 'both' || p === profile;
}

/**
 * Catalog entries the selection leaves on, among the rows of the profile: an override when the
 * metric has one, else enabled by default, group on and not listed as disabled.
 */
export function enabledSpecs(selection: MetricSelection, specs: readonly MetricSpec[] = catalog): MetricSpec[] {
  const disabled = new Set(selection.disabled);
  const overrides = selection.overrides ?? {};
  return specs.filter((s) => {
    if (!inProfile(s, selection.profile)) return false;
    if (Object.hasOwn(overrides, s.name)) return overrides[s.name] === true;
    return s.enabled && (selection.groups[s.group] ?? METRIC_GROUPS_DECLARED[s.group].on) && !disabled.has(s.name);
  });
}
