import { describe, expect, it } from 'vitest';
import { kindOf, selectTargets } from '../../src/cli/select.js';
import type { ContainerIdentity } from '../../src/discovery/target.js';
import { ConfigError } from '../../src/errors.js';

const id = (namespace: string, pod: string, container: string, name = container === '' ? '' : `id-${container}`): { identity: ContainerIdentity } => ({
  identity: { id: `/kubepods/${pod}/${container || name}`, name, image: '', container, pod, namespace },
});

const TARGETS = [
  id('shop', 'web', ''), // the pod's own cgroup
  id('shop', 'web', '', 'sandbox1'), // its sandbox
  id('shop', 'web', 'burn'),
  id('shop', 'web', 'cache'),
  id('ops', 'db', 'pg'),
  { identity: { id: '/system.slice', name: '', image: '', container: '', pod: '', namespace: '' } },
  { ...id('shop', 'web', 'old'), cgroupless: true },
];

describe('selectTargets', () => {
  it('knows a pod cgroup, a sandbox and a container apart, and leaves raw cgroups out', () => {
    expect(TARGETS.map((t) => kindOf(t.identity))).toEqual(['pod', 'sandbox', 'container', 'container', 'container', undefined, 'container']);
    expect(selectTargets(TARGETS, {})).toHaveLength(5);
  });

  it('filters by namespace, pod and container', () => {
    expect(selectTargets(TARGETS, { pod: 'web', container: 'burn' }).map((t) => t.identity.container)).toEqual(['burn']);
    expect(selectTargets(TARGETS, { namespace: 'ops' }).map((t) => t.identity.pod)).toEqual(['db']);
  });

  it.each([
    [{ pod: 'wbe' }, '--pod wbe: no such pod; pods: ops/db, shop/web'],
    [{ namespace: 'prod' }, '--namespace prod: no pod in that namespace; namespaces: ops, shop'],
    [{ namespace: 'ops', pod: 'web' }, '--pod web: no such pod in namespace ops; pods: ops/db'],
    [{ pod: 'web', container: 'brun' }, '--container brun: no such container in the selected pods; containers: burn, cache'],
  ])('a filter that names nothing (%j) is a usage error saying what there is', (filter, message) => {
    expect(() => selectTargets(TARGETS, filter)).toThrow(ConfigError);
    expect(() => selectTargets(TARGETS, filter)).toThrow(message);
  });
});
