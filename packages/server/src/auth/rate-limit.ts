/**
 * Login rate limiting: at most `max` failed attempts per key (IP + email) in a sliding window.
 * In memory, per node: N nodes allow N× the attempts, which still stops online guessing.
 */
export interface LimitOptions {
  max: number;
  windowMs: number;
  /** Keys kept at most; the oldest are dropped first so memory stays bounded. */
  maxKeys?: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxKeys: number;

  constructor(private readonly opts: LimitOptions) {
    this.maxKeys = opts.maxKeys ?? 50_000;
  }

  /** Seconds to wait before the next attempt, or 0 when one is allowed now. */
  // Durations on the monotonic clock: a wall-clock step neither frees nor locks an account (F6).
  retryAfter(key: string, now = performance.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < this.opts.max) return 0;
    const oldest = recent[recent.length - this.opts.max]!;
    return Math.max(1, Math.ceil((oldest + this.opts.windowMs - now) / 1000));
  }

  fail(key: string, now = performance.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const kept = list.filter((t) => t > now - this.opts.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    return kept;
  }
}
