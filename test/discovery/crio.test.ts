/**
 * CRI-O: identity labels as kubelet's cAdvisor gives CRI-O containers, tested against the fake CRI
 * server answering like CRI-O (test/fixtures/cri/cri-o-1.29, written by hand: no CRI-O package is
 * installable here) over real gRPC, on a cgroup2 tree shaped like CRI-O's systemd-driver layout.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout.js';
import { CycleReader } from '../../src/collection/cycle-reader.js';
import { READ_ALL } from '../../src/collection/read-plan.js';
import { containerLabels, type ContainerLabel } from '../../src/discovery/container-labels.js';
import { CriConnector } from '../../src/discovery/cri-connector.js';
import { crioContainerName, crioSandboxName } from '../../src/discovery/crio-names.js';
import { CriInventory } from '../../src/discovery/inventory.js';
import { joinTargets } from '../../src/discovery/runtime-targets.js';
import type { ContainerIdentity, Target } from '../../src/discovery/target.js';
import { FileReader } from '../../src/fs/file-reader.js';
import { CriRuntime } from '../../src/runtime/cri/client.js';
import { runtimeKind } from '../../src/runtime/kind.js';
import type { Container, Pod } from '../../src/runtime/types.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';
import { startFakeCri, type FakeCri } from '../helpers/fake-cri.js';
import { removeTree, writeTree, type Tree } from '../helpers/tmp-tree.js';

const S1 = '3f0c1e6b8a2d4c5e9f7a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a';
const S2 = '8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b';
const C1 = 'c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80';
const C2 = 'd2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091';
const U1 = '5b1f7c9e-2d3a-4e8f-9a0b-1c2d3e4f5a6b';
const U2 = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const WEB = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U1.replace(/-/g, '_')}.slice`;
const BATCH = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U2.replace(/-/g, '_')}.slice`;

const cg = (): Tree => ({ 'cgroup.procs': '1\n', 'cpu.stat': 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\n', 'memory.current': '4096\n' });
/** CRI-O's systemd layout; pod `batch` has no infra container, so no crio-<S2>.scope. */
const TREE: Tree = {
  'cgroup.procs': '1\n',
  'cpu.stat': 'usage_usec 1\n',
  'kubepods.slice': {
    ...cg(),
    'kubepods-burstable.slice': {
      ...cg(),
      [`kubepods-burstable-pod${U1.replace(/-/g, '_')}.slice`]: { ...cg(), [`crio-${S1}.scope`]: cg(), [`crio-${C1}.scope`]: cg(), [`crio-conmon-${C1}.scope`]: cg() },
    },
    'kubepods-besteffort.slice': {
      ...cg(),
      [`kubepods-besteffort-pod${U2.replace(/-/g, '_')}.slice`]: { ...cg(), [`crio-${C2}.scope`]: cg(), [`crio-conmon-${C2}.scope`]: cg() },
    },
  },
};

let fake: FakeCri;
let root = '';
beforeAll(async () => {
  fake = await startFakeCri({ scenario: 'cri-o-1.29' });
  root = writeTree({ cg: TREE });
});
afterAll(async () => {
  await fake.dispose();
  removeTree(root);
});

/** A CRI inventory on the fake CRI-O server and the tree under `root` (discovery as the agent sets it up). */
function inventoryOn(layout: CgroupLayout, labels?: readonly ContainerLabel[]): CriInventory {
  return new CriInventory({
    layout,
    raw: { parents: [], maxDepth: 6, maxCgroups: 100 },
    connector: new CriConnector({ endpoint: fake.endpoint, rootfs: root, timeoutMs: 2000, statsTimeoutMs: 2000 }),
    rootfs: root,
    stats: new SelfStats(),
    log: pino({ level: 'silent' }),
    ...(labels ? { containerLabels: labels } : {}),
  });
}

describe('CRI-O over CRI: what the client reads from its answers', () => {
  it('Version says cri-o; verbose statuses give pid, cgroup path, pause image and CRI-O names', async () => {
    const cri = new CriRuntime({ endpoint: fake.endpoint });
    try {
      const v = await cri.version();
      expect(v).toEqual({ runtimeName: 'cri-o', runtimeVersion: '1.29.2', apiVersion: 'v1' });
      expect(runtimeKind(v.runtimeName)).toBe('cri-o');
      expect(runtimeKind('containerd')).toBe('containerd');
      expect(runtimeKind('docker')).toBe('other');

      const web = await cri.podStatus(S1);
      expect(web).toMatchObject({
        name: 'web', namespace: 'shop', uid: U1, pid: 4711, image: 'registry.k8s.io/pause:3.9', hostNetwork: false,
        cgroupPath: `kubepods-burstable-pod${U1.replace(/-/g, '_')}.slice:crio:${S1}`, specName: `k8s_POD_web_shop_${U1}_0`,
      });
      // drop_infra_ctr: only the runtime spec, no pause process and no image.
      const batch = await cri.podStatus(S2);
      expect(batch.pid).toBeUndefined();
      expect(batch.image).toBeUndefined();
      expect(batch.specName).toBe(`k8s_POD_batch_jobs_${U2}_1`);

      const app = await cri.containerStatus(C1);
      expect(app).toMatchObject({
        podId: S1, name: 'app', attempt: 1, image: 'docker.io/library/nginx:1.27', pid: 4790, restartCount: 1,
        cgroupPath: `kubepods-burstable-pod${U1.replace(/-/g, '_')}.slice:crio:${C1}`, specName: `k8s_app_web_shop_${U1}_1`,
      });
      expect(fake.callsOf('ListContainers')).toHaveLength(0); // the sandbox id came from the info, no extra list call
    } finally {
      cri.close();
    }
  });
});

