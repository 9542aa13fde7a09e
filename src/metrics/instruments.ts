import { ValueType, type Attributes, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
import type { ContainerSample, MachineFacts, Snapshot, SnapshotSource } from '../collection/sample.js';
import type { ContainerOverCap, SeriesCap } from './container-series-cap.js';
import { MACHINE_IDENTITY_KEYS, type MetricSpec, type Point } from './spec.js';
import { SemconvIdentities, subjectOf } from './semconv/identity.js';
import type { SeriesHandles } from './series-handles.js';

/** Told about every observation, so the export side knows which series are live. */
export interface ObservationSink {
  beginCycle(): void;
  /** `attributes`: the series' real labels (its Series.attributes), never its handle. */
  observe(metricName: string, attributes: Attributes): void;
  endCycle(observations: number): void;
}

export interface Registration {
  /** Stop observing: the batch callback is removed from the meter. */
  unregister(): void;
  /**
   * True while a callback is still running. The SDK awaits the callback before its collection
   * completes, so at export time this means the collection gave up on it (its timeout passed): that
   * export carries the last cycle's values under a new timestamp and must not be sent.
   */
  readonly observing: boolean;
}

function createInstrument(meter: Meter, spec: MetricSpec): Observable {
  const options = {
    description: spec.description,
    unit: spec.unit,
    valueType: spec.valueType === 'int' ? ValueType.INT : ValueType.DOUBLE,
  };
  switch (spec.instrument) {
    case 'counter':
      return meter.createObservableCounter(spec.name, options);
    case 'updowncounter':
      return meter.createObservableUpDownCounter(spec.name, options);
    case 'gauge':
      return meter.createObservableGauge(spec.name, options);
  }
}

function machineAttributes(m: MachineFacts): Attributes {
  const [machineId, systemUuid, bootId] = MACHINE_IDENTITY_KEYS;
  return { [machineId]: m.machineId ?? '', [systemUuid]: m.systemUuid ?? '', [bootId]: m.bootId ?? '' };
}

export interface RegisterOptions {
  /**
   * Caps the series of each container per cycle (metrics.maxSeriesPerContainer). A container keeps
   * its first `limit` series in catalog order (specs order), within one metric in the order its row
   * lists the points; the rest are not observed this cycle, so they end like the series of a gone
   * container. Same input, same cut: which series go is deterministic.
   */
  seriesCap?: SeriesCap;
}

/**
 * Points observed between two yields to the event loop: about 5 ms of SDK observe calls on a busy
 * core, so a 46,000-point cycle (N = 1000) no longer holds the loop for its whole length.
 */
export const OBSERVE_SLICE_POINTS = 2000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Per container in one cycle: series observed, and series left out by the cap. */
interface Usage {
  kept: number;
  dropped: number;
}

/** One row's points for one entity: the first `take` finite ones are observed (the rest were cut by the cap). */
interface Batch {
  instrument: Observable;
  name: string;
  points: readonly Point[];
  base: Attributes;
  take: number;
}

/**
 * Creates one observable instrument per enabled catalog entry and ONE batch callback for all of them:
 * the snapshot is collected once per cycle and every instrument reads from it. This is the only place
 * that calls createObservable*.
 *
 * The SDK is given each series' handle (metrics/series-handles.ts), the sink its real labels; the
 * export side must expand the handles (export/sdk/expand-handles.ts) with the same `handles`.
 * All values of a cycle are read at once, then handed to the SDK in slices, yielding to the event loop
 * every OBSERVE_SLICE_POINTS points (the SDK awaits the batch callback); the order stays the
 * catalog's, and cycles of overlapping collections never interleave.
 */
export function registerCatalog(
  meter: Meter,
  specs: readonly MetricSpec[],
  source: SnapshotSource,
  sink: ObservationSink,
  handles: SeriesHandles,
  opts: RegisterOptions = {},
): Registration {
  const cap = opts.seriesCap !== undefined && opts.seriesCap.limit > 0 ? opts.seriesCap : undefined;
  const instruments = specs.map((spec) => ({ spec, instrument: createInstrument(meter, spec) }));
  const semconv = new SemconvIdentities();
  const agentBase: Attributes = Object.freeze({});
  /** The observing part of the last callback: the next one starts its cycle after it. */
  let observing: Promise<void> = Promise.resolve();

  let running = 0;

  const callback = async (result: BatchObservableResult): Promise<void> => {
    running++;
    try {
      await collectAndObserve(result);
    } finally {
      running--;
    }
  };

  const collectAndObserve = async (result: BatchObservableResult): Promise<void> => {
    let snapshot: Snapshot;
    try {
      snapshot = await source.collect();
    } catch (err) {
      // Nothing trustworthy this cycle: observe nothing, so the export carries no stale values.
      const empty = observing.then(() => {
        sink.beginCycle();
        handles.beginCycle();
        handles.endCycle();
        sink.endCycle(0);
      });
      observing = empty;
      await empty;
      throw err;
    }
    const batches = plan(snapshot);
    const run = observing.then(() => observeBatches(result, batches));
    observing = run.catch(() => undefined);
    await run;
  };

  /**
   * Every point of the cycle, read at once (no yield in here): the agent's own rows read live
   * counters (podpulse_cri_up, ...), so they must be taken at the same moment as the snapshot, and
   * after the cap's report (podpulse_container_series_over_limit_total counts this cycle's cut).
   */
  const plan = (snapshot: Snapshot): Batch[] => {
    const batches: Batch[] = [];
    const add = (instrument: Observable, name: string, points: readonly Point[], base: Attributes, usage?: Usage): void => {
      let finite = 0;
      for (const p of points) if (Number.isFinite(p.value)) finite++; // never export NaN/Infinity made up from a bad read
      let take = finite;
      if (cap && usage) {
        take = Math.max(0, Math.min(finite, cap.limit - usage.kept));
        usage.kept += take;
        usage.dropped += finite - take;
      }
      if (take > 0) batches.push({ instrument, name, points, base, take });
    };
    const usage = cap ? new Map<ContainerSample, Usage>() : undefined;
    for (const { spec, instrument } of instruments) {
      if (spec.entity === 'container') {
        for (const c of snapshot.containers) {
          // Semconv rows: only their subject's samples, with the semconv identity (later the point's Resource).
          if (spec.subject !== undefined && subjectOf(c) !== spec.subject) continue;
          const base = spec.subject === undefined ? (c.identity as unknown as Attributes) : semconv.of(c, spec.subject);
          let u: Usage | undefined;
          if (usage) {
            u = usage.get(c);
            if (!u) usage.set(c, (u = { kept: 0, dropped: 0 }));
          }
          add(instrument, spec.name, spec.points(c), base, u);
        }
      } else if (spec.entity === 'machine' && snapshot.machine) {
        add(instrument, spec.name, spec.points(snapshot.machine), machineAttributes(snapshot.machine));
      }
    }
    // Before the agent's own rows: podpulse_container_series_over_limit_total then counts this cycle's cut.
    if (cap && usage) {
      const over: ContainerOverCap[] = [];
      for (const [c, u] of usage) if (u.dropped > 0) over.push({ identity: c.identity, observed: u.kept + u.dropped, kept: u.kept });
      if (over.length > 0) cap.report(over);
    }
    for (const { spec, instrument } of instruments) {
      if (spec.entity === 'agent') add(instrument, spec.name, spec.points(snapshot.agent), agentBase);
    }
    return batches;
  };

  /** Hands the planned points to the SDK (handles) and the sink (labels), yielding between slices. */
  const observeBatches = async (result: BatchObservableResult, batches: readonly Batch[]): Promise<void> => {
    sink.beginCycle();
    handles.beginCycle();
    let observations = 0;
    let sinceYield = 0;
    for (const b of batches) {
      let left = b.take;
      for (const p of b.points) {
        if (left === 0) break;
        if (!Number.isFinite(p.value)) continue;
        left--;
        const series = handles.of(b.base, p.attributes);
        result.observe(b.instrument, p.value, series.handle);
        sink.observe(b.name, series.attributes);
      }
      observations += b.take;
      sinceYield += b.take;
      if (sinceYield >= OBSERVE_SLICE_POINTS) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    handles.endCycle();
    sink.endCycle(observations);
  };

  const observables = instruments.map((i) => i.instrument);
  meter.addBatchObservableCallback(callback, observables);
  return {
    unregister: () => meter.removeBatchObservableCallback(callback, observables),
    get observing() {
      return running > 0;
    },
  };
}
