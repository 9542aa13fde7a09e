/**
 * Discovery no longer walks the raw cgroup tree every cycle (discovery/inventory.ts: a stat per
 * directory the last walk read, a walk when one changed, when the CRI lists changed, or once a
 * minute). On a real containerd and the host's real cgroupfs: a new pod's series, and a raw cgroup
 * the runtime knows nothing about, appear within two collections of their creation; once removed,
 * their series are gone within two collections. Counted in collections (exports), not milliseconds,
 * so a busy machine cannot make it flaky.
 */
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { collectedAt } from '../helpers/agent-on-runtime.js';
import { hostCgroupsFromMountinfo } from '../helpers/host-cgroups.js';
import { flattenRequest, startOtlpReceiver, type FlatRequest, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TestPods, workloads } from '../helpers/pods.js';
import { runtimeOrSkip } from '../helpers/runtime-env.js';

const gate = runtimeOrSkip();
const NS = 'podpulse-discovery';
const INTERVAL_MS = 1500;
/** A parent of its own for the raw cgroup, so other suites' cgroups cannot interfere. */
const RAW_PARENT = `/podpulse-discovery-${process.pid}`;
const RAW_CHILD = `${RAW_PARENT}/raw-newcomer`;

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every hierarchy root of this host (each v1 controller's, or cgroup2's), where the test makes its cgroups. */
function hierarchyRoots(): string[] {
  const host = hostCgroupsFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  const roots = new Set<string>([...host.v1.values()]);
  if (host.unified !== undefined && host.mode !== 'v1') roots.add(host.unified);
  return [...roots];
}

/** Data points (not end markers) whose `id` label is `id`, or whose `pod` label is `pod`. */
function hasSeries(r: FlatRequest, match: { id?: string; pod?: string }): boolean {
  return r.metrics.some((m) =>
    m.points.some((p) => p.flags === 0 && ((match.id !== undefined && p.attributes.id === match.id) || (match.pod !== undefined && p.attributes.pod === match.pod))),
  );
}

const hasData = (r: FlatRequest): boolean => r.metrics.some((m) => m.points.some((p) => p.flags === 0));

describe.skipIf(gate.skip)(gate.title('discovery on a real containerd and cgroupfs: new and removed cgroups within two collections'), () => {
  let receiver: OtlpReceiver;
  let agent: Agent | undefined;
  let pods: TestPods;
  const made: string[] = [];

  /**
   * Data exports collected after `sinceNs`, in order, until one satisfies `ok`: how many collections
   * it took (1 = the first collection after `sinceNs`).
   */
  async function collectionsUntil(sinceNs: bigint, ok: (r: FlatRequest) => boolean, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const after = receiver.requests.map(flattenRequest).filter((r) => hasData(r) && collectedAt(r) >= sinceNs);
      after.sort((a, b) => (collectedAt(a) < collectedAt(b) ? -1 : 1));
      const i = after.findIndex(ok);
      if (i >= 0) return i + 1;
      if (Date.now() > deadline) throw new Error(`no matching export in ${timeoutMs} ms (${after.length} collections after the change)`);
      await sleep(100);
    }
  }

  beforeAll(async () => {
    const rt = gate.get();
    pods = new TestPods(rt);
    for (const root of hierarchyRoots()) {
      mkdirSync(join(root, RAW_PARENT));
      made.push(join(root, RAW_PARENT));
    }
    receiver = await startOtlpReceiver();
    const { config } = loadConfig(
      ['--cri-endpoint', rt.socket, '--discovery-cgroup-parents', `kubepods,${RAW_PARENT}`, '--collection-interval', `${INTERVAL_MS}ms`, '--export-otlp-endpoint', receiver.url],
      {},
    );
    agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
    await agent.start();
    await receiver.waitForRequests(3, 30_000);
  });

  afterAll(async () => {
    await agent?.stop();
    await receiver?.stop();
    await pods?.removeAll();
    pods?.close();
    for (const root of hierarchyRoots()) {
      for (const dir of [RAW_CHILD, RAW_PARENT]) {
        try {
          rmdirSync(join(root, dir));
        } catch {
          // not made, or already removed by the test
        }
      }
    }
  });

  it('a new pod within two collections, its series gone within two after removal', async () => {
    const pod = await pods.createPod({ name: 'newcomer', namespace: NS, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
    const createdAt = nowNs();
    const appeared = await collectionsUntil(createdAt, (r) => hasSeries(r, { pod: 'newcomer' }));
    await pods.removePod(pod.id);
    const removedAt = nowNs();
    const gone = await collectionsUntil(removedAt, (r) => !hasSeries(r, { pod: 'newcomer' }));
    console.log(`[discovery-schedule] pod: in collection ${appeared} after creation, gone in collection ${gone} after removal (interval ${INTERVAL_MS} ms)`);
    expect(appeared).toBeLessThanOrEqual(2);
    expect(gone).toBeLessThanOrEqual(2);
  });

  it('a raw cgroup the runtime does not know within two collections (no full walk due), gone within two after rmdir', async () => {
    // Let the agent settle, so its next full walk (once a minute) is not what finds the newcomer.
    await collectionsUntil(nowNs(), () => true);
    const roots = hierarchyRoots();
    for (const root of roots) mkdirSync(join(root, RAW_CHILD));
    const createdAt = nowNs();
    const appeared = await collectionsUntil(createdAt, (r) => hasSeries(r, { id: RAW_CHILD }));
    for (const root of roots) rmdirSync(join(root, RAW_CHILD));
    const removedAt = nowNs();
    const gone = await collectionsUntil(removedAt, (r) => !hasSeries(r, { id: RAW_CHILD }));
    console.log(`[discovery-schedule] raw cgroup: in collection ${appeared} after mkdir, gone in collection ${gone} after rmdir (interval ${INTERVAL_MS} ms)`);
    expect(appeared).toBeLessThanOrEqual(2);
    expect(gone).toBeLessThanOrEqual(2);
  });
});
