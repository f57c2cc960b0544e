/**
 * Reconnect delays: exponential backoff with FULL jitter — sleep = random(0, min(cap, base·2^n)) —
 * so a room full of phones that lost the venue Wi-Fi at once does not come back at once.
 */
export interface BackoffOptions {
  /** First ceiling, ms. */
  baseMs?: number;
  /** Largest ceiling, ms. */
  capMs?: number;
  /** A connection live this long resets the attempt count. */
  stableMs?: number;
  /** [0, 1) source, for tests. */
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly stableMs: number;
  private readonly random: () => number;
  /** Failed attempts since the last stable connection. */
  attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 500;
    this.capMs = opts.capMs ?? 30_000;
    this.stableMs = opts.stableMs ?? 10_000;
    this.random = opts.random ?? Math.random;
  }

  /** The ceiling for attempt n. */
  ceiling(n: number): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(n, 52));
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling(this.attempt));
    this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
