import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriConnector } from '../../src/discovery/cri-connector.js';
import { startFakeCri, type FakeCri } from '../helpers/fake-cri.js';

describe('CriConnector', () => {
  let fake: FakeCri;
  beforeAll(async () => {
    fake = await startFakeCri({ scenario: 'containerd-1.6' });
  });
  afterAll(async () => {
    await fake.dispose();
  });

  it('hands out a fresh, working client on every connect (the proto is parsed once and shared)', async () => {
    const connector = new CriConnector({ endpoint: fake.endpoint, rootfs: '/', timeoutMs: 2000, statsTimeoutMs: 2000 });
    const clients = [connector.connect(), connector.connect()].map((c) => {
      if ('reason' in c) throw new Error(c.reason);
      return c.runtime;
    });
    expect(clients[0]).not.toBe(clients[1]);
    for (const c of clients) expect(await c.listPods()).toHaveLength(3);
    // Closing one (a renewed channel) leaves the other working.
    clients[0]?.close();
    expect(await clients[1]?.listContainers()).toHaveLength(6);
    clients[1]?.close();
  });

  it('says why when autodetection finds no socket', () => {
    const c = new CriConnector({ endpoint: '', rootfs: '/nonexistent-root', timeoutMs: 1000, statsTimeoutMs: 1000 });
    expect(c.connect()).toEqual({ reason: expect.stringMatching(/no CRI socket found/) });
  });
});
