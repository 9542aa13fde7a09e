import { describe, expect, it } from 'vitest';
import { MonotonicCounters } from '../src/collection/monotonic-counters.js';

describe('MonotonicCounters', () => {
  it('passes rising values through and carries a drop forward', () => {
    const m = new MonotonicCounters();
    expect(m.value('/:sda:read', 100)).toBe(100);
    expect(m.value('/:sda:read', 150)).toBe(150);
    // A removed child took 120 with it: the counter continues from 150 instead of falling to 30.
    expect(m.value('/:sda:read', 30)).toBe(150);
    expect(m.value('/:sda:read', 40)).toBe(160);
    expect(m.value('/:sda:write', 7)).toBe(7);
  });

  it('forgets series whose cgroup is gone', () => {
    const m = new MonotonicCounters();
    m.value('a', 10);
    m.value('b', 10);
    m.endCycle();
    m.value('a', 11);
    m.endCycle();
    expect(m.size).toBe(1);
    // A re-created cgroup with the same path starts afresh.
    expect(m.value('b', 2)).toBe(2);
  });
});
