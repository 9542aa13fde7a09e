import type { AgentConfig } from '../config/load.js';
import { catalog } from './catalog.js';
import type { MetricSpec } from './spec.js';

/** Catalog entries the configuration leaves on: enabled by default, group on, not listed as disabled. */
export function enabledSpecs(metrics: AgentConfig['metrics'], specs: readonly MetricSpec[] = catalog): MetricSpec[] {
  const disabled = new Set(metrics.disabled);
  return specs.filter((s) => s.enabled && metrics.groups[s.group] !== false && !disabled.has(s.name));
}
