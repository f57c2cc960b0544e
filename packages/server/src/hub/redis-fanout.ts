/**
 * Fan-out between nodes over Redis pub/sub (DESIGN §6). Redis is a fast hint, not a log: pub/sub
 * drops what is published while a subscriber is away, so the hub refills from the database on a
 * version gap and whenever `onReconnect` fires.
 *
 * One channel for the whole deployment, not one per script: every node may hold sockets of any
 * script, access messages address shows, users and crew links rather than scripts, and one
 * channel keeps a single order per publisher across every message type (an edit, then the
 * revocation that follows it). Per-script channels would mean SUBSCRIBE/UNSUBSCRIBE churn as
 * rooms open and close, and re-subscribing thousands of channels after a Redis restart; the
 * cost of one channel is that each node parses every message, which at human edit rates (tens
 * per second for a whole festival) is nothing.
 *
 * Two connections: a subscriber connection cannot send PUBLISH.
 *
 * A Redis that hangs (paused, blackholed, a stalled fork) keeps both connections open and answers
 * nothing: no 'close', no error on the subscriber, ever. So the bus is proven, not assumed: every
 * node publishes a heartbeat on a channel of its own through the same two connections and
 * expects it back on its subscriber. While its own heartbeat stays away longer than `silentMs`,
 * or the subscription is down, the bus counts as down and the hub delivers from the database
 * (SPEC R4); it counts as up again only once a heartbeat sent after it went down has come back.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Fanout, FanoutHandler, FanoutMessage } from './fanout';
import { decodeMessage, encodeMessage } from './fanout-wire';
import {
  redisBusDown,
  redisInvalidMessages,
  redisPublishDropped,
  redisPublishFailures,
  redisResubscribes,
} from '../metrics';

export interface FanoutLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RedisFanoutOptions {
  url: string;
  nodeId?: string;
  /** Deployments sharing one Redis use different channels. */
  channel?: string;
  /** Messages that failed to reach Redis, kept to resend on reconnect (oldest dropped first). */
  maxUnsent?: number;
  /**
   * While the bus is down or silent, ask the hub to deliver from the database this often, so
   * clients on other nodes still get edits, GOs and access changes within 1.5 s (SPEC R4).
   */
  pollWhileDownMs?: number;
  /** How often this node sends its heartbeat through the bus. */
  beatMs?: number;
  /** How long its own heartbeat may stay away before the bus counts as down. */
  silentMs?: number;
  log?: FanoutLog;
}

export const DEFAULT_CHANNEL = 'cuebe:fanout';

/**
 * Reconnect fast and keep trying: delivery must resume within 2 s of Redis being back, so the
 * delay is capped at 500 ms (plus jitter so a fleet does not reconnect in lockstep).
 */
const retryStrategy = (times: number) => Math.min(50 * 2 ** times, 500) + Math.floor(Math.random() * 100);

export class RedisFanout implements Fanout {
  readonly nodeId: string;
  readonly channel: string;
  /** What happened, for tests and logs (the same figures go to /metrics). */
  readonly stats = {
    sent: 0,
    publishFailures: 0,
    resent: 0,
    dropped: 0,
    received: 0,
    invalid: 0,
    subscribes: 0,
    /** Times the bus was found silent or lost, and times it was proven healthy again. */
    downs: 0,
    ups: 0,
  };
  /** This node's heartbeat channel: only it subscribes, so others never parse its beats. */
  readonly beatChannel: string;

  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Set<FanoutHandler>();
  private readonly reconnectHandlers = new Set<(live: boolean) => void>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly maxUnsent: number;
  private readonly log?: FanoutLog;
  private unsent: string[] = [];
  private resendTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly pollWhileDownMs: number;
  private subscribed = false;
  private closed = false;
  private linkDown = false;
  private readonly firstSubscribe: Promise<void>;
  private resolveFirst: () => void = () => {};
  private readonly beatMs: number;
  private readonly silentMs: number;
  private beatTimer: NodeJS.Timeout | null = null;
  /** Proven: subscribed, and our own heartbeat came back within silentMs. */
  private healthy = false;
  /** When the bus last went down (monotonic ms); a heartbeat sent before it proves nothing. */
  private downAt = 0;
  /** When our own heartbeat last came back (monotonic ms). */
  private heardAt = 0;

