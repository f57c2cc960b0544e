/**
 * A latency histogram: 10 µs buckets up to 1 s, 1 ms buckets up to 120 s, then one overflow
 * bucket (the exact max is kept). Fixed buckets merge across worker processes by adding counts,
 * so the percentiles of the whole run are exact to the bucket width, with no need to ship every
 * sample; an overloaded run still reports its seconds-long percentiles.
 */
const FINE_US = 10;
const FINE_BUCKETS = 100_000;
const COARSE_US = 1000;
const COARSE_BUCKETS = 119_000;
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS;

function bucketOf(us: number): number {
  if (us < FINE_BUCKETS * FINE_US) return Math.floor(us / FINE_US);
  return Math.min(FINE_BUCKETS + Math.floor((us - FINE_BUCKETS * FINE_US) / COARSE_US), BUCKETS);
}

function upperEdge(i: number): number {
  return i < FINE_BUCKETS ? (i + 1) * FINE_US : FINE_BUCKETS * FINE_US + (i - FINE_BUCKETS + 1) * COARSE_US;
}

export interface HistogramData {
  /** [bucket index, count] for every non-empty bucket. */
  buckets: [number, number][];
  count: number;
  maxUs: number;
  sumUs: number;
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class Histogram {
  private counts = new Uint32Array(BUCKETS + 1);
  count = 0;
  maxUs = 0;
  sumUs = 0;

  add(us: number): void {
    // A negative value can only come from clock reads microseconds apart; count it as zero.
    const v = us < 0 ? 0 : us;
    const i = bucketOf(v);
    this.counts[i]!++;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
    this.sumUs = 0;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i <= BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, maxUs: this.maxUs, sumUs: this.sumUs };
  }

  merge(d: HistogramData): void {
    for (const [i, c] of d.buckets) this.counts[i]! += c;
    this.count += d.count;
    this.sumUs += d.sumUs;
    if (d.maxUs > this.maxUs) this.maxUs = d.maxUs;
  }

  /** The value below which a fraction q of the samples fall (upper edge of its bucket, capped by max). */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      // The overflow bucket has no upper edge: its only known bound is the maximum.
      if (seen >= rank) return i === BUCKETS ? this.maxUs : Math.min(upperEdge(i), this.maxUs);
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us / 10) / 100;
    return {
      count: this.count,
      meanMs: this.count ? ms(this.sumUs / this.count) : 0,
      p50Ms: ms(this.quantileUs(0.5)),
      p95Ms: ms(this.quantileUs(0.95)),
      p99Ms: ms(this.quantileUs(0.99)),
      maxMs: ms(this.maxUs),
    };
  }
}
