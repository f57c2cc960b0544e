import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram';

describe('Histogram', () => {
  it('gives percentiles to the bucket width, and merges across processes', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 500; i++) a.add(i * 100); // 0.1 ms … 50 ms
    for (let i = 501; i <= 1000; i++) b.add(i * 100); // … 100 ms
    a.merge(b.toData());
    const s = a.summary();
    expect(s.count).toBe(1000);
    expect(s.p50Ms).toBeCloseTo(50, 1);
    expect(s.p99Ms).toBeCloseTo(99, 1);
    expect(s.maxMs).toBe(100);
  });

  it('measures seconds-long latencies to the millisecond, and keeps the exact maximum past the last bucket', () => {
    const h = new Histogram();
    for (let i = 0; i < 99; i++) h.add(9_000_400);
    h.add(200_000_000);
    expect(h.summary().p50Ms).toBe(9001);
    expect(h.summary().maxMs).toBe(200_000);
    expect(h.quantileUs(1)).toBe(200_000_000);
  });
});
