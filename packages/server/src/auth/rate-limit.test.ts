import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit';

describe('FailureLimiter', () => {
  it('allows max failures per window, then says how long to wait, then forgets', () => {
    const l = new FailureLimiter({ max: 3, windowMs: 60_000 });
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('k', t + i)).toBe(0);
      l.fail('k', t + i);
    }
    expect(l.retryAfter('k', t + 10)).toBe(60);
    expect(l.retryAfter('other', t + 10)).toBe(0);
    // The oldest failure ages out after the window.
    expect(l.retryAfter('k', t + 60_001)).toBe(0);
  });

  it('forgets a key on success', () => {
    const l = new FailureLimiter({ max: 1, windowMs: 60_000 });
    l.fail('k', 0);
    expect(l.retryAfter('k', 1)).toBeGreaterThan(0);
    l.reset('k');
    expect(l.retryAfter('k', 1)).toBe(0);
  });

  it('keeps memory bounded by dropping the oldest keys', () => {
    const l = new FailureLimiter({ max: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) l.fail(`k${i}`, 0);
    expect(l.retryAfter('k0', 1)).toBe(0);
    expect(l.retryAfter('k999', 1)).toBeGreaterThan(0);
  });
});
