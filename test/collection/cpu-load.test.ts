import { describe, expect, it } from 'vitest';
import { LoadAverages, milli, nextLoad } from '../../src/collection/cpu-load.js';

const states = (running: number, uninterruptible = 0) => ({ running, sleeping: 0, stopped: 0, uninterruptible });

describe('load average EWMA (cAdvisor manager/container.go updateLoad)', () => {
  it('takes the first sample as is', () => {
    expect(nextLoad(undefined, states(3, 1), 1000)).toEqual({ load: 3, loadD: 1, atMs: 1000 });
  });

  it('decays by exp(-Δt/10 s) using the time actually elapsed', () => {
    const first = nextLoad(undefined, states(0), 0);
    const d = Math.exp(-1);
    const next = nextLoad(first, states(2), 10_000);
    expect(next.load).toBeCloseTo(2 * (1 - d), 12);
    // Two 5 s steps equal one 10 s step: the decay compounds.
    const twoSteps = nextLoad(nextLoad(first, states(2), 5000), states(2), 10_000);
    expect(twoSteps.load).toBeCloseTo(next.load, 12);
  });

  it('approaches a constant load: 2 busy tasks sampled every 10 s are within 1 % of 2 after 5 cycles', () => {
    let s = nextLoad(undefined, states(0), 0);
    for (let i = 1; i <= 5; i++) s = nextLoad(s, states(2), i * 10_000);
    expect(s.load).toBeGreaterThan(1.98);
    expect(milli(s.load)).toBe(Math.trunc(s.load * 1000));
  });

  it('keeps the state when the clock did not advance', () => {
    const s = nextLoad(undefined, states(1), 5000);
    expect(nextLoad(s, states(9), 5000)).toBe(s);
    expect(nextLoad(s, states(9), 4000)).toBe(s);
  });

  it('forgets a cgroup not seen in a cycle, but not one kept', () => {
    const l = new LoadAverages();
    l.update('/a', states(4), 0);
    l.update('/b', states(4), 0);
    l.endCycle();
    l.keep('/a');
    l.endCycle();
    // /a kept its state (the next sample decays from 4), /b starts over.
    expect(l.update('/a', states(0), 10_000).load).toBeCloseTo(4 * Math.exp(-1), 12);
    expect(l.update('/b', states(0), 10_000).load).toBe(0);
  });

  it('writes the milli-load truncated, as cAdvisor\'s int32(avg*1000)', () => {
    expect(milli(1.9999)).toBe(1999);
    expect(milli(0)).toBe(0);
  });
});
