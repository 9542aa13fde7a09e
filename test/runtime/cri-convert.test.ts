import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import {
  parseVerboseInfo,
  restartCountOf,
  toContainer,
  toContainerFromStatus,
  toContainerState,
  toContainerStats,
  toPod,
  toPodFromStatus,
  toPodStats,
  toRuntimeStatus,
  toRuntimeVersion,
} from '../../src/runtime/cri/convert.js';
import type { Container__Output as ContainerMsg } from '../../src/runtime/cri/generated/runtime/v1/Container.js';
import type { ContainerStats__Output as ContainerStatsMsg } from '../../src/runtime/cri/generated/runtime/v1/ContainerStats.js';
import type { ContainerStatusResponse__Output as ContainerStatusResponseMsg } from '../../src/runtime/cri/generated/runtime/v1/ContainerStatusResponse.js';
import type { PodSandbox__Output as PodSandboxMsg } from '../../src/runtime/cri/generated/runtime/v1/PodSandbox.js';
import type { PodSandboxStats__Output as PodSandboxStatsMsg } from '../../src/runtime/cri/generated/runtime/v1/PodSandboxStats.js';
import type { PodSandboxStatusResponse__Output as PodSandboxStatusResponseMsg } from '../../src/runtime/cri/generated/runtime/v1/PodSandboxStatusResponse.js';

