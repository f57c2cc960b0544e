/**
 * Prometheus metrics (prom-client), served at /metrics. One registry per process: the hub, the
 * fan-out and the routes call these objects directly. Names follow Prometheus conventions
 * (base units: seconds, bytes; counters end in _total).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'cuebe_' });

/** Open sockets on this node, by role (sm, crew). The hub increments on welcome, decrements on close. */
export const socketsOpen = new Gauge({
  name: 'cuebe_sockets_open',
  help: 'Open, authenticated sockets on this node, by role.',
  labelNames: ['role'] as const,
  registers: [registry],
});

/** Ops committed by this node (rate() of it is ops/s). Counted from the fan-out, see app.ts. */
export const opsCommitted = new Counter({
  name: 'cuebe_ops_committed_total',
  help: 'Ops committed to the database by this node.',
  registers: [registry],
});

/**
 * From the commit (the entry's time) to the frame being handed to a socket, on whichever node
 * holds the socket; both times in reference time (clock/reference.ts), so nodes may be skewed.
 */
export const commitToWrite = new Histogram({
  name: 'cuebe_commit_to_write_seconds',
  help: 'Time from an op being committed to its broadcast being written to a socket.',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const catchUpsServed = new Counter({
  name: 'cuebe_catch_ups_served_total',
  help: 'Catch-ups answered with the missing changes (hello with lastVersion, or resync).',
  registers: [registry],
});

export const snapshotsServed = new Counter({
  name: 'cuebe_snapshots_served_total',
  help: 'Catch-ups answered with a full snapshot (new client, or too far behind).',
  registers: [registry],
});

/** Versions a node fetched from the database because Redis skipped them (gap or resubscribe). */
export const redisGapsRefilled = new Counter({
  name: 'cuebe_redis_gaps_refilled_total',
  help: 'Fan-out gaps (missing versions) refilled from the database.',
  registers: [registry],
});

export const redisPublishFailures = new Counter({
  name: 'cuebe_redis_publish_failures_total',
  help: 'Messages that could not be published to Redis at first try (kept and resent on reconnect).',
  registers: [registry],
});

export const redisPublishDropped = new Counter({
  name: 'cuebe_redis_publish_dropped_total',
  help: 'Unsent messages dropped because the resend buffer was full (other nodes refill from the database).',
  registers: [registry],
});

export const redisResubscribes = new Counter({
  name: 'cuebe_redis_resubscribes_total',
  help: 'Times the Redis subscription became live (first subscribe and every resubscribe).',
  registers: [registry],
});

export const redisInvalidMessages = new Counter({
  name: 'cuebe_redis_invalid_messages_total',
  help: 'Messages from Redis that failed to parse (dropped).',
  registers: [registry],
});

export const redisBusDown = new Counter({
  name: 'cuebe_redis_bus_down_total',
  help: 'Times the Redis bus was found silent (own heartbeat not back) or lost, and delivery fell back to the database.',
  registers: [registry],
});

/** Set at each scrape from the fan-out: a node keeps serving through PostgreSQL without Redis. */
export const redisConnected = new Gauge({
  name: 'cuebe_redis_connected',
  help: '1 while the Redis bus is proven healthy: subscribed, own heartbeat back in time (always 1 without REDIS_URL), else 0.',
  registers: [registry],
});

export const messagesRejected = new Counter({
  name: 'cuebe_messages_rejected_total',
  help: 'Socket messages refused, by reason (an error code such as BAD_MESSAGE, FORBIDDEN, RATE_LIMITED).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const slowConsumersCutOff = new Counter({
  name: 'cuebe_slow_consumers_cut_off_total',
  help: 'Sockets closed because their send buffer passed the cap.',
  registers: [registry],
});

/** What the PostgreSQL pool reports (pg.Pool's counters); db/open.ts registers its pool. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

let pool: { counts: PoolCounts; max: number } | null = null;

/** Report this pool in cuebe_db_pool_connections (the last one registered; a node has one). */
export function watchPool(counts: PoolCounts, max: number): void {
  pool = { counts, max };
}

// Read at each scrape, so a reconnect storm's queue for connections shows (absent with PGlite).
new Gauge({
  name: 'cuebe_db_pool_connections',
  help: 'PostgreSQL pool: connections open (total), idle, queries waiting for one (waiting), and the cap (max).',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: 'total' }, pool.counts.totalCount);
    this.set({ state: 'idle' }, pool.counts.idleCount);
    this.set({ state: 'waiting' }, pool.counts.waitingCount);
    this.set({ state: 'max' }, pool.max);
  },
});

// Event-loop delay over the last scrape interval: the histogram is reset after each scrape, so
// a spike shows in the next scrape and then goes, instead of hiding in a lifetime percentile.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
new Gauge({
  name: 'cuebe_event_loop_delay_seconds',
  help: 'Event-loop delay since the previous scrape (monitorEventLoopDelay), by quantile.',
  labelNames: ['quantile'] as const,
  registers: [registry],
  collect() {
    const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    this.set({ quantile: '0.5' }, loopDelay.count > 0 ? s(loopDelay.percentile(50)) : 0);
    this.set({ quantile: '0.99' }, loopDelay.count > 0 ? s(loopDelay.percentile(99)) : 0);
    this.set({ quantile: '1' }, loopDelay.count > 0 ? s(loopDelay.max) : 0);
    loopDelay.reset();
  },
});

/** The Prometheus text exposition of every metric. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
