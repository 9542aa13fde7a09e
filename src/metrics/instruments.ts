import { ValueType, type Attributes, type BatchObservableCallback, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
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

/** The catalog row's observable instrument (the bench's SDK reference creates its instruments with it too). */
export function createInstrument(meter: Meter, spec: MetricSpec): Observable {
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
  /** Points per meter before a cycle's new series are spread over more meters (default POINTS_PER_METER). */
  pointsPerMeter?: number;
}

/**
 * Points one meter is given before new series are spread over more meters: the SDK records and
 * collects a meter's points in one synchronous stretch of ~2 µs per point, so ~12 ms here. Each
 * meter with points costs ~0.4 ms per collection of its own (its instruments' storages; ~0.2 ms
 * when empty), so a small node keeps its series on one meter (N = 100: 5,300 points).
 */
export const POINTS_PER_METER = 6000;

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
  /** The row's index in `specs`, so also of its instrument on every meter. */
  row: number;
  name: string;
  points: readonly Point[];
  base: Attributes;
  take: number;
}

/** One meter and its instruments, in catalog order. */
interface Shard {
  meter: Meter;
  instruments: Observable[];
}

/** A callback's part in one collection: its result object, and how its wait ends. */
interface Waiter {
  result: BatchObservableResult;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One collection as the meters' callbacks see it: the SDK calls every meter's callback in the same
 * pass, and they all wait for the one snapshot and the one observing pass made for them.
 */
interface Collection {
  /** By meter; empty until that meter's callback joins. */
  waiters: (Waiter | undefined)[];
  /** By meter: points observed on it this cycle. */
  observed: number[];
  /** Still taking callbacks: until its observing pass starts. */
  open: boolean;
}

/**
 * Creates one observable instrument per enabled catalog entry on every meter, and ONE batch callback
 * per meter: the snapshot is collected once per collection and every instrument reads from it. This
 * is the only caller of createInstrument in the agent.
 *
 * Several meters (shards): once a batch callback's promise resolves, the SDK records that callback's
 * observations and collects every storage of its meter in one synchronous stretch (~2 µs per point,
 * so 80–110 ms for the 53,000 points of N = 1000 on one meter). Each series belongs to one meter for
 * its whole life (its base label set's group, metrics/series-handles.ts: a container's series stay
 * together, and a series never leaves a dead copy in another meter); the series new in a cycle are
 * spread over as many meters as that cycle's points need (POINTS_PER_METER each), and the callbacks
 * are resolved one after another with an event-loop turn between, so each meter's record and collect
 * is a stretch of its own. This relies on the SDK's MetricCollector collecting its meters
 * concurrently (each continues when its own callbacks resolve); the export side merges the meters'
 * scopes back into one (export/sdk/shard-scopes.ts).
 *
 * The SDK is given each series' handle (metrics/series-handles.ts), the sink its real labels; the
 * export side must expand the handles (export/sdk/expand-handles.ts) with the same `handles`.
 * All values of a cycle are read at once, then handed to the SDK in slices, yielding to the event loop
 * every OBSERVE_SLICE_POINTS points (the SDK awaits the batch callbacks); the order stays the
 * catalog's, and cycles of overlapping collections never interleave.
 */
export function registerCatalog(
  meters: Meter | readonly Meter[],
  specs: readonly MetricSpec[],
  source: SnapshotSource,
  sink: ObservationSink,
  handles: SeriesHandles,
  opts: RegisterOptions = {},
): Registration {
  const cap = opts.seriesCap !== undefined && opts.seriesCap.limit > 0 ? opts.seriesCap : undefined;
  const pointsPerMeter = Math.max(1, opts.pointsPerMeter ?? POINTS_PER_METER);
  const shards: Shard[] = (Array.isArray(meters) ? meters : [meters as Meter]).map((meter) => ({ meter, instruments: specs.map((spec) => createInstrument(meter, spec)) }));
  if (shards.length === 0) throw new Error('registerCatalog needs at least one meter');
  const semconv = new SemconvIdentities();
  const agentBase: Attributes = Object.freeze({});
  /** The observing part of the last collection: the next one starts its cycle after it. */
  let observing: Promise<void> = Promise.resolve();
  /** The collection the next callback joins, while it is open. */
  let latest: Collection | undefined;

  let running = 0;

  const callbackOf =
    (shard: number) =>
    async (result: BatchObservableResult): Promise<void> => {
      running++;
      try {
        await join(shard, result);
      } finally {
        running--;
      }
    };
  const callbacks = shards.map((_, i) => callbackOf(i));

  /**
   * The first callback of a collection starts it; the other meters' callbacks, called by the SDK in
   * the same pass, join it. A callback whose meter already has a part in the open collection belongs
   * to the next one (the SDK gave up on the last and started a new collection).
   */
  const join = (shard: number, result: BatchObservableResult): Promise<void> => {
    let collection = latest;
    const fresh = !collection || !collection.open || collection.waiters[shard] !== undefined;
    if (!collection || fresh) latest = collection = { waiters: [], observed: [], open: true };
    const joined = collection;
    const waiting = new Promise<void>((resolve, reject) => {
      joined.waiters[shard] = { result, resolve, reject };
    });
    if (fresh) void collectAndObserve(joined);
    return waiting;
  };

  /** Never rejects: each waiter's promise carries the outcome (settling one twice changes nothing). */
  const collectAndObserve = async (collection: Collection): Promise<void> => {
    try {
      await collectAndObserveOnce(collection);
    } catch (err) {
      // A failed or half-observed cycle must not be recorded by any meter.
      for (const w of collection.waiters) w?.reject(err);
    }
  };

  const collectAndObserveOnce = async (collection: Collection): Promise<void> => {
    let snapshot: Snapshot;
    try {
      snapshot = await source.collect();
    } catch (err) {
      // Nothing trustworthy this cycle: observe nothing, so the export carries no stale values.
      const empty = observing.then(() => {
        collection.open = false;
        sink.beginCycle();
        handles.beginCycle();
        handles.endCycle();
        sink.endCycle(0);
      });
      observing = empty;
      await empty;
      // Once, on the first meter's callback: the others observed nothing and resolve.
      const [first, ...rest] = collection.waiters.filter((w): w is Waiter => w !== undefined);
      first?.reject(err);
      for (const w of rest) w.resolve();
      return;
    }
    const batches = plan(snapshot);
    // The release is part of the chain: the next collection's cycle starts once every meter recorded this one.
    const run = observing.then(async () => {
      await observeBatches(collection, batches);
      await release(collection);
    });
    observing = run.catch(() => undefined);
    await run;
  };

  /**
   * One meter's record + collect per event-loop turn: the SDK runs it in the microtasks after its
   * callback resolves. A meter observed nothing this cycle costs next to nothing: no turn of its own.
   */
  const release = async (collection: Collection): Promise<void> => {
    let busy = false;
    for (const [i, w] of collection.waiters.entries()) {
      if (!w) continue;
      const observed = (collection.observed[i] ?? 0) > 0;
      if (busy && observed) await yieldToLoop();
      w.resolve();
      busy ||= observed;
    }
  };

  /**
   * Every point of the cycle, read at once (no yield in here): the agent's own rows read live
   * counters (podpulse_cri_up, ...), so they must be taken at the same moment as the snapshot, and
   * after the cap's report (podpulse_container_series_over_limit_total counts this cycle's cut).
   */
  const plan = (snapshot: Snapshot): Batch[] => {
    const batches: Batch[] = [];
    const add = (row: number, name: string, points: readonly Point[], base: Attributes, usage?: Usage): void => {
      let finite = 0;
      for (const p of points) if (Number.isFinite(p.value)) finite++; // never export NaN/Infinity made up from a bad read
      let take = finite;
      if (cap && usage) {
        take = Math.max(0, Math.min(finite, cap.limit - usage.kept));
        usage.kept += take;
        usage.dropped += finite - take;
      }
      if (take > 0) batches.push({ row, name, points, base, take });
    };
    const usage = cap ? new Map<ContainerSample, Usage>() : undefined;
    specs.forEach((spec, row) => {
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
          add(row, spec.name, spec.points(c), base, u);
        }
      } else if (spec.entity === 'machine' && snapshot.machine) {
        add(row, spec.name, spec.points(snapshot.machine), machineAttributes(snapshot.machine));
      }
    });
    // Before the agent's own rows: podpulse_container_series_over_limit_total then counts this cycle's cut.
    if (cap && usage) {
      const over: ContainerOverCap[] = [];
      for (const [c, u] of usage) if (u.dropped > 0) over.push({ identity: c.identity, observed: u.kept + u.dropped, kept: u.kept });
      if (over.length > 0) cap.report(over);
    }
    specs.forEach((spec, row) => {
      if (spec.entity === 'agent') add(row, spec.name, spec.points(snapshot.agent), agentBase);
    });
    return batches;
  };

  /**
   * Hands the planned points to the SDK (handles, each to its series' meter) and the sink (labels),
   * yielding between slices.
   */
  const observeBatches = async (collection: Collection, batches: readonly Batch[]): Promise<void> => {
    collection.open = false;
    const { waiters, observed } = collection;
    let points = 0;
    for (const b of batches) points += b.take;
    sink.beginCycle();
    // This cycle's new series go to as many meters as this cycle's points need (earlier ones stay where they are).
    handles.beginCycle(Math.min(shards.length, Math.ceil(points / pointsPerMeter)));
    let observations = 0;
    let sinceYield = 0;
    for (const b of batches) {
      let left = b.take;
      for (const p of b.points) {
        if (left === 0) break;
        if (!Number.isFinite(p.value)) continue;
        left--;
        const series = handles.of(b.base, p.attributes);
        const shard = series.group % shards.length;
        // A meter whose callback did not join this collection records nothing: its series are not live.
        const w = waiters[shard];
        if (!w) continue;
        w.result.observe((shards[shard] as Shard).instruments[b.row] as Observable, p.value, series.handle);
        observed[shard] = (observed[shard] ?? 0) + 1;
        sink.observe(b.name, series.attributes);
        observations++;
      }
      sinceYield += b.take;
      if (sinceYield >= OBSERVE_SLICE_POINTS) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    handles.endCycle();
    sink.endCycle(observations);
  };

  shards.forEach((s, i) => s.meter.addBatchObservableCallback(callbacks[i] as BatchObservableCallback, s.instruments));
  return {
    unregister: () => shards.forEach((s, i) => s.meter.removeBatchObservableCallback(callbacks[i] as BatchObservableCallback, s.instruments)),
    get observing() {
      return running > 0;
    },
  };
}
