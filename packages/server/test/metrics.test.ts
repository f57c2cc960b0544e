import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagesRejected, socketsOpen, watchPool } from '../src/metrics';
import { entryMessage } from './fanout-contract';
import { backend, startServer, type TestServer } from './harness';

/** The value of one sample line (name with labels) in a Prometheus text body. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe(`metrics (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  const scrape = async () => {
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('serves every metric in Prometheus text format', async () => {
    const body = await scrape();
    for (const name of [
      'cuebe_sockets_open',
      'cuebe_ops_committed_total',
      'cuebe_commit_to_write_seconds',
      'cuebe_catch_ups_served_total',
      'cuebe_snapshots_served_total',
      'cuebe_redis_gaps_refilled_total',
      'cuebe_messages_rejected_total',
      'cuebe_slow_consumers_cut_off_total',
      'cuebe_event_loop_delay_seconds',
      'cuebe_process_resident_memory_bytes',
    ])
      expect(body).toContain(`# TYPE ${name} `);
    expect(sample(body, 'cuebe_event_loop_delay_seconds{quantile="0.99"}')).toBeGreaterThanOrEqual(0);
  });

  it('counts ops this node commits (its own published entries, not relayed ones)', async () => {
    const before = sample(await scrape(), 'cuebe_ops_committed_total') ?? 0;
    await s.ctx.fanout.publish(entryMessage(s.ctx.fanout.nodeId, 'script-m', 1));
    await s.ctx.fanout.publish(entryMessage(s.ctx.fanout.nodeId, 'script-m', 2));
    await s.ctx.fanout.publish(entryMessage('another-node', 'script-m', 3));
    expect(sample(await scrape(), 'cuebe_ops_committed_total')).toBe(before + 2);
  });

  it('shows labelled values other modules set', async () => {
    socketsOpen.inc({ role: 'crew' }, 3);
    messagesRejected.inc({ reason: 'BAD_MESSAGE' });
    const body = await scrape();
    expect(sample(body, 'cuebe_sockets_open{role="crew"}')).toBeGreaterThanOrEqual(3);
    expect(sample(body, 'cuebe_messages_rejected_total{reason="BAD_MESSAGE"}')).toBeGreaterThanOrEqual(1);
    socketsOpen.dec({ role: 'crew' }, 3);
  });

  it('reads the database pool at each scrape (open, idle, waiting, cap)', async () => {
    const counts = { totalCount: 7, idleCount: 2, waitingCount: 40 };
    watchPool(counts, 10);
    let body = await scrape();
    expect(sample(body, 'cuebe_db_pool_connections{state="total"}')).toBe(7);
    expect(sample(body, 'cuebe_db_pool_connections{state="waiting"}')).toBe(40);
    expect(sample(body, 'cuebe_db_pool_connections{state="max"}')).toBe(10);
    counts.waitingCount = 0;
    body = await scrape();
    expect(sample(body, 'cuebe_db_pool_connections{state="waiting"}')).toBe(0);
    expect(sample(body, 'cuebe_db_pool_connections{state="idle"}')).toBe(2);
  });

  it('has no readiness dependency on Redis without REDIS_URL', async () => {
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, database: backend });
  });
});
