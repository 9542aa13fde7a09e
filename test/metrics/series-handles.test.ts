import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/metrics/catalog.js';
import { RESOURCE_IDENTITY_KEYS } from '../../src/metrics/semconv/identity.js';
import { SERIES_HANDLE_KEY, SeriesHandles } from '../../src/metrics/series-handles.js';
import { MACHINE_IDENTITY_KEYS } from '../../src/metrics/spec.js';

const HASH = 'f'.repeat(64);

/** A container identity as discovery builds it: a new object every call. */
function identity(id: string, pod = '', namespace = ''): Attributes {
  return { id, name: HASH, image: 'registry.k8s.io/pause:3.9', container: pod ? 'app' : '', pod, namespace };
}

function numberOf(handle: Attributes): number {
  return handle[SERIES_HANDLE_KEY] as number;
}

/** One cycle observing each base alone and with `cpu: total`. */
function cycle(h: SeriesHandles, bases: Attributes[]): void {
  h.beginCycle();
  for (const b of bases) {
    h.of(b, undefined);
    h.of(b, { cpu: 'total' });
  }
  h.endCycle();
}

describe('SeriesHandles', () => {
  it('gives the SDK a one-key handle and keeps the full labels beside it', () => {
    const h = new SeriesHandles();
    h.beginCycle();
    const s = h.of(identity('/a'), { cpu: 'total' });
    expect(Object.keys(s.handle)).toEqual([SERIES_HANDLE_KEY]);
    expect(typeof s.handle[SERIES_HANDLE_KEY]).toBe('number');
    expect(s.attributes).toEqual({ ...identity('/a'), cpu: 'total' });
    expect(h.attributesOf(s.handle)).toBe(s.attributes);
    expect(Object.isFrozen(s.attributes) && Object.isFrozen(s.handle)).toBe(true);
  });

  it('same label content ⇒ same handle and label object, across identity objects rebuilt every cycle', () => {
    const h = new SeriesHandles();
    const seen: { self: Attributes; cpu: Attributes; selfAttrs: Attributes }[] = [];
    for (let i = 0; i < 3; i++) {
      h.beginCycle();
      const self = h.of(identity('/a'), undefined);
      // A second object with the same labels in the same cycle, and fresh extra objects.
      const cpu = h.of(identity('/a'), { cpu: 'total' });
      expect(h.of({ ...identity('/a') }, { cpu: 'total' })).toBe(cpu);
      seen.push({ self: self.handle, cpu: cpu.handle, selfAttrs: self.attributes });
      h.endCycle();
    }
    expect(new Set(seen.map((s) => s.self)).size).toBe(1);
    expect(new Set(seen.map((s) => s.cpu)).size).toBe(1);
    expect(new Set(seen.map((s) => s.selfAttrs)).size).toBe(1);
    expect(seen[0]?.self).not.toBe(seen[0]?.cpu);
  });

  it('changed label content (CRI labels arrive for a container first seen raw) ⇒ a new handle, the old one forgotten after its grace cycle', () => {
    const h = new SeriesHandles();
    h.beginCycle();
    const raw = h.of(identity('/kubepods/x'), undefined);
    h.endCycle();
    h.beginCycle();
    const named = h.of(identity('/kubepods/x', 'web-0', 'default'), undefined);
    h.endCycle();
    expect(numberOf(named.handle)).not.toBe(numberOf(raw.handle));
    expect(named.attributes).toMatchObject({ id: '/kubepods/x', pod: 'web-0', namespace: 'default' });
    // The export right after still names the old series (its end marker needs the labels) ...
    expect(h.attributesOf(raw.handle)).toEqual(identity('/kubepods/x'));
    cycle(h, [identity('/kubepods/x', 'web-0', 'default')]);
    // ... and one cycle later it is forgotten.
    expect(h.attributesOf(raw.handle)).toBeUndefined();
    expect(h.attributesOf(named.handle)).toBe(named.attributes);
  });

  it('an identity object changed in place is a new series (content is checked once per object per cycle)', () => {
    const h = new SeriesHandles();
    const id = identity('/a');
    h.beginCycle();
    const before = h.of(id, undefined);
    h.endCycle();
    id.pod = 'web-0';
    h.beginCycle();
    const after = h.of(id, undefined);
    h.endCycle();
    expect(numberOf(after.handle)).not.toBe(numberOf(before.handle));
    expect(before.attributes.pod).toBe(''); // the exported labels are a copy, not discovery's object
    expect(after.attributes.pod).toBe('web-0');
  });

  it('a series unobserved for one cycle keeps its handle; numbers are never handed out twice', () => {
    const h = new SeriesHandles();
    cycle(h, [identity('/a'), identity('/b')]);
    h.beginCycle();
    const a1 = h.of(identity('/a'), undefined);
    h.endCycle();
    cycle(h, [identity('/b')]); // /a skipped one cycle
    h.beginCycle();
    expect(h.of(identity('/a'), undefined)).toBe(a1);
    h.endCycle();
    const numbers = new Set<number>();
    const all = new SeriesHandles();
    for (let c = 0; c < 20; c++) {
      all.beginCycle();
      // Half the ids come back after being forgotten: they must get new numbers.
      for (let i = 0; i < 10; i++) numbers.add(numberOf(all.of(identity(`/c${(c % 4) * 10 + i}`), undefined).handle));
      all.endCycle();
    }
    // Each group came back after three unobserved cycles (forgotten): 20 × 10 observations, all new numbers.
    expect(numbers.size).toBe(200);
    expect(Math.min(...numbers)).toBe(1);
    expect(all.nextHandle).toBe(201);
    const successor = new SeriesHandles(all.nextHandle);
    successor.beginCycle();
    expect(numberOf(successor.of(identity('/c0'), undefined).handle)).toBe(all.nextHandle);
  });

  it('stays bounded under churn: only the series of the last two cycles are remembered', () => {
    const h = new SeriesHandles();
    for (let c = 0; c < 200; c++) {
      cycle(
        h,
        Array.from({ length: 50 }, (_, i) => identity(`/churn/c${c}-${i}`)),
      );
      expect(h.size).toBeLessThanOrEqual(2 * 50 * 2);
    }
    expect(h.size).toBe(2 * 50 * 2);
    // Churn of a point's own attributes under one long-lived container (per-process pids) too.
    const p = new SeriesHandles();
    for (let c = 0; c < 200; c++) {
      p.beginCycle();
      for (let pid = 0; pid < 20; pid++) p.of(identity('/long'), { pid: String(c * 100 + pid) });
      p.endCycle();
    }
    expect(p.size).toBe(40);
  });

  it('puts each base label set in a group when first seen (round robin over that cycle\'s groups); its series keep it for life', () => {
    const h = new SeriesHandles();
    const groupOf = new Map<number, number>();
    for (let c = 0; c < 4; c++) {
      // The first cycle spreads over 8 groups, later ones over 1: series seen before keep their group.
      h.beginCycle(c === 0 ? 8 : 1);
      // Rebuilt identity objects every cycle, several series per base.
      for (let i = 0; i < 800; i++) {
        const group = h.of(identity(`/c${i}`), undefined).group;
        expect(h.of(identity(`/c${i}`), { cpu: 'total' }).group).toBe(group);
        expect(h.of({ ...identity(`/c${i}`) }, { interface: 'eth0' }).group).toBe(group);
        expect(groupOf.get(i) ?? group).toBe(group);
        groupOf.set(i, group);
      }
      h.endCycle();
    }
    // Evenly: 800 bases, 8 groups, 100 each.
    const perGroup = new Map<number, number>();
    for (const g of groupOf.values()) perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    expect([...perGroup.entries()].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 8 }, (_, g) => [g, 100]));
    // A base first seen in a one-group cycle is in group 0; changed labels are a new base.
    h.beginCycle(1);
    expect(h.of(identity('/c0', 'web-0', 'shop'), undefined).group).toBe(0);
    h.endCycle();
    // A forgotten base that comes back is placed anew (with new handles, so no handle changes group).
    cycle(h, [identity('/other')]);
    cycle(h, [identity('/other')]);
    h.beginCycle(3);
    const back = [h.of(identity('/c1'), undefined), h.of(identity('/c2'), undefined), h.of(identity('/c3'), undefined)];
    h.endCycle();
    expect(back.map((s) => s.group).sort()).toEqual([0, 1, 2]);
    expect(back.every((s) => h.attributesOf(s.handle) === s.attributes)).toBe(true);
  });

  it('its key can never be a real label: not a catalog attribute, identity key or Prometheus label name', () => {
    const real = new Set<string>([
      ...Object.keys(identity('/')),
      ...MACHINE_IDENTITY_KEYS,
      ...RESOURCE_IDENTITY_KEYS,
      ...catalog.flatMap((s) => s.attributes),
    ]);
    expect(real.size).toBeGreaterThan(10);
    expect(real.has(SERIES_HANDLE_KEY)).toBe(false);
    for (const k of real) expect(k.includes('\u0000')).toBe(false);
    expect(/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(SERIES_HANDLE_KEY)).toBe(false);
    expect(SERIES_HANDLE_KEY.startsWith('container_label_')).toBe(false);
  });
});
