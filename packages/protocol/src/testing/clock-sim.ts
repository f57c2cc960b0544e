/**
 * A simulated network for clock-sync tests: a server on the reference clock, devices whose
 * clocks are offset and drift, and links with jitter, asymmetry, Wi-Fi power-save spikes,
 * loss, duplicates and late (reordered) pongs. Event-driven on a true time line, seeded, no
 * real timers: a simulated hour runs in milliseconds. Used by clock.test.ts only.
 */
import { ClockSyncSession, type BurstOutcome, type ClockSyncOptions } from '../clock';

/** Seeded uniform [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Jitter = { kind: 'none' } | { kind: 'uniform' | 'exponential' | 'pareto'; scaleMs: number };

export interface LinkProfile {
  /** Fixed one-way delays. */
  upMs: number;
  downMs: number;
  /** Random extra delay per packet, drawn independently for each direction. */
  upJitter: Jitter;
  downJitter: Jitter;
  /** Share of downlink packets held by Wi-Fi power save: +100, +200 or +300 ms. */
  psmShare: number;
  lossShare: number;
  duplicateShare: number;
  /** Share of pongs delayed 1–3 s: they arrive after later pings (reordered, late). */
  lateShare: number;
  /** Server time between receiving a ping and sending the pong: uniform [0, holdMaxMs]. */
  holdMaxMs: number;
  /** Every timestamp is rounded to this. */
  resolutionMs: number;
}

export const CLEAN_LINK: LinkProfile = {
  upMs: 2,
  downMs: 2,
  upJitter: { kind: 'none' },
  downJitter: { kind: 'none' },
  psmShare: 0,
  lossShare: 0,
  duplicateShare: 0,
  lateShare: 0,
  holdMaxMs: 0,
  resolutionMs: 0.1,
};

export interface DeviceSpec {
  /** Server − local at true time 0, ms. */
  offsetMs: number;
  /** Local clock rate error: local runs (1 + ppm·1e-6) times as fast as the server. */
  driftPpm: number;
  link: LinkProfile;
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

/** A min-heap of events by time, ties in insertion order. */
class Queue {
  private heap: Event[] = [];
  private seq = 0;
  push(at: number, run: () => void): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, run });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
  peek(): Event | undefined {
    return this.heap[0];
  }
}
const less = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export interface BurstRecord {
  outcome: BurstOutcome;
  /** True offset at the estimate's reference time. */
  trueOffsetMs: number;
}

export class SimDevice {
  readonly session: ClockSyncSession;
  readonly bursts: BurstRecord[] = [];
  pingsSent = 0;
  pongsDelivered = 0;
  private wakeGeneration = 0;

  constructor(
    private readonly sim: ClockSim,
    readonly spec: DeviceSpec,
    private readonly random: () => number,
    options: Partial<ClockSyncOptions> = {},
  ) {
    this.session = new ClockSyncSession({
      random,
      ...options,
      sendPing: (id, t0) => this.sendPing(id, t0),
      onBurst: (outcome, reason) => {
        const trueOffsetMs = outcome.accepted ? this.trueOffsetAtLocal(outcome.estimate.atLocalMs) : NaN;
        this.bursts.push({ outcome, trueOffsetMs });
        options.onBurst?.(outcome, reason);
      },
    });
  }

  private get rate(): number {
    return 1 + this.spec.driftPpm * 1e-6;
  }

  /** The device's monotonic clock at true time T (unrounded). */
  localAt(T: number): number {
    return T * this.rate - this.spec.offsetMs;
  }

  trueAtLocal(local: number): number {
    return (local + this.spec.offsetMs) / this.rate;
  }

  /** Server − local at true time T. */
  trueOffsetAt(T: number): number {
    return T - this.localAt(T);
  }

  trueOffsetAtLocal(local: number): number {
    return this.trueOffsetAt(this.trueAtLocal(local));
  }

  /** What performance.now() would read now. */
  now(): number {
    return this.sim.round(this.localAt(this.sim.now), this.spec.link.resolutionMs);
  }

  start(reason: 'connect' = 'connect'): void {
    this.session.requestBurst(this.now(), reason);
    this.poll();
  }

  poll(): void {
    const next = this.session.poll(this.now());
    if (!Number.isFinite(next)) return;
    const gen = ++this.wakeGeneration;
    // Timers fire a little late, never early: a wake-up that reads a rounded-down clock would
    // find nothing due and ask for the same instant again.
    const at = Math.max(this.sim.now, this.trueAtLocal(next)) + Math.max(this.spec.link.resolutionMs, 0.01);
    this.sim.at(at, () => {
      if (gen === this.wakeGeneration) this.poll();
    });
  }

  private sendPing(id: number, t0: number): void {
    this.pingsSent++;
    const link = this.spec.link;
    const r = this.random;
    if (r() < link.lossShare) return;
    const up = link.upMs + draw(link.upJitter, r);
    this.sim.after(up, () => {
      const T1 = this.sim.now;
      const hold = r() * link.holdMaxMs;
      const t1 = this.sim.round(T1, link.resolutionMs);
      const t2 = this.sim.round(T1 + hold, link.resolutionMs);
      if (r() < link.lossShare) return;
      const copies = r() < link.duplicateShare ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        let down = link.downMs + draw(link.downJitter, r);
        if (r() < link.psmShare) down += 100 * (1 + Math.floor(r() * 3));
        if (r() < link.lateShare) down += 1000 + r() * 2000;
        this.sim.after(hold + down, () => {
          this.pongsDelivered++;
          this.session.onPong({ id, t0, t1, t2 }, this.now());
          this.poll();
        });
      }
    });
  }
}

function draw(j: Jitter, r: () => number): number {
  switch (j.kind) {
    case 'none':
      return 0;
    case 'uniform':
      return r() * j.scaleMs;
    case 'exponential':
      return -Math.log(1 - r()) * j.scaleMs;
    case 'pareto':
      // Shape 2, capped so one draw cannot stall a burst for minutes.
      return Math.min(j.scaleMs * (1 / Math.sqrt(1 - r()) - 1), 2000);
  }
}

export class ClockSim {
  now = 0;
  private readonly queue = new Queue();

  at(T: number, run: () => void): void {
    this.queue.push(Math.max(T, this.now), run);
  }

  after(ms: number, run: () => void): void {
    this.at(this.now + ms, run);
  }

  round(v: number, resolution: number): number {
    return resolution > 0 ? Math.round(v / resolution) * resolution : v;
  }

  /** Run events up to true time T (inclusive), then set the time to T. */
  runUntil(T: number): void {
    for (let e = this.queue.peek(); e && e.at <= T; e = this.queue.peek()) {
      this.queue.pop();
      this.now = e.at;
      e.run();
    }
    this.now = T;
  }

  /** Run until T, calling `probe` every `stepMs` of true time. */
  sample(T: number, stepMs: number, probe: (T: number) => void): void {
    for (let t = this.now; t <= T; t += stepMs) {
      this.runUntil(t);
      probe(t);
    }
  }
}
