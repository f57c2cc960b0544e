/**
 * Two nodes whose clocks are seconds apart agree on reference time through a real Redis TIME.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { monotonicWallClock, redisTimeSource, SyncedClock } from '../src/clock/reference';
import { startRedis, type TestRedis } from './redis-server';

let redis: TestRedis;
const conns: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await redis.close();
});

function skewedNode(skewMs: number): SyncedClock {
  const conn = new Redis(redis.url);
  conns.push(conn);
  return new SyncedClock({ source: redisTimeSource(conn), local: () => monotonicWallClock() + skewMs });
}

describe('reference clock on Redis TIME', () => {
  it('two nodes 5.5 s apart agree within a few ms, and within their error bounds', async () => {
    const a = skewedNode(3_000);
    const b = skewedNode(-2_500);
    expect(await a.sync()).toBe(true);
    expect(await b.sync()).toBe(true);
    // Each measured its own skew: the offsets to the reference differ by the 5.5 s between them.
    expect(Math.abs(a.status().offsetMs - b.status().offsetMs + 5_500)).toBeLessThan(3);

    const diffs: number[] = [];
    for (let i = 0; i < 50; i++) diffs.push(Math.abs(a.now() - b.now()));
    const worst = Math.max(...diffs);
    expect(worst).toBeLessThan(3);
    expect(worst).toBeLessThanOrEqual(a.status().errorMs + b.status().errorMs + 0.1);

    // And both agree with Redis itself.
    const probe = conns[0]!;
    const t0 = a.now();
    const [sec, usec] = await probe.time();
    const t1 = a.now();
    const redisMs = Number(sec) * 1000 + Number(usec) / 1000;
    expect(redisMs).toBeGreaterThanOrEqual(t0 - 2);
    expect(redisMs).toBeLessThanOrEqual(t1 + 2);
    await a.close();
    await b.close();
  });
});
