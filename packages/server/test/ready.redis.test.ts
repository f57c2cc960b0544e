/** A node configured with Redis: Redis fan-out and clock, and readiness that reports Redis. */
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
  return { status: res.status, body: (await res.json()) as { redis?: boolean } };
};

describe('a node with REDIS_URL', () => {
  it('uses Redis for fan-out and for the reference clock', async () => {
    expect(s.ctx.fanout).toBeInstanceOf(RedisFanout);
    await (s.ctx.fanout as RedisFanout).ready();
    expect(s.ctx.clock.status()).toMatchObject({ source: 'redis', synced: true });
    expect(s.ctx.clock.status().errorMs).toBeLessThan(5);
  });

  // Nodes keep serving through PostgreSQL without Redis, and Redis is shared by all of them:
  // failing readiness on it would empty the load balancer for a fault that costs only latency.
  it('stays ready without Redis, reporting it in /readyz and /metrics, until it returns', async () => {
    const metric = async () =>
      /^cuebe_redis_connected (\d)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1];
    expect(await ready()).toEqual({ status: 200, body: { ok: true, database: 'postgres', redis: true } });
    expect(await metric()).toBe('1');
    await redis.stop();
    // Readiness reads the state the fan-out keeps up to date, so it follows within moments.
    const reported = async (value: boolean, what: string) => {
      let last: unknown = !value;
      const poll = setInterval(() => void ready().then((r) => (last = r.body.redis)), 50);
      try {
        await waitFor(() => last === value, 5_000, what);
      } finally {
        clearInterval(poll);
      }
    };
    await reported(false, 'redis reported gone');
    expect(await ready()).toEqual({ status: 200, body: { ok: true, database: 'postgres', redis: false } });
    expect(await metric()).toBe('0');
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await redis.start();
    await reported(true, 'redis reported back');
    expect(await metric()).toBe('1');
  });
});
