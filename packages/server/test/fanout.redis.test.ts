/**
 * RedisFanout against a redis-server this file starts on its own port: the shared contract with
 * three nodes, then what only Redis has — a restart, a Redis that is down, foreign payloads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisFanout } from '../src/hub/redis-fanout';
import type { FanoutMessage } from '../src/hub/fanout';
import { entryMessage, fanoutContract } from './fanout-contract';
import { freePort, startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.close());

async function node(channel: string): Promise<RedisFanout> {
  const f = new RedisFanout({ url: redis.url, channel });
  await f.ready();
  return f;
}

let clusters = 0;
fanoutContract('RedisFanout (3 nodes)', async () => {
  // A channel per cluster, so a test never sees the previous test's stragglers.
  const channel = `cuebe:test:${++clusters}`;
  const nodes = [await node(channel), await node(channel), await node(channel)];
  return { nodes, close: async () => void (await Promise.all(nodes.map((n) => n.close()))) };
});

describe('RedisFanout under Redis faults', () => {
  it('R1 survives a Redis restart: both nodes resubscribe, signal it, and delivery resumes within 2 s', async () => {
    const a = await node('cuebe:test:restart');
    const b = await node('cuebe:test:restart');
    try {
      const resubscribedA: number[] = [];
      const resubscribedB: number[] = [];
      a.onReconnect(() => resubscribedA.push(performance.now()));
      b.onReconnect(() => resubscribedB.push(performance.now()));
      const atB: FanoutMessage[] = [];
      const atA: FanoutMessage[] = [];
      b.subscribe((m) => atB.push(m));
      a.subscribe((m) => atA.push(m));
      const versionsAtB = () => atB.flatMap((m) => (m.type === 'entry' ? [m.entry.version] : []));

      await a.publish(entryMessage(a.nodeId, 's', 1));
      await waitFor(() => versionsAtB().includes(1), 2_000, 'first message at B');

      await redis.stop();
      await waitFor(() => !a.connected && !b.connected, 5_000, 'both nodes to see Redis gone');
      await expect(a.check()).rejects.toThrow();
      // While it is down, the hub is asked to refill from the database about every second.
      await waitFor(() => resubscribedA.length >= 2 && resubscribedB.length >= 2, 5_000, 'refill polls while down');
      // Published while Redis is down: the commit path is not disturbed, the node's own
      // subscribers still get it, and the failure is counted.
      for (let v = 2; v <= 5; v++) await expect(a.publish(entryMessage(a.nodeId, 's', v))).resolves.toBeUndefined();
      expect(atA.filter((m) => m.type === 'entry').map((m) => (m.type === 'entry' ? m.entry.version : 0))).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(a.stats.publishFailures).toBeGreaterThanOrEqual(4);

      await redis.start();
      const back = performance.now();
      const [pollsA, pollsB] = [resubscribedA.length, resubscribedB.length];
      await waitFor(() => a.stats.subscribes === 2 && b.stats.subscribes === 2, 5_000, 'resubscribed');
      await waitFor(
        () => resubscribedA.some((t) => t >= back) && resubscribedB.some((t) => t >= back),
        5_000,
        'resubscribe signals',
      );
      // Probe until a new message crosses; it must within 2 s of Redis being back.
      let v = 100;
      while (!versionsAtB().some((x) => x >= 100)) {
        await a.publish(entryMessage(a.nodeId, 's', v++));
        await new Promise((r) => setTimeout(r, 20));
        if (performance.now() - back > 5_000) break;
      }
      const firstProbe = atB.findIndex((m) => m.type === 'entry' && m.entry.version >= 100);
      expect(firstProbe).toBeGreaterThanOrEqual(0);
      expect(performance.now() - back).toBeLessThan(2_000);
      const firstAfter = (ts: number[]) => ts.find((t) => t >= back)!;
      expect(Math.max(firstAfter(resubscribedA), firstAfter(resubscribedB)) - back).toBeLessThan(2_000);

      await a.check();
      // Whatever B got of the outage messages (resent once A reconnected, if B was subscribed
      // by then), it got in order and once; the hub refills the rest from the database.
      const got = versionsAtB();
      expect(got).toEqual([...new Set(got)]);
      expect(got).toEqual([...got].sort((x, y) => x - y));
      // Once live again, the polling stops: one signal on resubscribe, not one a second.
      expect(resubscribedA.length - pollsA).toBeLessThanOrEqual(2);
      expect(resubscribedB.length - pollsB).toBeLessThanOrEqual(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('R4 a frozen Redis (SIGSTOP) is found silent within about a second, and proven healthy again after', async () => {
    const a = await node('cuebe:test:frozen');
    const b = await node('cuebe:test:frozen');
    try {
      const signals: { live: boolean; at: number }[] = [];
      a.onReconnect((live) => signals.push({ live, at: performance.now() }));
      const atB: FanoutMessage[] = [];
      b.subscribe((m) => atB.push(m));
      expect(a.connected && b.connected).toBe(true);
      redis.freeze();
      const frozenAt = performance.now();
      try {
        await waitFor(() => !a.connected && !b.connected, 3_000, 'both nodes to find the bus silent');
        // About a second: 500 ms of silence, a 100 ms beat, and a loaded machine's timer delays.
        expect(performance.now() - frozenAt).toBeLessThan(1_500);
        // Readiness answers from that state at once, without a round trip to the frozen Redis.
        const t0 = performance.now();
        await expect(a.check()).rejects.toThrow();
        expect(performance.now() - t0).toBeLessThan(50);
        // The hub is told at once and then polled, so it delivers from the database meanwhile.
        await waitFor(() => signals.filter((s) => !s.live).length >= 3, 3_000, 'refill polls while silent');
        for (let v = 1; v <= 3; v++) await a.publish(entryMessage(a.nodeId, 's', v));
      } finally {
        redis.thaw();
      }
      const thawedAt = performance.now();
      await waitFor(() => a.connected && b.connected, 3_000, 'both nodes to prove the bus healthy');
      expect(performance.now() - thawedAt).toBeLessThan(1_500);
      expect(signals.at(-1)).toMatchObject({ live: true });
      // What was published into the frozen Redis reaches B at most once each, in order.
      await waitFor(() => atB.length >= 3, 3_000, 'the messages published during the freeze');
      const got = atB.flatMap((m) => (m.type === 'entry' ? [m.entry.version] : []));
      expect(got).toEqual([1, 2, 3]);
      const polls = signals.length;
      await a.publish(entryMessage(a.nodeId, 's', 4));
      await waitFor(() => atB.length >= 4, 2_000, 'a message after the thaw');
      expect(signals.length - polls).toBe(0);
      expect(a.stats).toMatchObject({ downs: 1, ups: 2 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('R2 with no Redis at all: publish resolves, local delivery works, readiness fails', async () => {
    const port = await freePort();
    const f = new RedisFanout({ url: `redis://127.0.0.1:${port}`, channel: 'nowhere' });
    try {
      const seen: FanoutMessage[] = [];
      f.subscribe((m) => seen.push(m));
      await expect(f.publish(entryMessage(f.nodeId, 's', 1))).resolves.toBeUndefined();
      expect(seen).toHaveLength(1);
      await expect(f.check()).rejects.toThrow();
      expect(f.stats.publishFailures).toBe(1);
    } finally {
      await f.close();
    }
  });

  it('R3 drops payloads that are not valid messages, and its own echo', async () => {
    const a = await node('cuebe:test:foreign');
    const raw = new Redis(redis.url);
    try {
      const seen: FanoutMessage[] = [];
      a.subscribe((m) => seen.push(m));
      const bad = [
        'not json',
        '{"v":1,"msg":{"type":"entry","origin":"x"}}',
        '{"v":2,"msg":{"type":"access","origin":"x","reason":"revoked"}}',
        '{"v":1,"msg":{"type":"access","origin":"x","reason":"revoked","__proto__":{"polluted":true}}}',
        '{"v":1,"msg":{"type":"shutdown","origin":"x"}}',
      ];
      for (const p of bad) await raw.publish('cuebe:test:foreign', p);
      // Its own echo, as Redis would return it: skipped (local subscribers had it already).
      await raw.publish('cuebe:test:foreign', JSON.stringify({ v: 1, msg: entryMessage(a.nodeId, 'echo', 1) }));
      const good = JSON.stringify({ v: 1, msg: { type: 'access', origin: 'other', reason: 'revoked', crewId: 'c1' } });
      await raw.publish('cuebe:test:foreign', good);
      await waitFor(() => seen.length > 0, 2_000, 'the valid message');
      expect(seen).toEqual([{ type: 'access', origin: 'other', reason: 'revoked', crewId: 'c1' }]);
      expect(a.stats.invalid).toBe(bad.length);
      expect(a.stats.received).toBe(bad.length + 2);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      raw.disconnect();
      await a.close();
    }
  });
});
