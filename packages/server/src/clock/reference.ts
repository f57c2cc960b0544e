/**
 * One show clock across nodes (DESIGN §6). Node clocks differ by tens of milliseconds or more,
 * and a phone on node A must agree with a phone on node B, so every node answers clock pings
 * and sets playback anchors in one reference time: Redis `TIME` when Redis is configured (all
 * nodes already share it), the node's own clock otherwise.
 *
 * Estimation is NTP-style: a burst of TIME requests, the one with the smallest round trip kept
 * (queueing delay only ever adds, so the fastest sample is the least distorted), its offset
 * taken at the midpoint and its error bounded by half the round trip. An estimate ages by an
 * assumed worst drift between the two oscillators, and a new burst replaces it only when the
 * new bound is better than the aged old one — a burst that met a busy Redis does not make the
 * clock worse.
 */
import { Redis } from 'ioredis';

export interface ClockStatus {
  source: 'redis' | 'local';
  /** Reference minus local, ms. */
  offsetMs: number;
  /** Bound on |error| of now(), ms (grows with age); Infinity before the first sync. */
  errorMs: number;
  synced: boolean;
}

export interface ReferenceClock {
  /** Reference time, ms since the epoch (fractional), never going backwards. */
  now(): number;
  status(): ClockStatus;
  close(): Promise<void>;
}

/** The node's own clock, monotonic: wall time at process start plus elapsed monotonic time. */
export const monotonicWallClock = (): number => performance.timeOrigin + performance.now();

/** One node alone: its own clock is the reference. */
export class LocalClock implements ReferenceClock {
  constructor(private readonly local: () => number = monotonicWallClock) {}
  now(): number {
    return this.local();
  }
  status(): ClockStatus {
    return { source: 'local', offsetMs: 0, errorMs: 0, synced: true };
  }
  async close(): Promise<void> {}
}

/** Reads the reference clock once (ms since the epoch). */
export type TimeSource = () => Promise<number>;

export interface SyncedClockOptions {
  source: TimeSource;
  local?: () => number;
  /** Requests per burst. */
  burst?: number;
  /** Time between bursts once synced (before the first success: a tenth of it). */
  refreshMs?: number;
  /** Assumed worst relative drift of the two clocks, parts per million. */
  driftPpm?: number;
  onError?: (err: unknown) => void;
  close?: () => Promise<void>;
}

interface Estimate {
  offset: number;
  /** Error bound when measured. */
  bound: number;
  /** Local time of the measurement. */
  at: number;
}

export interface Sample {
  offset: number;
  rtt: number;
}

export class SyncedClock implements ReferenceClock {
  private readonly source: TimeSource;
  private readonly local: () => number;
  private readonly burst: number;
  private readonly refreshMs: number;
  private readonly drift: number;
  private readonly opts: SyncedClockOptions;
  private estimate: Estimate | null = null;
  private last = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Bursts run, accepted and failed: for tests and logs. */
  readonly stats = { bursts: 0, accepted: 0, failed: 0 };

  constructor(opts: SyncedClockOptions) {
    this.opts = opts;
    this.source = opts.source;
    this.local = opts.local ?? monotonicWallClock;
    this.burst = opts.burst ?? 8;
    this.refreshMs = opts.refreshMs ?? 10_000;
    this.drift = (opts.driftPpm ?? 100) / 1e6;
  }

  now(): number {
    const t = this.local() + (this.estimate?.offset ?? 0);
    // An estimate may move the clock back by a fraction of a millisecond; show time must not.
    this.last = Math.max(this.last, t);
    return this.last;
  }

  status(): ClockStatus {
    const e = this.estimate;
    return {
      source: 'redis',
      offsetMs: e?.offset ?? 0,
      errorMs: e ? this.aged(e) : Infinity,
      synced: e !== null,
    };
  }

  /** First burst (bounded by timeoutMs, so a Redis that is down does not stop a start), then refreshes. */
  async start(timeoutMs = 2_000): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.sync(),
      new Promise<void>((r) => {
        timeout = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    this.schedule();
  }

  /** One burst; true when its estimate was taken. */
  async sync(): Promise<boolean> {
    this.stats.bursts++;
    const samples: Sample[] = [];
    for (let i = 0; i < this.burst && !this.closed; i++) {
      try {
        samples.push(await this.sample());
      } catch (err) {
        this.stats.failed++;
        this.opts.onError?.(err);
        break;
      }
    }
    const best = bestSample(samples);
    if (!best) return false;
    const candidate: Estimate = { offset: best.offset, bound: best.rtt / 2 + 0.001, at: this.local() };
    if (this.estimate && candidate.bound > this.aged(this.estimate)) return false;
    this.estimate = candidate;
    this.stats.accepted++;
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.opts.close?.();
  }

  private async sample(): Promise<Sample> {
    const t0 = this.local();
    const ref = await this.source();
    const t1 = this.local();
    return { offset: ref - (t0 + t1) / 2, rtt: t1 - t0 };
  }

  private aged(e: Estimate): number {
    return e.bound + Math.abs(this.local() - e.at) * this.drift;
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = this.estimate ? this.refreshMs : Math.max(100, this.refreshMs / 10);
    this.timer = setTimeout(() => {
      void this.sync().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}

/** The sample with the smallest round trip (the least queueing), or null. */
export function bestSample(samples: readonly Sample[]): Sample | null {
  let best: Sample | null = null;
  for (const s of samples) if (s.rtt >= 0 && (!best || s.rtt < best.rtt)) best = s;
  return best;
}

/** Redis TIME as a time source: seconds and microseconds of the Redis host's clock. */
export function redisTimeSource(redis: Redis): TimeSource {
  return async () => {
    const [sec, usec] = await redis.time();
    return Number(sec) * 1000 + Number(usec) / 1000;
  };
}

/** The reference clock for this node: Redis TIME when Redis is configured, else its own. */
export async function createReferenceClock(
  redisUrl: string | undefined,
  onError?: (err: unknown) => void,
): Promise<ReferenceClock> {
  if (!redisUrl) return new LocalClock();
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    connectionName: 'cuebe-clock',
  });
  redis.on('error', () => {}); // reported through failed samples
  // The first TIME must wait for the connection (no offline queue), so wait for ready, bounded.
  await Promise.race([
    new Promise<void>((r) => redis.once('ready', () => r())),
    new Promise<void>((r) => setTimeout(r, 2_000).unref()),
  ]);
  const clock = new SyncedClock({
    source: redisTimeSource(redis),
    onError,
    close: async () => {
      redis.disconnect();
    },
  });
  await clock.start();
  return clock;
}
