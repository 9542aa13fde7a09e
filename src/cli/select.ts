import type { Agent } from '../agent.js';
import type { ContainerIdentity, Target, TargetList } from '../discovery/target.js';
import { AgentError, ConfigError } from '../errors.js';

/** --pod, --namespace, --container as given; unset means any. */
export interface TargetFilter {
  pod?: string;
  namespace?: string;
  container?: string;
}

export function filterOf(values: Readonly<Record<string, string | boolean | undefined>>): TargetFilter {
  const out: TargetFilter = {};
  for (const key of ['pod', 'namespace', 'container'] as const) {
    const v = values[key];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** What a target is in a pod: one of its containers, its sandbox (pause), or the pod-level cgroup. */
export type TargetKind = 'container' | 'sandbox' | 'pod';

export function kindOf(identity: ContainerIdentity): TargetKind | undefined {
  if (identity.pod === '' && identity.container === '') return undefined;
  if (identity.container !== '') return 'container';
  return identity.name === '' ? 'pod' : 'sandbox';
}

const podKey = (i: ContainerIdentity): string => `${i.namespace}/${i.pod}`;

/**
 * The targets of the runtime's pods that the filter names (exited containers without a cgroup are
 * left out). A filter that names nothing is a usage error (exit 2), with what there is instead, so
 * a typo is not mistaken for an idle pod. No filter and no pods is an empty answer, not an error.
 */
export function selectTargets<T extends Pick<Target, 'identity'> & { cgroupless?: boolean }>(targets: readonly T[], filter: TargetFilter): T[] {
  const inPods = targets.filter((t) => !t.cgroupless && kindOf(t.identity) !== undefined);
  const names = (ts: readonly T[], f: (i: ContainerIdentity) => string): string => {
    const all = [...new Set(ts.map((t) => f(t.identity)))].filter((n) => n !== '').sort();
    return all.length === 0 ? '(none)' : all.slice(0, 20).join(', ') + (all.length > 20 ? ', …' : '');
  };
  let out = inPods;
  if (filter.namespace !== undefined) {
    out = out.filter((t) => t.identity.namespace === filter.namespace);
    if (out.length === 0) throw new ConfigError(`--namespace ${filter.namespace}: no pod in that namespace; namespaces: ${names(inPods, (i) => i.namespace)}`);
  }
  if (filter.pod !== undefined) {
    const scope = out;
    out = out.filter((t) => t.identity.pod === filter.pod);
    if (out.length === 0) {
      const where = filter.namespace === undefined ? '' : ` in namespace ${filter.namespace}`;
      throw new ConfigError(`--pod ${filter.pod}: no such pod${where}; pods: ${names(scope, podKey)}`);
    }
  }
  if (filter.container !== undefined) {
    const scope = out;
    out = out.filter((t) => t.identity.container === filter.container);
    if (out.length === 0) throw new ConfigError(`--container ${filter.container}: no such container in the selected pods; containers: ${names(scope, (i) => i.container)}`);
  }
  return out;
}

/** Sort order of the tables: namespace, pod, then the pod's own rows before its containers by name. */
export function byPodThenContainer(a: ContainerIdentity, b: ContainerIdentity): number {
  return a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container) || a.name.localeCompare(b.name);
}

/**
 * Discovery to the end; a runtime that did not answer is a failure (exit 1) for the commands that
 * list pods, not an empty list or a "no such pod" that would blame the filter.
 */
export async function discoverPods(agent: Agent, endpoint: string): Promise<TargetList> {
  const list = await agent.discover();
  if (!agent.runtimeConnected) {
    throw new AgentError('CRI_UNAVAILABLE', `the container runtime${endpoint ? ` at ${endpoint}` : ''} did not answer, so no pod is known (set cri.endpoint, or --cri-endpoint)`);
  }
  return list;
}