  constructor(opts: RedisFanoutOptions) {
    this.nodeId = opts.nodeId ?? randomUUID();
    this.channel = opts.channel ?? DEFAULT_CHANNEL;
    this.maxUnsent = opts.maxUnsent ?? 10_000;
    this.log = opts.log;
    this.pollWhileDownMs = opts.pollWhileDownMs ?? 500;
    this.beatMs = opts.beatMs ?? 100;
    this.silentMs = opts.silentMs ?? 500;
    this.beatChannel = `${this.channel}:beat:${this.nodeId}`;
    const common: RedisOptions = {
      retryStrategy,
      // Fail fast instead of queueing while disconnected: the caller's turn never waits on
      // Redis, and failed messages go to our own bounded resend buffer, in order.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // A stalled Redis (paused, half-open connection) must not grow the in-flight set forever.
      commandTimeout: 2_000,
      // We resubscribe ourselves, so the hub hears about it only once the subscription is live.
      autoResubscribe: false,
    };
    this.pub = new Redis(opts.url, { ...common, connectionName: `cuebe-pub-${this.nodeId}` });
    this.sub = new Redis(opts.url, { ...common, connectionName: `cuebe-sub-${this.nodeId}` });

    this.pub.on('ready', () => this.resend());
    this.pub.on('error', (err) => this.noteDown('publisher', err));
    this.sub.on('error', (err) => this.noteDown('subscriber', err));
    this.sub.on('close', () => {
      this.subscribed = false;
      this.goDown('subscription lost');
    });
    // Not proven yet either (Redis may be down at start, with sockets already joining).
    this.startPolling();
    this.sub.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.receive(payload);
      else if (channel === this.beatChannel) this.heard(payload);
    });
    this.firstSubscribe = new Promise((r) => (this.resolveFirst = r));
    this.sub.on('ready', () => {
      this.sub.subscribe(this.channel, this.beatChannel).then(
        () => {
          if (this.closed) return;
          this.subscribed = true;
          this.stats.subscribes++;
          redisResubscribes.inc();
          if (this.linkDown) this.log?.info({ node: this.nodeId }, 'redis fan-out: subscribed again');
          this.linkDown = false;
          // Live once our own heartbeat, sent from now on, comes back (heard()).
          this.beat();
        },
        (err: unknown) => this.noteDown('subscriber', err),
      );
    });
    this.beatTimer = setInterval(() => this.tick(), this.beatMs);
    this.beatTimer.unref();
  }

  /** Send a heartbeat and see whether the last one came back in time. */
  private tick(): void {
    if (this.closed) return;
    if (this.subscribed) this.beat();
    // Judged after the loop's next I/O phase: when this process itself stalled (a long GC), the
    // heartbeats that came back meanwhile wait unread in the socket and count, once read.
    setImmediate(() => {
      if (!this.closed && this.healthy && performance.now() - this.heardAt > this.silentMs) this.goDown('silent');
    });
  }

  private beat(): void {
    if (this.closed || this.pub.status !== 'ready') return;
    // Its own time is all a beat carries: only this node reads it, on this node's clock.
    this.pub.publish(this.beatChannel, String(performance.now())).catch(() => {});
  }

  private heard(payload: string): void {
    const sentAt = Number(payload);
    if (!Number.isFinite(sentAt)) return;
    this.heardAt = performance.now();
    if (!this.healthy && this.subscribed && sentAt >= this.downAt) this.goUp();
  }

  /**
   * The bus is silent or lost: messages from other nodes may be missing from now on, so the hub
   * delivers from the database (a refill at once, then every pollWhileDownMs) until goUp.
   */
  private goDown(why: string): void {
    this.downAt = performance.now();
    if (!this.healthy) return;
    this.healthy = false;
    this.stats.downs++;
    redisBusDown.inc();
    this.log?.warn({ node: this.nodeId, why }, 'redis fan-out: bus down; delivering from the database');
    this.signalRefill(false);
    this.startPolling();
  }

  /**
   * A heartbeat sent after the bus went down came back: everything published from now on
   * arrives, so a refill from the database now leaves no hole.
   */
  private goUp(): void {
    this.healthy = true;
    this.stats.ups++;
    this.stopPolling();
    if (this.stats.ups > 1) this.log?.info({ node: this.nodeId }, 'redis fan-out: bus healthy again');
    this.resolveFirst();
    if (this.pub.status === 'ready') this.resend();
    this.signalRefill(true);
  }

  private signalRefill(live: boolean): void {
    for (const h of [...this.reconnectHandlers]) {
      try {
        h(live);
      } catch (err) {
        this.log?.error({ err }, 'redis fan-out: reconnect handler failed');
      }
    }
  }

  private startPolling(): void {
    if (this.closed || this.pollTimer || this.pollWhileDownMs <= 0) return;
    this.pollTimer = setInterval(() => this.signalRefill(false), this.pollWhileDownMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  /**
   * The bus is proven healthy: subscribed, and this node's own heartbeat came back through Redis
   * within silentMs. Kept up to date by the heartbeat, read without waiting on Redis (readiness,
   * metrics, the hub).
   */
  get connected(): boolean {
    return this.healthy && this.subscribed;
  }

  /** Resolves once the bus is proven healthy for the first time. */
  ready(): Promise<void> {
    return this.firstSubscribe;
  }

  async publish(msg: FanoutMessage): Promise<void> {
    for (const h of this.handlers) h(msg);
    if (this.closed) return;
    // Presence is a snapshot repeated every few seconds and on reconnect: one that cannot go out
    // now is stale by then, so it is not kept for resending (nor does it wait behind entries).
    if (msg.type === 'presence') {
      if (this.pub.status === 'ready') this.pub.publish(this.channel, encodeMessage(msg)).catch(() => {});
      return;
    }
    this.send(encodeMessage(msg));
  }

  subscribe(handler: FanoutHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onReconnect(handler: (live: boolean) => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Never waits on Redis: the heartbeat keeps `connected` up to date. */
  async check(): Promise<void> {
    if (!this.connected) throw new Error('redis fan-out: bus down');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (this.beatTimer) clearInterval(this.beatTimer);
    this.stopPolling();
    this.handlers.clear();
    this.reconnectHandlers.clear();
    await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([quit(this.pub), quit(this.sub)]);
  }

  private send(payload: string): void {
    // Behind older unsent messages, with no connection, or into a hung one: keep it, so order
    // holds on resend and a long hang does not replay a pile of copies on resume.
    if (this.unsent.length > 0 || this.pub.status !== 'ready' || this.hung()) {
      this.stats.publishFailures++;
      redisPublishFailures.inc();
      this.keep(payload);
      return;
    }
    const p = this.pub.publish(this.channel, payload).then(
      () => {
        this.stats.sent++;
      },
      () => {
        this.stats.publishFailures++;
        redisPublishFailures.inc();
        this.keep(payload);
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private keep(payload: string): void {
    if (this.closed) return;
    this.unsent.push(payload);
    if (this.unsent.length > this.maxUnsent) {
      this.unsent.shift();
      this.stats.dropped++;
      redisPublishDropped.inc();
    }
    // Connected but a publish failed (a timeout): no 'ready' will come to flush, so try soon —
    // unless the bus is silent (a hung Redis): what is written now only piles up in the socket,
    // to be replayed in bulk on resume, so it waits for goUp instead.
    if (this.pub.status === 'ready' && !this.resendTimer && !this.hung()) {
      this.resendTimer = setTimeout(() => {
        this.resendTimer = null;
        if (this.pub.status === 'ready' && !this.hung()) this.resend();
      }, 250);
      this.resendTimer.unref();
    }
  }

  /** Subscribed, yet our own heartbeat does not come back: Redis holds the connections and answers nothing. */
  private hung(): boolean {
    return this.subscribed && !this.healthy;
  }

  /**
   * Publisher connected again: send what failed, oldest first. Other nodes may still be
   * resubscribing and miss these too; they refill versions from the database, and duplicates
   * are harmless (the hub skips versions it has delivered; access closes are idempotent).
   */
  private resend(): void {
    if (this.unsent.length === 0) return;
    const batch = this.unsent;
    this.unsent = [];
    this.stats.resent += batch.length;
    for (const payload of batch) this.send(payload);
  }

  private receive(payload: string): void {
    this.stats.received++;
    const msg = decodeMessage(payload);
    if (!msg) {
      this.stats.invalid++;
      redisInvalidMessages.inc();
      this.log?.warn({ bytes: payload.length }, 'redis fan-out: dropped an invalid message');
      return;
    }
    // Our own echo: local subscribers had it at publish time.
    if (msg.origin === this.nodeId) return;
    for (const h of this.handlers) {
      try {
        h(msg);
      } catch (err) {
        this.log?.error({ err, type: msg.type }, 'redis fan-out: handler failed');
      }
    }
  }

  private noteDown(which: string, err: unknown): void {
    if (this.closed || this.linkDown) return;
    this.linkDown = true;
    this.log?.warn({ which, err: err instanceof Error ? err.message : String(err) }, 'redis fan-out: link down');
  }
}

async function quit(r: Redis): Promise<void> {
  if (r.status === 'ready') {
    try {
      await r.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  r.disconnect();
}
