import type { Attributes, BatchObservableResult } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { OnDemandReader } from '../src/export/sdk/pipeline.js';
import { createInstrument } from '../src/metrics/instruments.js';
import type { MetricSpec } from '../src/metrics/spec.js';
import { SERIES_HANDLE_KEY } from '../src/metrics/series-handles.js';
import type { CycleSamples } from './protocol.js';
import { cpuMicros } from './stats.js';

/**
 * The SDK reference: @opentelemetry/sdk-metrics with nothing of podpulse around it. The same observable
 * instruments as the agent's enabled catalog rows (kind, value type), as many points per instrument as
 * the agent's last export carried, attribute objects of one key built once (what podpulse's series
 * handles give the SDK), one batch callback, cumulative temporality, one MetricReader.collect() per
 * cycle. No read, no parse, no label expansion, no live filter, no encoding.
 *
 * Issue 11 keeps the catalog on observable instruments of this SDK, so this is the least the SDK phase
 * can cost per container on this machine: the FULL cycle cannot go below it plus the read.
 */

export interface SdkShapeRow {
  spec: MetricSpec;
  /** Points of this metric in one export. */
  points: number;
}

function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/** CPU and wall time per whole collection (not per container), warm-up cycles left out. */
export interface SdkAloneSamples extends CycleSamples {
  /** Points in the last collection's output: the SDK built every planned point. */
  points: number;
}

export async function measureSdkAlone(rows: readonly SdkShapeRow[], cycles: number, warmup: number): Promise<SdkAloneSamples> {
  const largest = rows.reduce((m, r) => Math.max(m, r.points), 0);
  const reader = new OnDemandReader({ cardinalitySelector: () => largest + 1 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('podpulse-sdk-reference');
  // One handle per point, numbered across instruments as the agent numbers its series.
  let next = 1;
  const planned = rows.map((r) => {
    // The agent's own instrument creation (kind, unit, description, value type), nothing else of it.
    const instrument = createInstrument(meter, r.spec);
    const handles: Attributes[] = [];
    for (let i = 0; i < r.points; i++) handles.push(Object.freeze({ [SERIES_HANDLE_KEY]: next++ }));
    return { instrument, handles, integer: r.spec.valueType === 'int' };
  });
  let cycle = 0;
  meter.addBatchObservableCallback(
    (result: BatchObservableResult) => {
      // Counters grow every cycle, as the kernel's do, so the SDK's cumulative bookkeeping does real work.
      cycle++;
      for (const p of planned) {
        for (let i = 0; i < p.handles.length; i++) result.observe(p.instrument, p.integer ? cycle * 1000 + i : cycle * 0.5 + i, p.handles[i]);
      }
    },
    planned.map((p) => p.instrument),
  );
  const out: SdkAloneSamples = { cpuUs: [], wallMs: [], points: 0 };
  try {
    for (let i = 0; i < warmup + cycles; i++) {
      await yieldToTimers();
      const c0 = cpuMicros();
      const w0 = performance.now();
      const { resourceMetrics, errors } = await reader.collect();
      const cpu = cpuMicros() - c0;
      const wall = performance.now() - w0;
      if (errors.length > 0) throw errors[0];
      out.points = 0;
      for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) out.points += m.dataPoints.length;
      if (i >= warmup) {
        out.cpuUs.push(cpu);
        out.wallMs.push(wall);
      }
    }
  } finally {
    await provider.shutdown();
  }
  return out;
}
