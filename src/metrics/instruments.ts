import { ValueType, type Attributes, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
import { AttributeSets } from './attribute-sets.js';
import type { ContainerSample, MachineFacts, Snapshot, SnapshotSource } from '../collection/sample.js';
import { MACHINE_IDENTITY_KEYS, type MetricSpec, type Point } from './spec.js';
import { SemconvIdentities, subjectOf } from './semconv/identity.js';

/** Told about every observation, so the export side knows which series are live. */
export interface ObservationSink {
  beginCycle(): void;
  observe(metricName: string, attributes: Attributes): void;
  endCycle(observations: number): void;
}

export interface Registration {
  /** Stop observing: the batch callback is removed from the meter. */
  unregister(): void;
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

/**
 * Creates one observable instrument per enabled catalog entry and ONE batch callback for all of them:
 * the snapshot is collected once per cycle and every instrument reads from it. This is the only place
 * that calls createObservable*.
 */
export function registerCatalog(meter: Meter, specs: readonly MetricSpec[], source: SnapshotSource, sink: ObservationSink): Registration {
  const instruments = specs.map((spec) => ({ spec, instrument: createInstrument(meter, spec) }));
  const sets = new AttributeSets();
  const semconv = new SemconvIdentities();

  const callback = async (result: BatchObservableResult): Promise<void> => {
    let snapshot: Snapshot;
    try {
      snapshot = await source.collect();
    } catch (err) {
      // Nothing trustworthy this cycle: observe nothing, so the export carries no stale values.
      sink.beginCycle();
      sink.endCycle(0);
      throw err;
    }
    sink.beginCycle();
    let observations = 0;
    const emit = (instrument: Observable, name: string, points: readonly Point[], base: Attributes): void => {
      for (const p of points) {
        if (!Number.isFinite(p.value)) continue; // never export NaN/Infinity made up from a bad read
        const attributes = sets.of(base, name, p.attributes);
        result.observe(instrument, p.value, attributes);
        sink.observe(name, attributes);
        observations++;
      }
    };
    for (const { spec, instrument } of instruments) {
      switch (spec.entity) {
        case 'container':
          if (spec.subject === undefined) {
            for (const c of snapshot.containers) emit(instrument, spec.name, spec.points(c), c.identity as unknown as Attributes);
          } else {
            // Semconv rows: only their subject's samples, with the semconv identity (later the point's Resource).
            for (const c of snapshot.containers) {
              if (subjectOf(c) === spec.subject) emit(instrument, spec.name, spec.points(c), semconv.of(c, spec.subject));
            }
          }
          break;
        case 'machine':
          if (snapshot.machine) emit(instrument, spec.name, spec.points(snapshot.machine), sets.machine(machineAttributes(snapshot.machine)));
          break;
        case 'agent':
          emit(instrument, spec.name, spec.points(snapshot.agent), sets.agentBase);
          break;
      }
    }
    sink.endCycle(observations);
  };

  const observables = instruments.map((i) => i.instrument);
  meter.addBatchObservableCallback(callback, observables);
  return { unregister: () => meter.removeBatchObservableCallback(callback, observables) };
}
