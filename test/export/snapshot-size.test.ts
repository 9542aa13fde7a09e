/**
 * The replay queue weighs snapshots by an estimate of their OTLP size; this checks the estimate
 * against the real encoder on the agent's own snapshots of both fixture roots.
 */
import { resolve } from 'node:path';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { countPoints } from '../../src/export/sdk/count-points.js';
import { estimateSnapshotBytes } from '../../src/export/otlp/snapshot-size.js';

describe('estimateSnapshotBytes', () => {
  it.each(['host-v1', 'cgroup-v2'])('is within 5 %% of the encoded request for a snapshot of %s', async (root) => {
    const abs = resolve('test/fixtures', root);
    const { config } = loadConfig(['--paths-proc', `${abs}/proc`, '--paths-sys', `${abs}/sys`, '--paths-rootfs', abs, '--cri-endpoint', '/nonexistent.sock'], {});
    const rm = await new Agent({ config, env: {}, log: pino({ level: 'silent' }) }).collectOnce();
    const encoded = ProtobufMetricsSerializer.serializeRequest(rm)?.length ?? 0;
    const estimate = estimateSnapshotBytes(rm);
    console.log(`[snapshot-size] ${root}: ${countPoints(rm)} points, encoded ${encoded} B, estimated ${estimate} B (${(((estimate - encoded) / encoded) * 100).toFixed(1)} %)`);
    expect(countPoints(rm)).toBeGreaterThan(100);
    expect(Math.abs(estimate - encoded) / encoded).toBeLessThan(0.05);
    // With a cache (as OtlpDelivery weighs every snapshot) the figure is the same, first and again.
    const cache = new WeakMap<object, number>();
    expect(estimateSnapshotBytes(rm, cache)).toBe(estimate);
    expect(estimateSnapshotBytes(rm, cache)).toBe(estimate);
  });
});
