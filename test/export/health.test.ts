/**
 * /healthz and /readyz tell the truth about the collection loop, the health endpoint exists on its
 * own (the Prometheus endpoint may be off), and every podpulse HTTP server caps its connections and
 * closes silent ones.
 */
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthState } from '../../src/export/http/health.js';
import { HealthEndpoint } from '../../src/export/http/health-endpoint.js';
import type { Snapshot, SnapshotSource } from '../../src/collection/sample.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const silent = pino({ level: 'silent' });

class ScriptedSource implements SnapshotSource {
  mode: 'ok' | 'throw' | 'hang' = 'ok';
  async collect(): Promise<Snapshot> {
    if (this.mode === 'throw') throw new Error('cgroup root vanished\nsecond line never shown');
    if (this.mode === 'hang') return new Promise(() => undefined);
    return { containers: [], agent: new SelfStats() };
  }
}

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.text() };
}

function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

describe('health endpoint', () => {
  let ep: HealthEndpoint | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await ep?.stop();
    ep = undefined;
  });

  it('not ready before the first collection; ready and live after; 503 with a one-line reason when collections fail for 3 intervals', async () => {
    let now = 1_000_000;
    const state = new HealthState({ staleAfterMs: 30_000, now: () => now }); // 3 intervals of 10s
    const source = new ScriptedSource();
    const watched = state.watch(source);
    ep = new HealthEndpoint({ host: '127.0.0.1', port: 0 }, state, silent);
    await ep.start();
    const base = ep.url as string;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await get(base, '/readyz')).toEqual({ status: 503, body: 'not ready: no collection has finished yet\n' });
    expect((await get(base, '/healthz')).status).toBe(200); // still within 3 intervals of start

    await watched.collect();
    expect((await get(base, '/readyz')).status).toBe(200);
    expect((await get(base, '/healthz')).status).toBe(200);

    // Every cycle fails from now on.
    source.mode = 'throw';
    for (let i = 0; i < 3; i++) {
      now += 10_000;
      await expect(watched.collect()).rejects.toThrow();
    }
    expect((await get(base, '/healthz')).status).toBe(200); // exactly 3 intervals: not yet
    now += 1_000;
    await expect(watched.collect()).rejects.toThrow();
    const sick = await get(base, '/healthz');
    expect(sick.status).toBe(503);
    expect(sick.body).toBe('no collection finished for 31s (limit 30s); last error: cgroup root vanished\n');
    expect((await get(base, '/readyz')).status).toBe(200); // it did collect once; liveness decides restarts
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(503);

    source.mode = 'ok';
    await watched.collect();
    expect((await get(base, '/healthz')).status).toBe(200);
    expect((await get(base, '/nope')).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('a wedged collection (never returns) fails /healthz after 3 intervals', async () => {
    let now = 0;
    const state = new HealthState({ staleAfterMs: 3000, now: () => now }); // 3 intervals of 1s
    const source = new ScriptedSource();
    source.mode = 'hang';
    void state.watch(source).collect();
    now = 5_000;
    expect(state.live()).toEqual({ ok: false, reason: 'no collection finished since start 5s ago (limit 3s); a collection has been running for 5s' });
    expect(state.ready().ok).toBe(false);
  });

  it('refuses connections beyond its cap and closes silent ones', async () => {
    const state = new HealthState({ staleAfterMs: 3000 });
    ep = new HealthEndpoint(
      { host: '127.0.0.1', port: 0, bounds: { maxConnections: 2, headersTimeoutMs: 500, requestTimeoutMs: 1000, idleTimeoutMs: 1500 } },
      state,
      silent,
    );
    await ep.start();
    const base = ep.url as string;
    const port = Number(new URL(base).port);
    sockets.push(await openIdle(port), await openIdle(port));
    const t0 = Date.now();
    const closedAfter = new Promise<number>((r) => (sockets[0] as Socket).once('close', () => r(Date.now() - t0)));
    // Give the server time to accept both.
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    // A silent connection is closed by the server (idle timeout 1.5 s): the cap frees itself.
    const closed = await Promise.race([closedAfter, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    expect(closed).toBeGreaterThan(0);
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
