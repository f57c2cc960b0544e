/** A node configured with Redis: Redis fan-out and clock, and readiness that follows Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFanout } from '../src/hub/redis-fanout';
import { startServer, type TestServer } from './harness';
import { startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

let redis: TestRedis;
let s: TestServer;
beforeAll(async () => {
  redis = await startRedis();
  s = await startServer({ env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await s.close();
  await redis.close();
});

const ready = async () => {
  const res = await fetch(`${s.url}/readyz`);
  return { status: res.status, body: await res.json() };
};

describe('a node with REDIS_URL', () => {
  it('uses Redis for fan-out and for the reference clock', async () => {
    expect(s.ctx.fanout).toBeInstanceOf(RedisFanout);
    await (s.ctx.fanout as RedisFanout).ready();
    expect(s.ctx.clock.status()).toMatchObject({ source: 'redis', synced: true });
    expect(s.ctx.clock.status().errorMs).toBeLessThan(5);
  });

  it('is ready with Redis, not ready without it, and ready again when it returns', async () => {
    expect(await ready()).toEqual({ status: 200, body: { ok: true, database: 'postgres', redis: true } });
    await redis.stop();
    expect(await ready()).toEqual({ status: 503, body: { ok: false, database: 'postgres', redis: false } });
    // Liveness does not follow Redis: the process is fine, an orchestrator must not restart it.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await redis.start();
    let last = 0;
    const poll = setInterval(() => void ready().then((r) => (last = r.status)), 50);
    try {
      await waitFor(() => last === 200, 5_000, 'ready again');
    } finally {
      clearInterval(poll);
    }
  });
});