describe('CRI-O identity labels (kubelet /metrics/cadvisor with CRI-O)', () => {
  const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: '' };
  let targets: Target[] = [];
  let inventory: CriInventory;
  const labels = containerLabels(['team', 'app']);
  beforeAll(async () => {
    layout.unified = join(root, 'cg');
    if ('error' in labels) throw new Error(labels.error);
    inventory = inventoryOn(layout, labels.labels);
    await inventory.refreshNow();
    targets = (await inventory.list()).targets;
  });
  afterAll(() => inventory.close());
  const identity = (path: string): ContainerIdentity | undefined => targets.find((t) => t.cgroupPath === path)?.identity;

  it('knows the runtime from its Version answer', () => {
    expect(inventory.runtimeKind).toBe('cri-o');
  });

  it('a container: name k8s_<container>_<pod>_<ns>_<uid>_<attempt>, id its crio-<id>.scope, the image as named', () => {
    expect(identity(`${WEB}/crio-${C1}.scope`)).toEqual({
      id: `${WEB}/crio-${C1}.scope`, name: `k8s_app_web_shop_${U1}_1`, image: 'docker.io/library/nginx:1.27',
      container: 'app', pod: 'web', namespace: 'shop', container_label_team: 'payments', container_label_app: 'web',
    });
    expect(identity(`${BATCH}/crio-${C2}.scope`)).toMatchObject({ name: `k8s_worker_batch_jobs_${U2}_0`, container: 'worker', pod: 'batch' });
  });

  it('the sandbox: container="POD", name k8s_POD_…, image = the pause image, and it owns the pod network', () => {
    const t = targets.find((x) => x.cgroupPath === `${WEB}/crio-${S1}.scope`);
    expect(t?.identity).toEqual({
      id: `${WEB}/crio-${S1}.scope`, name: `k8s_POD_web_shop_${U1}_0`, image: 'registry.k8s.io/pause:3.9',
      container: 'POD', pod: 'web', namespace: 'shop', container_label_team: 'payments', container_label_app: 'web',
    });
    expect(t?.netPid).toBe(4711);
  });

  it('pod cgroups get pod and namespace, also for a pod without infra container; conmon scopes stay raw cgroups', () => {
    expect(identity(WEB)).toMatchObject({ id: WEB, name: '', container: '', image: '', pod: 'web', namespace: 'shop' });
    expect(identity(BATCH)).toMatchObject({ id: BATCH, name: '', container: '', pod: 'batch', namespace: 'jobs', container_label_app: 'batch' });
    for (const id of [C1, C2]) {
      const conmon = identity(`${id === C1 ? WEB : BATCH}/crio-conmon-${id}.scope`);
      expect(conmon).toMatchObject({ name: '', image: '', container: '', pod: '', namespace: '', container_label_team: '' });
    }
  });

  it('a collection cycle reports the cgroups that exist and skips the sandbox scope a pod without infra container never had', async () => {
    const reader = new CycleReader({
      layout,
      reader: new FileReader(),
      roots: { procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), rootfsRoot: root },
      targets: inventory,
      stats: new SelfStats(),
      log: pino({ level: 'silent' }),
      plan: { ...READ_ALL, network: false, processes: false },
    });
    const ids = (await reader.collect()).containers.map((c) => c.identity.id);
    expect(ids).toContain(`${WEB}/crio-${C1}.scope`);
    expect(ids).toContain(`${WEB}/crio-${S1}.scope`);
    expect(ids).toContain(BATCH);
    expect(ids).not.toContain(`${BATCH}/crio-${S2}.scope`);
  });
});

describe('the runtime kind when Version fails at first', () => {
  it('names stay containerd-style until a Version call answers, then follow CRI-O', async () => {
    const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: join(root, 'cg') };
    const inventory = inventoryOn(layout);
    try {
      const { status } = await import('@grpc/grpc-js');
      // Failing twice: the refresh below and the one list() starts.
      fake.failNext('Version', status.UNAVAILABLE, 'scripted', 2);
      await inventory.refreshNow();
      expect(inventory.runtimeKind).toBeUndefined();
      const first = (await inventory.list()).targets.find((t) => t.cgroupPath === `${WEB}/crio-${C1}.scope`);
      expect(first?.identity.name).toBe(C1);
      for (let i = 0; i < 3 && inventory.runtimeKind === undefined; i++) await inventory.refreshNow();
      expect(inventory.runtimeKind).toBe('cri-o');
      const later = (await inventory.list()).targets.find((t) => t.cgroupPath === `${WEB}/crio-${C1}.scope`);
      expect(later?.identity.name).toBe(`k8s_app_web_shop_${U1}_1`);
    } finally {
      await inventory.close();
    }
  });
});