// Fixtures are raw responses captured from containerd 1.6.20 (see test/fixtures/cri/README.md),
// in the shape proto-loader decodes; ids are random, so tests look objects up by name.
function fixture<T>(scenario: string, path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/cri/${scenario}/${path}`, import.meta.url), 'utf8')) as T;
}

const S = 'containerd-1.6';
const WORKLOAD_UID = 'ee75b9a2-5a7a-4fa1-b2c3-2ced220cac8e';
const IMAGE_ID = 'sha256:08300e13d4f12801151cf27b9c22206eb9be60e2ea4a649a7524f01369fd088d';
const pods = fixture<{ items: PodSandboxMsg[] }>(S, 'pods.json').items;
const containers = fixture<{ containers: ContainerMsg[] }>(S, 'containers.json').containers;
const podId = (name: string) => pods.find((p) => p.metadata?.name === name)?.id ?? '';
const containerId = (name: string) => containers.find((c) => c.metadata?.name === name)?.id ?? '';
const podStatus = (name: string) => fixture<PodSandboxStatusResponseMsg>(S, `pod-status/${podId(name)}.json`);
const containerStatus = (name: string) => fixture<ContainerStatusResponseMsg>(S, `container-status/${containerId(name)}.json`);

describe('toPod (ListPodSandbox item)', () => {
  it('takes identity from metadata and keeps labels, state and created_at in ns', () => {
    const item = pods.find((p) => p.metadata?.name === 'workload');
    if (!item) throw new Error('fixture lacks workload');
    const pod = toPod(item);
    expect(pod).toEqual({
      id: item.id,
      name: 'workload',
      namespace: 'cri-e2e',
      uid: WORKLOAD_UID,
      attempt: 0,
      state: 'ready',
      createdAt: 1795801595163043829n,
      labels: {
        'io.kubernetes.pod.name': 'workload',
        'io.kubernetes.pod.namespace': 'cri-e2e',
        'io.kubernetes.pod.uid': WORKLOAD_UID,
        app: 'demo',
      },
      annotations: { 'kubernetes.io/config.source': 'podpulse-test' },
    });
    // Verbose-only fields are absent, not defaulted.
    expect(pod.pid).toBeUndefined();
    expect(pod.hostNetwork).toBeUndefined();
  });

  it('maps SANDBOX_NOTREADY to notready', () => {
    expect(pods.map(toPod).map((p) => [p.name, p.state])).toEqual([
      ['workload', 'ready'],
      ['hostnet', 'ready'],
      ['finished', 'notready'],
    ]);
  });
});

describe('toPodFromStatus (PodSandboxStatus verbose)', () => {
  it('reads pid, cgroupsPath and the sandbox image from info.info, and the pod IP', () => {
    const pod = toPodFromStatus(podStatus('workload'));
    expect(pod).toMatchObject({
      id: podId('workload'),
      name: 'workload',
      state: 'ready',
      ip: '10.97.0.4',
      hostNetwork: false,
      pid: 29062,
      cgroupPath: `/podpulse-crichk/pod${WORKLOAD_UID}/${podId('workload')}`,
      image: 'localhost/busybox:1',
    });
  });

  it('flags host-network pods (namespace option NODE) and leaves their empty IP undefined', () => {
    const pod = toPodFromStatus(podStatus('hostnet'));
    expect(pod.hostNetwork).toBe(true);
    expect(pod.ip).toBeUndefined();
    expect(pod.pid).toBe(29302);
  });

  it('a stopped sandbox reports pid 0 and no IP: both undefined', () => {
    const pod = toPodFromStatus(podStatus('finished'));
    expect(pod.state).toBe('notready');
    expect(pod.pid).toBeUndefined();
    expect(pod.ip).toBeUndefined();
    expect(pod.cgroupPath).toBe(`/podpulse-crichk/pod0a09f433-24ca-476a-99d3-f8bc7abad855/${podId('finished')}`);
  });

  it('without verbose info only the typed status is used', () => {
    const res = podStatus('workload');
    const pod = toPodFromStatus({ ...res, info: {} });
    expect(pod.pid).toBeUndefined();
    expect(pod.cgroupPath).toBeUndefined();
    expect(pod.image).toBeUndefined();
    expect(pod.hostNetwork).toBe(false);
  });

  it('a status without linux namespaces leaves hostNetwork unknown', () => {
    const res = podStatus('workload');
    if (!res.status) throw new Error('fixture lacks status');
    expect(toPodFromStatus({ ...res, status: { ...res.status, linux: null } }).hostNetwork).toBeUndefined();
  });

  it('a response without status is a ParseError', () => {
    expect(() => toPodFromStatus({ status: null, info: {}, timestamp: '0' })).toThrow(ParseError);
  });
});

describe('toContainer (ListContainers item)', () => {
  it('uses image.image (the name the spec used), not image_ref, and reads restartCount', () => {
    const c = toContainer(containers.find((x) => x.metadata?.name === 'cpu-burner') as ContainerMsg);
    expect(c).toEqual({
      id: containerId('cpu-burner'),
      podId: podId('workload'),
      name: 'cpu-burner',
      attempt: 0,
      image: 'localhost/busybox:1',
      imageRef: IMAGE_ID,
      state: 'running',
      createdAt: 1795801595262464600n,
      labels: {
        'io.kubernetes.container.name': 'cpu-burner',
        'io.kubernetes.pod.name': 'workload',
        'io.kubernetes.pod.namespace': 'cri-e2e',
        'io.kubernetes.pod.uid': WORKLOAD_UID,
      },
      annotations: { 'io.kubernetes.container.restartCount': '0' },
      restartCount: 0,
    });
  });

  it('prefers user_specified_image when a newer runtime fills it', () => {
    const msg = containers[0] as ContainerMsg;
    const c = toContainer({ ...msg, image: { image: 'sha256:abc', annotations: {}, user_specified_image: 'nginx:1.27' } });
    expect(c.image).toBe('nginx:1.27');
  });

  it('maps every container state, unknown enum values included', () => {
    expect(['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN', 7].map(toContainerState)).toEqual([
      'created',
      'running',
      'exited',
      'unknown',
      'unknown',
    ]);
  });
});

describe('toContainerFromStatus (ContainerStatus verbose)', () => {
  it('running: pid and cgroupsPath from info, pod from sandboxID, no exit code', () => {
    const c = toContainerFromStatus(containerStatus('cpu-burner'));
    expect(c).toMatchObject({
      id: containerId('cpu-burner'),
      podId: podId('workload'),
      name: 'cpu-burner',
      state: 'running',
      pid: 29100,
      cgroupPath: `/podpulse-crichk/pod${WORKLOAD_UID}/${containerId('cpu-burner')}`,
      startedAt: 1795801595319482533n,
      logPath: `/tmp/podpulse-crichk/rt/logs/cri-e2e_workload_${WORKLOAD_UID}/cpu-burner/0.log`,
    });
    expect(c.exitCode).toBeUndefined();
    expect(c.finishedAt).toBeUndefined();
    expect(c.reason).toBeUndefined();
  });

  it('OOM-killed: exit 137, reason OOMKilled, finishedAt, restartCount, no pid', () => {
    const c = toContainerFromStatus(containerStatus('oom-victim'));
    expect(c).toMatchObject({
      state: 'exited',
      exitCode: 137,
      reason: 'OOMKilled',
      finishedAt: 1795801596083310375n,
      restartCount: 2,
      attempt: 2,
    });
    expect(c.pid).toBeUndefined();
  });

  it('exited with an error: exit 3, reason Error', () => {
    const c = toContainerFromStatus(containerStatus('job'));
    expect(c).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error', podId: podId('finished'), finishedAt: 1795801596406441035n });
    expect(c.logPath).toBeUndefined(); // its pod had no log directory: the runtime reports ''
  });

  it('names the image as the pod spec did, never by its id', () => {
    const res = containerStatus('cpu-burner');
    const info = JSON.parse(res.info['info'] ?? '{}') as { runtimeSpec: { annotations: Record<string, string> } };
    const id = 'sha256:' + 'ab'.repeat(32);
    const status = res.status as NonNullable<typeof res.status>;
    // A kubelet of 1.30+: the pod spec's name in user_specified_image, the id in image.
    const newKubelet = { ...res, status: { ...status, image: { ...status.image, image: id, user_specified_image: 'busybox:1' } } };
    expect(toContainerFromStatus(newKubelet as never).image).toBe('busybox:1');
    // An older kubelet: only the id; containerd's resolved name from the runtime spec replaces it.
    info.runtimeSpec.annotations['io.kubernetes.cri.image-name'] = 'docker.io/library/busybox:1';
    const oldKubelet = { ...res, info: { info: JSON.stringify(info) }, status: { ...status, image: { ...status.image, image: id, user_specified_image: '' } } };
    expect(toContainerFromStatus(oldKubelet as never).image).toBe('docker.io/library/busybox:1');
    // A plain name is kept as it is.
    expect(toContainerFromStatus(res).image).toBe('localhost/busybox:1');
  });

  it('falls back to the spec annotation for the sandbox id, then to empty', () => {
    const res = containerStatus('cpu-burner');
    const info = JSON.parse(res.info['info'] ?? '{}') as Record<string, unknown>;
    delete info['sandboxID'];
    expect(toContainerFromStatus({ ...res, info: { info: JSON.stringify(info) } }).podId).toBe(podId('workload'));
    expect(toContainerFromStatus({ ...res, info: {} }).podId).toBe('');
  });
});

describe('parseVerboseInfo', () => {
  it('ignores unknown keys and an absent info', () => {
    expect(parseVerboseInfo({}, 'x')).toEqual({});
    expect(parseVerboseInfo({ info: '{"somethingNew":1}' }, 'x')).toEqual({});
  });

  it('throws ParseError naming the response for malformed JSON or wrongly typed known keys', () => {
    expect(() => parseVerboseInfo({ info: '{not json' }, 'PodSandboxStatus(abc).info')).toThrow(
      /PodSandboxStatus\(abc\)\.info: info is not JSON/,
    );
    expect(() => parseVerboseInfo({ info: '{"pid":"12"}' }, 'x')).toThrow(ParseError);
    expect(() => parseVerboseInfo({ info: '{"pid":-1}' }, 'x')).toThrow(ParseError);
    expect(() => parseVerboseInfo({ info: '{"runtimeSpec":{"linux":{"cgroupsPath":5}}}' }, 'x')).toThrow(ParseError);
    expect(() => parseVerboseInfo({ info: '[1]' }, 'x')).toThrow(ParseError);
    expect(() => parseVerboseInfo({ info: '7' }, 'x')).toThrow(ParseError);
  });

  it('keeps systemd-driver cgroup paths verbatim', () => {
    const info = { info: JSON.stringify({ pid: 5, runtimeSpec: { linux: { cgroupsPath: 'kubepods-besteffort-podab.slice:cri-containerd:123' } } }) };
    expect(parseVerboseInfo(info, 'x')).toEqual({ pid: 5, cgroupPath: 'kubepods-besteffort-podab.slice:cri-containerd:123' });
  });
});

describe('restartCountOf', () => {
  it('reads a decimal and treats anything else as unknown', () => {
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': '4' })).toBe(4);
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': 'x' })).toBeUndefined();
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': '-1' })).toBeUndefined();
    expect(restartCountOf({})).toBeUndefined();
  });
});

describe('toContainerStats (ListContainerStats entry)', () => {
  const stats = fixture<{ stats: ContainerStatsMsg[] }>(S, 'container-stats.json').stats;
  const byName = (n: string) => stats.find((s) => s.attributes?.metadata?.name === n) as ContainerStatsMsg;

  it('converts cpu (exact bigint), memory and the writable layer', () => {
    expect(toContainerStats(byName('mem-holder'))).toEqual({
      id: containerId('mem-holder'),
      name: 'mem-holder',
      timestamp: 1795801600639352661n,
      cpuUsageCoreNanoSeconds: 166960235n,
      cpuUsageNanoCores: 0,
      memoryWorkingSetBytes: 52998144,
      memoryUsageBytes: 52998144,
      memoryAvailableBytes: 215437312,
      rssBytes: 52654080,
      pageFaults: 52299,
      majorPageFaults: 0,
      writableLayer: {
        mountpoint: '/tmp/podpulse-crichk/rt/root/io.containerd.snapshotter.v1.overlayfs',
        usedBytes: 8396800, // the 8 MiB /data.bin it wrote
        inodesUsed: 6,
      },
    });
  });

  it('an exited container has no cpu or memory (null in CRI): fields stay undefined', () => {
    const s = toContainerStats(byName('oom-victim'));
    expect(s.cpuUsageCoreNanoSeconds).toBeUndefined();
    expect(s.memoryWorkingSetBytes).toBeUndefined();
    expect(s.writableLayer?.usedBytes).toBe(8192);
  });

  it('keeps cumulative CPU beyond 2^53 ns exact', () => {
    const s = byName('cpu-burner');
    const big = { ...s, cpu: { timestamp: '0', usage_core_nano_seconds: { value: '18446744073709551615' }, usage_nano_cores: null } };
    const out = toContainerStats(big);
    expect(out.cpuUsageCoreNanoSeconds).toBe(18446744073709551615n);
    expect(out.timestamp).toBeUndefined();
    expect(out.cpuUsageNanoCores).toBeUndefined();
  });

  it('an entry without attributes is a ParseError', () => {
    expect(() => toContainerStats({ attributes: null, cpu: null, memory: null, writable_layer: null })).toThrow(ParseError);
  });

  it('a writable layer not yet measured (timestamp 0, zero usage) has no usage', () => {
    const [fresh] = fixture<{ stats: ContainerStatsMsg[] }>('no-cgroup-parent', 'container-stats.json').stats;
    if (!fresh) throw new Error('fixture lacks stats');
    expect(fresh.writable_layer?.timestamp).toBe('0');
    expect(toContainerStats(fresh).writableLayer).toEqual({
      mountpoint: '/tmp/podpulse-crichk/rt/root/io.containerd.snapshotter.v1.overlayfs',
    });
  });
});

describe('toPodStats (ListPodSandboxStats entry)', () => {
  // containerd-1.6 has a stopped pod, which fails ListPodSandboxStats; the -ready capture has not.
  const stats = fixture<{ stats: PodSandboxStatsMsg[] }>(`${S}-ready`, 'pod-stats.json').stats;
  const byName = (n: string) => stats.find((s) => s.attributes?.metadata?.name === n) as PodSandboxStatsMsg;

  it('reads the default interface, process count, pod-level cpu/memory and the containers', () => {
    const p = toPodStats(byName('workload'));
    expect(p).toMatchObject({
      id: podId('workload'),
      name: 'workload',
      namespace: 'cri-e2e',
      uid: WORKLOAD_UID,
      network: [{ name: 'eth0', rxBytes: 22520, txBytes: 21424, rxErrors: 0, txErrors: 0 }],
      processCount: 4,
      cpuUsageCoreNanoSeconds: 2969356481n,
      memoryWorkingSetBytes: 53682176,
      memoryUsageBytes: 53682176,
      rssBytes: 52817920,
    });
    expect(p.containers.map((c) => c.name)).toEqual(['cpu-burner', 'mem-holder', 'net-gen', 'oom-victim']);
  });

  it('host-network pods have no network stats (null in CRI): network undefined', () => {
    const p = toPodStats(byName('hostnet'));
    expect(p.network).toBeUndefined();
    expect(p.processCount).toBe(1);
    expect(p.containers.map((c) => c.name)).toEqual(['agent']);
  });

  it('PodSandboxStats of one pod has the same shape', () => {
    const one = fixture<{ stats: PodSandboxStatsMsg }>(S, `pod-stats/${podId('workload')}.json`).stats;
    expect(toPodStats(one)).toMatchObject({ id: podId('workload'), name: 'workload', network: [{ name: 'eth0' }] });
  });

  it('lists the default interface first and drops duplicates from interfaces[]', () => {
    const base = byName('workload');
    if (!base.linux?.network?.default_interface) throw new Error('fixture lacks network');
    const eth0 = base.linux.network.default_interface;
    const net1 = { ...eth0, name: 'net1', rx_bytes: { value: '5' } };
    const msg = { ...base, linux: { ...base.linux, network: { timestamp: '0', default_interface: eth0, interfaces: [eth0, net1] } } };
    expect(toPodStats(msg).network?.map((n) => [n.name, n.rxBytes])).toEqual([
      ['eth0', 22520],
      ['net1', 5],
    ]);
  });
});

describe('version, status and images', () => {
  it('converts Version', () => {
    expect(toRuntimeVersion(fixture(S, 'version.json'))).toEqual({
      runtimeName: 'containerd',
      runtimeVersion: '1.6.20~ds1',
      apiVersion: 'v1',
    });
  });

  it('converts Status conditions', () => {
    const st = toRuntimeStatus(fixture(S, 'status.json'));
    expect(st.runtimeReady).toBe(true);
    expect(st.networkReady).toBe(true);
    expect(st.conditions).toEqual([
      { type: 'RuntimeReady', status: true },
      { type: 'NetworkReady', status: true },
    ]);
    const down = toRuntimeStatus({
      status: { conditions: [{ type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni config uninitialized' }] },
      info: {},
    });
    expect(down).toEqual({
      runtimeReady: false,
      networkReady: false,
      conditions: [{ type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni config uninitialized' }],
    });
  });
});
