/**
 * A collector that accepts TCP and never answers (a hung process, a black-holing proxy): every
 * export ends at its deadline, OtlpDelivery renews the exporter after each failed cycle, and the old
 * channel must really go away. Counted from both ends: sockets this process holds
 * (/proc/self/fd links to socket:[…]) and connections the stuck server still has open.
 *
 * Measured before the fix (closing the SDK exporter's grpc-js Client leaves a connection that never
 * got the server's HTTP/2 SETTINGS open, grpc/grpc-node#2785): 20 accepted, 20 still open at the
 * server, 40 more socket fds in this process (both ends) after 20 failed cycles. After: 0 and 0.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpDelivery } from '../../src/export/otlp/delivery.js';
import { StalenessMarkerSender } from '../../src/export/otlp/staleness-markers.js';
import { createOtlpExporter } from '../../src/export/otlp/exporter.js';
import type { AgentConfig } from '../../src/config/load.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

function openSockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while we listed
    }
  }
  return n;
}

const snapshot = {
  resource: resourceFromAttributes({ 'service.name': 'test' }),
  scopeMetrics: [
    {
      scope: { name: 'podpulse' },
      metrics: [
        {
          descriptor: { name: 'g', description: '', unit: '', type: 'OBSERVABLE_GAUGE', valueType: 1 } as never,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: {}, value: 1 }],
        },
      ],
    },
  ],
} as unknown as ResourceMetrics;

describe('a collector that accepts TCP and never replies', () => {
  let server: Server;
  const open = new Set<Socket>();
  let accepted = 0;
  let port = 0;

  beforeAll(async () => {
    server = createServer((s) => {
      accepted++;
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
      // Read and never answer: no HTTP/2 SETTINGS, no response.
      s.resume();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('leaves no connection behind after 20 failed cycles (the renewed exporter closes the old channel)', async () => {
    const otlp: AgentConfig['export']['otlp'] = {
      endpoint: `http://127.0.0.1:${port}`,
      headers: {},
      timeoutMs: 100,
      replaySnapshots: 5,
      maxRequestKib: 1024,
      compression: 'gzip',
      endMarkers: true,
      tls: { ca: '', cert: '', key: '', insecure: false },
    };
    const before = openSockets();
    const stats = new SelfStats();
    const d = new OtlpDelivery({ otlp: createOtlpExporter(otlp), renew: () => createOtlpExporter(otlp), replaySnapshots: 5, retryBudgetMs: 0, stats });
    for (let i = 0; i < 20; i++) {
      const r = await new Promise<ExportResult>((resolve) => d.export(snapshot, resolve));
      expect(r.code).toBe(ExportResultCode.FAILED);
    }
    // Let closes reach the server side.
    await new Promise((r) => setTimeout(r, 200));
    const after = openSockets();
    console.log(`stuck collector: ${accepted} accepted, ${open.size} still open at the server, ${after - before} more sockets in this process after 20 failed cycles`);
    expect(stats.exports.failure).toBe(20);
    expect(accepted).toBeGreaterThan(0);
    // The current exporter may hold one connection; every earlier one must be closed.
    expect(open.size).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(1);
    await d.shutdown();
    await new Promise((r) => setTimeout(r, 200));
    expect(open.size).toBe(0);
  });

  it('end markers: a failed send drops its channel, so the next send connects afresh and nothing is left open', async () => {
    const otlp: AgentConfig['export']['otlp'] = {
      endpoint: `http://127.0.0.1:${port}`,
      headers: {},
      timeoutMs: 100,
      replaySnapshots: 0,
      maxRequestKib: 1024,
      compression: 'gzip',
      endMarkers: true,
      tls: { ca: '', cert: '', key: '', insecure: false },
    };
    const acceptedBefore = accepted;
    const before = openSockets();
    const sender = new StalenessMarkerSender(otlp);
    for (let i = 0; i < 5; i++) await expect(sender.send(Buffer.alloc(0))).rejects.toMatchObject({ code: 4 /* DEADLINE_EXCEEDED */ });
    await new Promise((r) => setTimeout(r, 200));
    // One connection per send: a stuck channel was not kept for the next marker.
    expect(accepted - acceptedBefore).toBe(5);
    expect(open.size).toBe(0);
    expect(openSockets() - before).toBe(0);
    sender.close();
  });
});
