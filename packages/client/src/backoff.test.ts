/** Reconnect delays: full jitter under an exponential ceiling, reset after a stable connection. */
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('draws each delay uniformly from [0, min(cap, base·2^n))', () => {
    const top = new Backoff({ baseMs: 100, capMs: 1_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = new Backoff({ baseMs: 100, capMs: 1_000, random: () => 0 });
    expect([1, 2, 3].map(() => bottom.next())).toEqual([0, 0, 0]);
  });

  it('spreads a crowd of clients over the whole window (full jitter, not equal jitter)', () => {
    const delays = Array.from({ length: 2_000 }, () => {
      const b = new Backoff({ baseMs: 1_000, capMs: 1_000 });
      return b.next();
    });
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(900);
    expect(delays.every((d) => d >= 0 && d < 1_000)).toBe(true);
  });

  it('starts over after reset, and never overflows for huge attempt counts', () => {
    const b = new Backoff({ baseMs: 100, capMs: 30_000, random: () => 0.5 });
    for (let i = 0; i < 2_000; i++) b.next();
    expect(b.next()).toBe(15_000);
    b.reset();
    expect(b.next()).toBe(50);
  });
});
