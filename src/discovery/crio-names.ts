import type { Container, Pod } from '../runtime/types.js';

/**
 * The `name` label kubelet's cAdvisor gives CRI-O containers: the first alias of its crio handler,
 * which is CRI-O's own name for the OCI container, `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`
 * (`k8s_POD_…` with the sandbox's attempt for the pod's infra container). CRI-O states it in the
 * spec annotation io.kubernetes.cri-o.Name (verbose status); built from the CRI metadata the same
 * way when that is missing.
 */
export function crioContainerName(c: Container, pod: Pod | undefined): string {
  if (c.specName) return c.specName;
  const podName = pod?.name ?? c.labels['io.kubernetes.pod.name'] ?? '';
  const namespace = pod?.namespace ?? c.labels['io.kubernetes.pod.namespace'] ?? '';
  const uid = pod?.uid ?? c.labels['io.kubernetes.pod.uid'] ?? '';
  return ['k8s', c.name, podName, namespace, uid, String(c.attempt)].join('_');
}

/** The infra container's name, `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`. */
export function crioSandboxName(pod: Pod): string {
  return pod.specName ?? ['k8s', CRIO_SANDBOX_CONTAINER, pod.name, pod.namespace, pod.uid, String(pod.attempt)].join('_');
}

/** The `container` label of a CRI-O sandbox series (its infra container's io.kubernetes.container.name). */
export const CRIO_SANDBOX_CONTAINER = 'POD';
