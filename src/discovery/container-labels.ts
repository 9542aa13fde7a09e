import type { ContainerIdentity } from './target.js';

/** One allowlisted runtime label and the series attribute it becomes. */
export interface ContainerLabel {
  /** The runtime label as the allowlist names it, e.g. `app.kubernetes.io/name`. */
  label: string;
  /** `container_label_app_kubernetes_io_name`. */
  key: `container_label_${string}`;
}

/**
 * The attribute a runtime label becomes: `container_label_` plus the label with every character
 * outside [a-zA-Z0-9_] replaced by `_`, the names standalone cAdvisor gives its container labels.
 */
export function containerLabelKey(label: string): `container_label_${string}` {
  return `container_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/**
 * The allowlist (metrics.containerLabels) as label → attribute pairs, in the order given, duplicates
 * dropped. Two labels that sanitize to the same attribute would make one series from two values, so
 * they are refused with a message naming both (the config loader turns it into a config error).
 */
export function containerLabels(allowlist: readonly string[]): { labels: ContainerLabel[] } | { error: string } {
  const byKey = new Map<string, string>();
  const labels: ContainerLabel[] = [];
  for (const label of allowlist) {
    if (label === '') return { error: 'an empty label name cannot be a series attribute' };
    const key = containerLabelKey(label);
    const taken = byKey.get(key);
    if (taken === label) continue;
    if (taken !== undefined) return { error: `"${taken}" and "${label}" both become ${key}; list only one of them` };
    byKey.set(key, label);
    labels.push({ label, key });
  }
  return { labels };
}

/**
 * `identity` with every allowlisted label appended, in allowlist order: a Prometheus family needs
 * one label set, so every container series carries every key, "" where no source has the label.
 * Sources are asked in order (the container's own labels first, then its pod sandbox's, where the
 * kubelet puts the pod's labels). Without an allowlist the identity is returned as it is.
 */
export function withContainerLabels(
  identity: ContainerIdentity,
  labels: readonly ContainerLabel[],
  ...sources: (Readonly<Record<string, string>> | undefined)[]
): ContainerIdentity {
  if (labels.length === 0) return identity;
  const out: ContainerIdentity = { ...identity };
  for (const { label, key } of labels) {
    let value = '';
    for (const s of sources) {
      const v = s !== undefined && Object.hasOwn(s, label) ? s[label] : undefined;
      if (v !== undefined) {
        value = v;
        break;
      }
    }
    out[key] = value;
  }
  return out;
}
