/**
 * Which container runtime answers on the CRI socket, from the runtime_name of its Version answer.
 * Identity labels depend on it (kubelet's cAdvisor names containers the way each runtime does):
 * containerd reports `containerd`, CRI-O `cri-o`.
 */
export type RuntimeKind = 'containerd' | 'cri-o' | 'other';

export function runtimeKind(runtimeName: string): RuntimeKind {
  const name = runtimeName.trim().toLowerCase();
  if (name === 'containerd') return 'containerd';
  if (name === 'cri-o' || name === 'crio') return 'cri-o';
  return 'other';
}
