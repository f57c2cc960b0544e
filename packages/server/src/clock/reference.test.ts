/**
 * The reference-clock estimator on a simulated network: virtual time, no Redis. Each request to
 * the reference takes `up` ms out and `down` ms back, so the true offset is known exactly.
 */
import { describe, expect, it } from 'vitest';
import { bestSample, LocalClock, SyncedClock } from './reference';

function simulatedNetwork(trueOffset: number, delays: [up: number, down: number][]) {
  let t = 1_700_000_000_000; // local time, advanced only by the simulated network
  let i = 0;
  return {
    local: () => t,
    advance: (ms: number) => (t += ms),
    source: async () => {
      const [up, down] = delays[i++ % delays.length]!;
      t += up;
      const ref = t + trueOffset;
      t += down;
      return ref;
    },
  };
}

describe('reference clock', () => {
  it('keeps the sample with the smallest round trip', () => {
    expect(
      bestSample([
        { offset: 5, rtt: 4 },
        { offset: 1, rtt: 0.5 },
        { offset: 9, rtt: 2 },
      ]),
    ).toEqual({
      offset: 1,
      rtt: 0.5,
    });
    expect(bestSample([])).toBeNull();
  });

  it('estimates a 3 s offset within the bound given by the fastest round trip', async () => {
    // Queueing on the way back distorts slow samples by up to 20 ms; the fast one by 0.1 ms.
    const net = simulatedNetwork(3_000, [
      [1, 40],
      [0.2, 0.4],
      [15, 1],
      [2, 30],
    ]);
    const clock = new SyncedClock({ source: net.source, local: net.local, burst: 4 });
    expect(await clock.sync()).toBe(true);
    const { offsetMs, errorMs, synced } = clock.status();
    expect(synced).toBe(true);
    expect(Math.abs(offsetMs - 3_000)).toBeLessThanOrEqual(errorMs);
    expect(errorMs).toBeCloseTo(0.301, 3);
    expect(clock.now() - net.local()).toBeCloseTo(offsetMs, 6);
  });

  it('keeps a good estimate when a later burst only met a congested link, and ages it by drift', async () => {
    const delays: [number, number][] = [[0.1, 0.1]];
    const net = simulatedNetwork(-2_500, delays);
    const clock = new SyncedClock({ source: net.source, local: net.local, burst: 3, driftPpm: 100 });
    await clock.sync();
    const good = clock.status();
    delays[0] = [1, 60]; // every sample now 61 ms round trip, offset distorted by ~30 ms
    net.advance(10_000);
    expect(await clock.sync()).toBe(false);
    expect(clock.status().offsetMs).toBe(good.offsetMs);
    // 10 s at 100 ppm adds 1 ms to the bound.
    expect(clock.status().errorMs).toBeCloseTo(good.errorMs + 1, 1);
    // After long enough, the aged estimate is worse than a congested one, which replaces it.
    net.advance(400_000);
    expect(await clock.sync()).toBe(true);
  });

  it('never goes backwards when a new estimate moves the offset back', async () => {
    const delays: [number, number][] = [[0.5, 0.5]];
    const net = simulatedNetwork(1_000, delays);
    const clock = new SyncedClock({ source: net.source, local: net.local, burst: 1 });
    await clock.sync();
    const before = clock.now();
    delays[0] = [0.5, 0.4]; // slightly faster and 0.05 ms lower offset estimate
    await clock.sync();
    expect(clock.now()).toBeGreaterThanOrEqual(before);
  });

  it('reports a failing source and stays unsynced, on the local clock', async () => {
    const errors: unknown[] = [];
    const clock = new SyncedClock({
      source: () => Promise.reject(new Error('down')),
      local: () => 42,
      onError: (e) => errors.push(e),
    });
    expect(await clock.sync()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(clock.status()).toMatchObject({ synced: false, errorMs: Infinity });
    expect(clock.now()).toBe(42);
  });

  it('uses the local clock when there is no reference', () => {
    const clock = new LocalClock(() => 7);
    expect(clock.now()).toBe(7);
    expect(clock.status().source).toBe('local');
  });
});
