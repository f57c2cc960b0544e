/**
 * The heartbeat's schedule (S19): every socket is pinged exactly once per interval, from the
 * first socket on, with the pings spread over the interval.
 *
 * A wheel of `slots` buckets, one bucket visited per tick (interval / slots). A socket keeps its
 * bucket for life, so its pings are exactly `slots` ticks apart whatever joins or leaves; a
 * joining socket goes to the emptiest bucket (the next one to be visited on a tie), so a
 * reconnect storm is spread over the interval rather than landing in one tick — one sweep of
 * 5,000 sockets at once held the event loop for about 100 ms, and every live delivery waited
 * behind it. The alternative, a sweep over the live set sized when it starts, never advances
 * when it starts empty and pings too often when the set is small.
 */
export class HeartbeatWheel<T> {
  private readonly buckets: Set<T>[];
  private readonly slotOf = new Map<T, number>();
  private pos = 0;

  constructor(
    readonly slots: number,
    members: Iterable<T> = [],
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, not ${slots}`);
    this.buckets = Array.from({ length: slots }, () => new Set<T>());
    for (const m of members) this.add(m);
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(m: T): void {
    if (this.slotOf.has(m)) return;
    let best = this.pos;
    for (let i = 1; i < this.slots; i++) {
      const s = (this.pos + i) % this.slots;
      if (this.buckets[s]!.size < this.buckets[best]!.size) best = s;
    }
    this.buckets[best]!.add(m);
    this.slotOf.set(m, best);
  }

  delete(m: T): void {
    const s = this.slotOf.get(m);
    if (s === undefined) return;
    this.slotOf.delete(m);
    this.buckets[s]!.delete(m);
  }

  /** The members due at this tick (a copy: what they do may change the wheel). */
  tick(): T[] {
    const due = [...this.buckets[this.pos]!];
    this.pos = (this.pos + 1) % this.slots;
    return due;
  }
}

/** Slices of an interval: up to 100, none shorter than 50 ms. */
export function heartbeatSlots(intervalMs: number): number {
  return Math.max(1, Math.min(100, Math.floor(intervalMs / 50)));
}