describe('CRI-O verbose info read by the converter', () => {
  it('an image id in the status is replaced by the io.kubernetes.cri-o.ImageName annotation; SandboxID and Name annotations are read', async () => {
    const { readFileSync } = await import('node:fs');
    const { toContainerFromStatus, parseVerboseInfo } = await import('../../src/runtime/cri/convert.js');
    const file = new URL(`../fixtures/cri/cri-o-1.29/container-status/${C1}.json`, import.meta.url);
    const msg = JSON.parse(readFileSync(file, 'utf8'));
    msg.status.image.image = 'sha256:' + 'e'.repeat(64);
    expect(toContainerFromStatus(msg).image).toBe('docker.io/library/nginx:1.27');
    const info = JSON.parse(msg.info.info);
    delete info.sandboxID; // older shapes: only the spec annotation names the sandbox
    expect(parseVerboseInfo({ info: JSON.stringify(info) }, 'test')).toMatchObject({
      sandboxId: S1, imageName: 'docker.io/library/nginx:1.27', specName: `k8s_app_web_shop_${U1}_1`, pid: 4790,
    });
  });
});

describe("CRI-O's cgroup path shapes", () => {
  it('systemd driver slice:crio:<id> -> crio-<id>.scope; cgroupfs driver /kubepods/<qos>/pod<uid>/crio-<id>; both under a pod cgroup', async () => {
    const { cgroupPathFromSpec, isPodCgroup, parentOf } = await import('../../src/discovery/cgroups-path.js');
    const systemd = cgroupPathFromSpec(`kubepods-burstable-pod${U1.replace(/-/g, '_')}.slice:crio:${C1}`) as string;
    expect(systemd).toBe(`${WEB}/crio-${C1}.scope`);
    expect(isPodCgroup(parentOf(systemd), U1)).toBe(true);
    const cgroupfs = cgroupPathFromSpec(`/kubepods/burstable/pod${U1}/crio-${C1}`) as string;
    expect(cgroupfs).toBe(`/kubepods/burstable/pod${U1}/crio-${C1}`);
    expect(isPodCgroup(parentOf(cgroupfs), U1)).toBe(true);
    // conmon's scope is no container's cgroup: no runtime spec names it, so it stays a raw cgroup.
    expect(isPodCgroup(`${WEB}/crio-conmon-${C1}.scope`, U1)).toBe(false);
  });
});

describe('CRI-O names without the spec annotation, and containerd unchanged', () => {
  const pod: Pod = { id: S1, name: 'web', namespace: 'shop', uid: U1, attempt: 2, state: 'ready', createdAt: 1n, labels: {}, annotations: {} };
  const c: Container = {
    id: C1, podId: S1, name: 'app', attempt: 3, image: 'nginx', imageRef: 'sha256:1', state: 'running', createdAt: 1n, labels: {}, annotations: {},
  };

  it('builds k8s_<container>_<pod>_<ns>_<uid>_<attempt> from the CRI metadata (pod labels when the pod is unknown)', () => {
    expect(crioContainerName(c, pod)).toBe(`k8s_app_web_shop_${U1}_3`);
    expect(crioSandboxName(pod)).toBe(`k8s_POD_web_shop_${U1}_2`);
    const orphan = { ...c, labels: { 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'n', 'io.kubernetes.pod.uid': 'u' } };
    expect(crioContainerName(orphan, undefined)).toBe('k8s_app_p_n_u_3');
  });

  it('containerd (or an unknown runtime): name = container id, sandbox container=""', () => {
    const view = {
      pods: new Map([[S1, { pod: { ...pod, image: 'pause' }, cgroupPath: `/kubepods/pod${U1}/${S1}` }]]),
      containers: new Map([[C1, { container: c, cgroupPath: `/kubepods/pod${U1}/${C1}` }]]),
      oomKilled: new Map(),
      fs: new Map(),
    };
    for (const runtime of [undefined, 'containerd'] as const) {
      const byPath = new Map(joinTargets({ paths: ['/'], truncated: false }, { ...view, ...(runtime ? { runtime } : {}) }).targets.map((t) => [t.cgroupPath, t.identity]));
      expect(byPath.get(`/kubepods/pod${U1}/${C1}`)?.name).toBe(C1);
      expect(byPath.get(`/kubepods/pod${U1}/${S1}`)).toMatchObject({ name: S1, container: '' });
    }
  });
});
