import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_CRI_SOCKETS, detectCriEndpoint, parseCriEndpoint } from '../../src/runtime/cri/endpoint.js';

describe('parseCriEndpoint', () => {
  it('accepts unix:///abs, unix:/abs and a bare absolute path', () => {
    expect(parseCriEndpoint('unix:///run/containerd/containerd.sock')).toEqual({
      target: 'unix:///run/containerd/containerd.sock',
      path: '/run/containerd/containerd.sock',
    });
    expect(parseCriEndpoint('unix:/run/crio/crio.sock').path).toBe('/run/crio/crio.sock');
    expect(parseCriEndpoint(' /tmp/x.sock ').target).toBe('unix:///tmp/x.sock');
  });

  it('rejects relative paths and non-unix schemes', () => {
    for (const bad of ['run/containerd.sock', 'unix://relative.sock', 'tcp://127.0.0.1:1234', '']) {
      expect(() => parseCriEndpoint(bad), bad).toThrow(ConfigError);
    }
  });
});

describe('detectCriEndpoint', () => {
  let root: string;
  const servers: Server[] = [];

  async function socketAt(rel: string): Promise<void> {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(path, resolve));
    servers.push(s);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podpulse-rootfs-'));
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    rmSync(root, { recursive: true, force: true });
  });

  it('probes containerd then CRI-O, /run before /var/run', () => {
    expect(DEFAULT_CRI_SOCKETS).toEqual([
      '/run/containerd/containerd.sock',
      '/run/crio/crio.sock',
      '/var/run/containerd/containerd.sock',
      '/var/run/crio/crio.sock',
    ]);
  });

  it('returns the first existing socket under the rootfs prefix', async () => {
    await socketAt('var/run/containerd/containerd.sock');
    await socketAt('run/crio/crio.sock');
    const d = detectCriEndpoint(root);
    expect(d.endpoint).toBe(`unix://${root}/run/crio/crio.sock`);
    expect(d.tried).toEqual([`${root}/run/containerd/containerd.sock`, `${root}/run/crio/crio.sock`]);
    expect(d.message).toContain('found');
  });

  it('skips paths that exist but are not sockets', async () => {
    mkdirSync(join(root, 'run/containerd'), { recursive: true });
    writeFileSync(join(root, 'run/containerd/containerd.sock'), '');
    await socketAt('var/run/crio/crio.sock');
    expect(detectCriEndpoint(root).endpoint).toBe(`unix://${root}/var/run/crio/crio.sock`);
  });

  it('returns undefined and a message listing every path tried', () => {
    const d = detectCriEndpoint(root);
    expect(d.endpoint).toBeUndefined();
    expect(d.tried).toHaveLength(4);
    for (const p of DEFAULT_CRI_SOCKETS) expect(d.message).toContain(join(root, p));
    expect(d.message).toMatch(/set cri.endpoint/);
  });
});
