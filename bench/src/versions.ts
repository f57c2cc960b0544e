/**
 * Exactly-once, in-order check for one receiving socket: versions must arrive as V0+1, V0+2, …
 * A version past the next one is a gap (the skipped ones are remembered: if one turns up later it
 * arrived out of order); a version seen before is a duplicate.
 */
const MAX_REMEMBERED_GAP = 100_000;

export type Accepted = 'next' | 'ahead' | 'late' | 'duplicate';

export class VersionTracker {
  /** Highest version received. */
  last: number;
  readonly start: number;
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  private readonly missing = new Set<number>();
  private unrememberedGaps = 0;

  constructor(startVersion: number) {
    this.start = startVersion;
    this.last = startVersion;
  }

  accept(v: number): Accepted {
    if (v === this.last + 1) {
      this.last = v;
      this.received++;
      return 'next';
    }
    if (v > this.last + 1) {
      for (let k = this.last + 1; k < v; k++) {
        if (this.missing.size < MAX_REMEMBERED_GAP) this.missing.add(k);
        else this.unrememberedGaps++;
      }
      this.last = v;
      this.received++;
      this.outOfOrder++;
      return 'ahead';
    }
    if (this.missing.delete(v)) {
      this.received++;
      this.outOfOrder++;
      return 'late';
    }
    this.duplicates++;
    return 'duplicate';
  }

  /** Versions up to finalVersion that never arrived. */
  lost(finalVersion: number): number {
    return this.missing.size + this.unrememberedGaps + Math.max(0, finalVersion - this.last);
  }
}
