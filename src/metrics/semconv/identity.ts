import type { Attributes } from '@opentelemetry/api';
import type { ContainerIdentity } from '../../discovery/target.js';
import type { ContainerSample } from '../../collection/sample.js';
import type { SemconvSubject } from '../spec.js';

/**
 * Resource attribute keys that identify a pod or container in the semconv profile. Their points carry
 * them like any attribute (so the SDK, the live-series filter, the end markers and the series limit
 * see one series per pod or container); at export they move from the points into one Resource per
 * pod or container (export/sdk/resource-groups.ts). The node's keys (k8s.node.name, host.*) are the
 * agent's own resource.
 */
export const RESOURCE_IDENTITY_KEYS: ReadonlySet<string> = new Set([
  'container.id',
  'container.name',
  'container.image.name',
  'container.image.tags',
  'k8s.container.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.namespace.name',
]);

/**
 * The resource keys the shipped collector config copies onto every series
 * (prometheus_remote_write resource_constant_labels.included): enough to keep each pod's and
 * container's series apart in Prometheus and to select them by name. The rest of a resource lands on
 * target_info. --print prometheus and the Prometheus endpoint render the same.
 */
export const PROMOTED_RESOURCE_KEYS: readonly string[] = ['container.id', 'k8s.container.name', 'k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid'];

/** What a sample is for the semconv rows; undefined for raw cgroups and exited containers (no semconv entity). */
export function subjectOf(s: ContainerSample): SemconvSubject | undefined {
  if (s.k8s) {
    switch (s.k8s.role) {
      case 'container':
        return 'container';
      case 'pod':
        return 'pod';
      case 'sandbox':
        return 'pod-network';
    }
  }
  return s.identity.id === '/' ? 'node' : undefined;
}

/** `registry/repo[:tag][@digest]` → name and tag, as semconv splits container.image.name and .tags. */
export function splitImage(ref: string): { name: string; tag?: string } {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = noDigest.lastIndexOf(':');
  if (colon > noDigest.lastIndexOf('/')) return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { name: noDigest };
}

const NODE: Attributes = Object.freeze({});

function put(out: Record<string, string | string[]>, key: string, value: string): void {
  if (value !== '') out[key] = value; // absent is not empty: an unknown value is left out
}

function podAttributes(id: ContainerIdentity, podUid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  put(out, 'k8s.pod.name', id.pod);
  put(out, 'k8s.pod.uid', podUid);
  put(out, 'k8s.namespace.name', id.namespace);
  return out;
}

function containerAttributes(id: ContainerIdentity, podUid: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  put(out, 'container.id', id.name);
  put(out, 'container.name', id.container);
  const image = splitImage(id.image);
  put(out, 'container.image.name', image.name);
  if (image.tag) out['container.image.tags'] = [image.tag];
  put(out, 'k8s.container.name', id.container);
  return { ...out, ...podAttributes(id, podUid) };
}

/**
 * The semconv identity attributes of each sample, the SAME object every cycle while the sample's
 * identity object stays (the cycle reader keeps it stable): the SDK and the live-series filter
 * recognise series by that object (metrics/series-handles.ts). Entries go with their identity object.
 */
export class SemconvIdentities {
  #cache = new WeakMap<ContainerIdentity, Attributes>();

  of(s: ContainerSample, subject: SemconvSubject): Attributes {
    if (subject === 'node') return NODE;
    let attrs = this.#cache.get(s.identity);
    if (!attrs) {
      const podUid = s.k8s?.podUid ?? '';
      attrs = Object.freeze(subject === 'container' ? containerAttributes(s.identity, podUid) : podAttributes(s.identity, podUid));
      this.#cache.set(s.identity, attrs);
    }
    return attrs;
  }
}
