/**
 * Per-connection rate limit: a token bucket (sustained rate + burst). Messages over it are
 * refused with RATE_LIMITED; a connection that keeps flooding past it — its refusals, decaying
 * over `abuseWindowMs`, pile up past `abuseLimit` — is cut off (close 4029).
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  abuseLimit: number;
  abuseWindowMs: number;
}

export type RateVerdict = 'ok' | 'limited' | 'abusive';

export class TokenBucket {
  private tokens: number;
  private last: number;
  private abuse = 0;
  private abuseAt = 0;

  constructor(
    private readonly opts: RateLimitOptions,
    now: number,
  ) {
    this.tokens = opts.burst;
    this.last = now;
  }

  take(now: number): RateVerdict {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.opts.burst, this.tokens + (elapsed * this.opts.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    this.abuse = this.abuse * Math.exp(-(now - this.abuseAt) / this.opts.abuseWindowMs) + 1;
    this.abuseAt = now;
    return this.abuse > this.opts.abuseLimit ? 'abusive' : 'limited';
  }
}
