import { describe, expect, it } from 'vitest';
import { VersionTracker } from './versions';

describe('VersionTracker', () => {
  it('counts an in-order stream as received with nothing lost', () => {
    const t = new VersionTracker(10);
    for (let v = 11; v <= 20; v++) expect(t.accept(v)).toBe('next');
    expect([t.received, t.duplicates, t.outOfOrder, t.lost(20)]).toEqual([10, 0, 0, 0]);
  });

  it('flags duplicates, late arrivals and versions that never came', () => {
    const t = new VersionTracker(0);
    t.accept(1);
    expect(t.accept(1)).toBe('duplicate');
    expect(t.accept(4)).toBe('ahead');
    expect(t.accept(2)).toBe('late');
    expect(t.accept(2)).toBe('duplicate');
    expect(t.received).toBe(3);
    expect(t.duplicates).toBe(2);
    expect(t.outOfOrder).toBe(2);
    // 3 never arrived, nor 5 and 6.
    expect(t.lost(6)).toBe(3);
  });
});
