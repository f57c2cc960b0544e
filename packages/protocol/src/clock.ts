/**
 * Clock sync (DESIGN §5, "IRCAM-lite"): estimate a device's offset to the server's reference
 * clock from four-timestamp ping/pong samples, and run a show clock on it that never goes
 * backwards. Pure: no timers, no clock reads — every time is passed in. docs/LIVE.md gives the
 * method, its parameters and its guarantees.
 *
 * One sample: t0 (client send, performance.now()), t1 (server receive), t2 (server send),
 * t3 (client receive). With one-way delays ≥ 0:
 *   offset θ = ((t1 − t0) + (t2 − t3)) / 2     (server time = client time + θ)
 *   round trip δ = (t3 − t0) − (t2 − t1)        (server hold time removed)
 * and the true offset lies within θ ± δ/2, whatever the asymmetry of the path.
 */

export interface ClockSample {
  /** Client send time (client monotonic ms). */
  t0: number;
  /** Server receive time (server reference ms). */
  t1: number;
  /** Server send time (server reference ms). */
  t2: number;
  /** Client receive time (client monotonic ms). */
  t3: number;
}

export interface SampleMeasure {
  offsetMs: number;
  rttMs: number;
}

export function measureSample(s: ClockSample): SampleMeasure {
  return { offsetMs: (s.t1 - s.t0 + (s.t2 - s.t3)) / 2, rttMs: s.t3 - s.t0 - (s.t2 - s.t1) };
}

/** A sample a clock could have produced: finite, the client's times in order, the server's too. */
export function isPlausibleSample(s: ClockSample): boolean {
  return (
    Number.isFinite(s.t0) &&
    Number.isFinite(s.t1) &&
    Number.isFinite(s.t2) &&
    Number.isFinite(s.t3) &&
    s.t3 >= s.t0 &&
    s.t2 >= s.t1
  );
}

export interface EstimatorOptions {
  /** The fastest samples: round trip within max(ratio × fastest, keepWithinMs) of the fastest (the fallback estimate, and reported). */
  keepWithinRatio?: number;
  keepWithinMs?: number;
  /** A burst with fewer plausible samples is not used. */
  minSamples?: number;
  /** Samples are kept this long (client time) for the estimate across bursts… */
  windowMs?: number;
  /** …and at most this many (the oldest go first). */
  maxSamples?: number;
  /** Largest error of any one timestamp (performance.now() is coarsened to 100 µs). */
  timestampErrorMs?: number;
  /** Assumed worst oscillator drift between device and server; a sample's interval widens with its age by it. */
  assumedDriftPpm?: number;
}

const ESTIMATOR_DEFAULTS: Required<EstimatorOptions> = {
  keepWithinRatio: 0.01,
  keepWithinMs: 0.5,
  minSamples: 2,
  windowMs: 90_000,
  maxSamples: 64,
  timestampErrorMs: 0.1,
  assumedDriftPpm: 100,
};

export interface OffsetEstimate {
  /** Server time − client time, ms. */
  offsetMs: number;
  /** |offsetMs − true offset| ≤ errorMs at atLocalMs (under the stated assumptions). */
  errorMs: number;
  /** Fastest round trip of the burst. */
  minRttMs: number;
  /** Samples kept (within a hair of the fastest) / plausible samples in the burst. */
  keptSamples: number;
  samples: number;
  /** Client time the estimate refers to (the burst's last receive time). */
  atLocalMs: number;
}

export type BurstOutcome =
  | { accepted: true; estimate: OffsetEstimate; burst: OffsetEstimate }
  | { accepted: false; reason: 'too-few-samples'; minRttMs: number | null; samples: number };

/** Sync quality as a device reports it (DESIGN §5): what the SM needs to trust it or not. */
export interface SyncQuality {
  offsetMs: number;
  /** Error bound now: the estimate's bound plus the drift allowed since; null before the first sync. */
  errorMs: number | null;
  lastSyncAgeMs: number | null;
  samples: number;
}

/** A sample as an interval that holds the true offset at its receive time (see the file's head). */
interface SampleInterval {
  lo: number;
  hi: number;
  /** Client receive time (t3). */
  at: number;
  rttMs: number;
  offsetMs: number;
}

function toInterval(s: ClockSample, timestampErrorMs: number): SampleInterval {
  const m = measureSample(s);
  // Rounding moves θ by up to 2e and δ/2 by up to 2e.
  const half = Math.max(0, m.rttMs) / 2 + 4 * timestampErrorMs;
  return { lo: m.offsetMs - half, hi: m.offsetMs + half, at: s.t3, rttMs: m.rttMs, offsetMs: m.offsetMs };
}

/**
 * Intersect intervals, newest first, each widened by the drift allowed between its time and
 * `at` (K1). Every interval holds the truth, so their intersection does; its width is at most
 * the fastest round trip, and it combines the fastest uplink and the fastest downlink even when
 * they came from different pings. Stops at the first interval that does not meet the
 * intersection of the newer ones — an assumption broke there (drift beyond the allowance, a
 * clock that stepped, another node's reference): it and everything older are out. Returns the
 * intersection and how many intervals (from the newest) made it.
 */
function intersectNewestFirst(
  newestFirst: readonly SampleInterval[],
  at: number,
  driftPpm: number,
): { lo: number; hi: number; used: number } | null {
  let lo = -Infinity;
  let hi = Infinity;
  let used = 0;
  for (const iv of newestFirst) {
    const widen = driftPpm * 1e-6 * Math.abs(at - iv.at);
    const nlo = Math.max(lo, iv.lo - widen);
    const nhi = Math.min(hi, iv.hi + widen);
    if (nlo > nhi) break;
    lo = nlo;
    hi = nhi;
    used++;
  }
  return used === 0 ? null : { lo, hi, used };
}

/**
 * One burst → one estimate: the midpoint of the intersection of every sample's interval
 * θ ± δ/2, with half its width as the error bound (≤ fastest round trip / 2).
 */
export function estimateBurst(samples: readonly ClockSample[], options: EstimatorOptions = {}): OffsetEstimate | null {
  const o = { ...ESTIMATOR_DEFAULTS, ...options };
  const plausible = samples.filter(isPlausibleSample);
  if (plausible.length === 0) return null;
  const atLocalMs = Math.max(...plausible.map((s) => s.t3));
  const intervals = plausible.map((s) => toInterval(s, o.timestampErrorMs));
  const minRttMs = Math.min(...intervals.map((m) => m.rttMs));
  const hair = Math.max(Math.abs(minRttMs) * o.keepWithinRatio, o.keepWithinMs);
  const kept = intervals.filter((m) => m.rttMs <= minRttMs + hair);
  const widen = (m: SampleInterval) => o.assumedDriftPpm * 1e-6 * (atLocalMs - m.at);
  const lo = Math.max(...intervals.map((m) => m.lo - widen(m)));
  const hi = Math.min(...intervals.map((m) => m.hi + widen(m)));
  let offsetMs: number;
  let errorMs: number;
  if (lo <= hi) {
    offsetMs = (lo + hi) / 2;
    errorMs = (hi - lo) / 2;
  } else {
    // The intervals disagree: an assumption broke (drift beyond the allowance, a clock that
    // stepped mid-burst). Fall back to the median of the fastest samples; its bound is the
    // largest half round trip among them.
    offsetMs = medianOf(kept.map((m) => m.offsetMs));
    errorMs = Math.max(...kept.map((m) => (m.hi - m.lo) / 2 + widen(m)));
  }
  return {
    offsetMs,
    errorMs,
    minRttMs: Math.max(0, minRttMs),
    keptSamples: kept.length,
    samples: intervals.length,
    atLocalMs,
  };
}

function medianOf(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * Bursts in, the current offset estimate out (K1): the intersection of every sample's interval
 * over a sliding window of bursts (Marzullo-style), each aged by the drift allowance. A burst
 * that met a slow or congested path adds wide intervals, which cannot widen the intersection:
 * a short maintenance burst never replaces a better estimate, it only sharpens it when one of
 * its samples is faster on one side. An old sample's interval widens with its age, so it gives
 * way to fresher ones on its own, and drops out of the window after windowMs.
 */
export class ClockOffsetEstimator {
  private readonly o: Required<EstimatorOptions>;
  /** The window's samples, oldest first. */
  private readonly window: SampleInterval[] = [];
  private estimate: OffsetEstimate | null = null;

  constructor(options: EstimatorOptions = {}) {
    this.o = { ...ESTIMATOR_DEFAULTS, ...options };
  }

  get current(): OffsetEstimate | null {
    return this.estimate;
  }

  /** Samples in the window. */
  get windowSize(): number {
    return this.window.length;
  }

  addBurst(samples: readonly ClockSample[], localNowMs: number): BurstOutcome {
    const plausible = samples.filter(isPlausibleSample);
    if (plausible.length < this.o.minSamples) {
      return { accepted: false, reason: 'too-few-samples', minRttMs: null, samples: plausible.length };
    }
    const burst = estimateBurst(plausible, this.o)!;
    const fresh = plausible.map((s) => toInterval(s, this.o.timestampErrorMs)).sort((a, b) => a.at - b.at);
    this.window.push(...fresh);
    this.window.sort((a, b) => a.at - b.at);
    const horizon = Math.max(localNowMs, burst.atLocalMs) - this.o.windowMs;
    while (this.window.length > 0 && (this.window[0]!.at < horizon || this.window.length > this.o.maxSamples))
      this.window.shift();
    const at = burst.atLocalMs;
    const newestFirst = [...this.window].reverse();
    const cut = intersectNewestFirst(newestFirst, at, this.o.assumedDriftPpm);
    if (cut && cut.used >= Math.min(fresh.length, this.window.length)) {
      // Everything older than the first disagreeing sample is out of the window for good.
      this.window.splice(0, this.window.length - cut.used);
      this.estimate = {
        offsetMs: (cut.lo + cut.hi) / 2,
        errorMs: (cut.hi - cut.lo) / 2,
        minRttMs: burst.minRttMs,
        keptSamples: cut.used,
        samples: burst.samples,
        atLocalMs: at,
      };
    } else {
      // This burst's own samples disagree among themselves: start over from its fallback.
      this.window.splice(0, this.window.length - fresh.length);
      this.estimate = burst;
    }
    return { accepted: true, estimate: this.estimate, burst };
  }

  /**
   * The estimate the window would give with these samples added, without keeping them (a burst
   * still running); null when they disagree among themselves.
   */
  peek(samples: readonly ClockSample[]): OffsetEstimate | null {
    const plausible = samples.filter(isPlausibleSample);
    if (plausible.length === 0) return null;
    const fresh = plausible.map((s) => toInterval(s, this.o.timestampErrorMs));
    const at = Math.max(...fresh.map((f) => f.at));
    const newestFirst = [...this.window, ...fresh].sort((a, b) => b.at - a.at);
    const cut = intersectNewestFirst(newestFirst, at, this.o.assumedDriftPpm);
    if (!cut || cut.used < fresh.length) return null;
    return {
      offsetMs: (cut.lo + cut.hi) / 2,
      errorMs: (cut.hi - cut.lo) / 2,
      minRttMs: Math.max(0, Math.min(...fresh.map((f) => f.rttMs))),
      keptSamples: cut.used,
      samples: fresh.length,
      atLocalMs: at,
    };
  }

  /** The error bound at localNowMs: the estimate's bound plus the drift the oscillators may have made since. */
  errorAt(localNowMs: number): number | null {
    if (!this.estimate) return null;
    const age = Math.max(0, localNowMs - this.estimate.atLocalMs);
    return this.estimate.errorMs + this.o.assumedDriftPpm * 1e-6 * age;
  }

  quality(localNowMs: number): SyncQuality {
    const e = this.estimate;
    return {
      offsetMs: e?.offsetMs ?? 0,
      errorMs: this.errorAt(localNowMs),
      lastSyncAgeMs: e ? Math.max(0, localNowMs - e.atLocalMs) : null,
      samples: e?.keptSamples ?? 0,
    };
  }

  /** Forget everything (a different server, say). */
  reset(): void {
    this.estimate = null;
    this.window.length = 0;
  }
}

// ---- what a clock is worth to the show (K3, K4) ---------------------------------------------

export const CLOCK_QUALITY = {
  /** The sync target: devices agree within this. A device whose own bound is above it says so quietly (K4). */
  targetMs: 10,
  /**
   * A bound above this is worth the SM's attention (K3), and the device says so clearly: a
   * countdown shown in whole seconds then ticks over up to a fifth of a second off, about an
   * operator's visual reaction time. Below it the bound is mostly path delay (it is at least half
   * the fastest round trip), not an error anyone working to that phone could notice.
   */
  warnMs: 200,
  /** A clock not synced for this long is stale (docs/LIVE.md). */
  staleMs: 60_000,
  /** The bound a report carried grows by this drift allowance while no new one comes. */
  driftPpm: 100,
} as const;

export type ClockDoubt =
  { kind: 'hidden' } | { kind: 'unsynced' } | { kind: 'stale'; ageMs: number } | { kind: 'poor'; errorMs: number };

/**
 * Why a device's clock cannot be trusted at serverNowMs (K3), or null. Ages come from server
 * times, so a device that stopped reporting (its page hung, its traffic dropped) goes stale on
 * the board by itself, without a new message.
 */
export function deviceClockDoubt(
  d: { errorMs: number | null; syncedAtServerMs: number | null; reportedAtServerMs: number | null; hidden: boolean },
  serverNowMs: number,
): ClockDoubt | null {
  if (d.hidden) return { kind: 'hidden' };
  if (d.errorMs === null || d.syncedAtServerMs === null) return { kind: 'unsynced' };
  const ageMs = Math.max(0, serverNowMs - d.syncedAtServerMs);
  if (ageMs > CLOCK_QUALITY.staleMs) return { kind: 'stale', ageMs };
  const since = Math.max(0, serverNowMs - (d.reportedAtServerMs ?? d.syncedAtServerMs));
  const errorMs = d.errorMs + CLOCK_QUALITY.driftPpm * 1e-6 * since;
  return errorMs > CLOCK_QUALITY.warnMs ? { kind: 'poor', errorMs } : null;
}

/** The words for a doubt, as the SM's board shows them. */
export function describeClockDoubt(d: ClockDoubt): string {
  switch (d.kind) {
    case 'hidden':
      return 'page hidden';
    case 'unsynced':
      return 'clock not synced yet';
    case 'stale':
      return `clock not synced for ${Math.floor(d.ageMs / 1000)} s`;
    case 'poor':
      return `clock ±${Math.round(d.errorMs)} ms`;
  }
}

export type OwnClockState =
  | { level: 'ok' }
  | { level: 'quiet'; errorMs: number }
  | { level: 'clear'; reason: 'stale'; ageMs: number }
  | { level: 'clear'; reason: 'poor'; errorMs: number };

/**
 * What a device says about its own clock (K4): nothing while it meets the target, a quiet note
 * of its bound above it, a clear warning when the bound is past what the SM is warned about or
 * the clock has not synced for a while.
 */
export function ownClockState(q: { errorMs: number | null; lastSyncAgeMs: number | null }): OwnClockState {
  if (q.errorMs === null || q.lastSyncAgeMs === null) return { level: 'ok' };
  if (q.lastSyncAgeMs > CLOCK_QUALITY.staleMs) return { level: 'clear', reason: 'stale', ageMs: q.lastSyncAgeMs };
  if (q.errorMs > CLOCK_QUALITY.warnMs) return { level: 'clear', reason: 'poor', errorMs: q.errorMs };
  if (q.errorMs > CLOCK_QUALITY.targetMs) return { level: 'quiet', errorMs: q.errorMs };
  return { level: 'ok' };
}

// ---- the show clock --------------------------------------------------------------------------

export interface ClockStep {
  fromOffsetMs: number | null;
  toOffsetMs: number;
  atLocalMs: number;
  reason: string;
}

export interface ShowClockOptions {
  /** A correction at least this large (or a requested one) is stepped; smaller ones are slewed. */
  stepAboveMs?: number;
  /** A slewed correction completes within this long… */
  slewWithinMs?: number;
  /** …but never slower than this many ms per second. */
  minSlewMsPerS?: number;
  /** Told of every step, the first sync included: log it. */
  onStep?: (step: ClockStep) => void;
}

const SHOW_CLOCK_DEFAULTS = { stepAboveMs: 50, slewWithinMs: 5_000, minSlewMsPerS: 1 };

/**
 * Maps local monotonic time to server time. A small correction is slewed (at most
 * stepAboveMs / slewWithinMs, 1 % with the defaults, so nobody sees it); a large one steps,
 * and now() holds still rather than run backwards after a step back.
 */
export class ShowClock {
  private readonly o: typeof SHOW_CLOCK_DEFAULTS;
  private readonly onStep: ((step: ClockStep) => void) | undefined;
  private base: { atLocalMs: number; offsetMs: number; targetMs: number; ratePerMs: number } | null = null;
  private lastNow = -Infinity;

  constructor(options: ShowClockOptions = {}) {
    this.o = {
      stepAboveMs: options.stepAboveMs ?? SHOW_CLOCK_DEFAULTS.stepAboveMs,
      slewWithinMs: options.slewWithinMs ?? SHOW_CLOCK_DEFAULTS.slewWithinMs,
      minSlewMsPerS: options.minSlewMsPerS ?? SHOW_CLOCK_DEFAULTS.minSlewMsPerS,
    };
    this.onStep = options.onStep;
  }

  get synced(): boolean {
    return this.base !== null;
  }

  /** The offset in force at localMs (slewing toward the target); 0 before the first sync. */
  offsetAt(localMs: number): number {
    const b = this.base;
    if (!b) return 0;
    const room = Math.max(0, localMs - b.atLocalMs) * b.ratePerMs;
    const diff = b.targetMs - b.offsetMs;
    return b.offsetMs + Math.sign(diff) * Math.min(Math.abs(diff), room);
  }

  /** The offset the clock is heading for. */
  get targetOffsetMs(): number | null {
    return this.base?.targetMs ?? null;
  }

  /**
   * Move toward a new offset estimate. Steps on the first sync, when asked (a reconnect), or
   * when the change is at least stepAboveMs; slews otherwise.
   */
  adjust(offsetMs: number, localNowMs: number, opts: { step?: boolean; reason?: string } = {}): 'step' | 'slew' {
    const current = this.base ? this.offsetAt(localNowMs) : null;
    if (current === null || opts.step || Math.abs(offsetMs - current) >= this.o.stepAboveMs) {
      this.base = { atLocalMs: localNowMs, offsetMs, targetMs: offsetMs, ratePerMs: 0 };
      this.onStep?.({
        fromOffsetMs: current,
        toOffsetMs: offsetMs,
        atLocalMs: localNowMs,
        reason: opts.reason ?? (current === null ? 'first sync' : 'large correction'),
      });
      return 'step';
    }
    const diff = Math.abs(offsetMs - current);
    const ratePerMs = Math.max(diff / this.o.slewWithinMs, this.o.minSlewMsPerS / 1000);
    this.base = { atLocalMs: localNowMs, offsetMs: current, targetMs: offsetMs, ratePerMs };
    return 'slew';
  }

  /** The offset the clock shows at localMs: offsetAt, or more while it holds still after a step back. */
  shownOffsetAt(localMs: number): number {
    return Math.max(this.lastNow, this.toServer(localMs)) - localMs;
  }

  /** Server time for a local time, without the monotonic guard (for stamping past events). */
  toServer(localMs: number): number {
    return localMs + this.offsetAt(localMs);
  }

  /** Server time now; never less than a value it returned before. */
  now(localNowMs: number): number {
    const t = Math.max(this.lastNow, this.toServer(localNowMs));
    this.lastNow = t;
    return t;
  }

  /** Local time at which the server clock reads serverMs (to schedule a GO or a countdown tick). */
  toLocal(serverMs: number, localNowMs: number): number {
    return serverMs - this.offsetAt(localNowMs);
  }
}

// ---- the sync session driver -----------------------------------------------------------------

export type BurstReason =
  'connect' | 'reconnect' | 'visible' | 'online' | 'timeout' | 'maintenance' | 'settle' | 'manual';

export interface PongSample {
  id: number;
  t0: number;
  t1: number;
  t2: number;
}

export interface ClockSyncOptions {
  /** Send a ping {id, t0} on the socket. */
  sendPing(id: number, t0: number): void;
  /** Pings in a full burst (connect, reconnect, visible, online, after a timeout). */
  burstSize?: number;
  /** Pings in a maintenance burst. */
  maintenanceSize?: number;
  /** Time between one ping's send and the next's, within a burst. */
  pingSpacingMs?: number;
  /** Maintenance bursts start a uniform random time in [min, max] after the last burst ended. */
  maintenanceMinMs?: number;
  maintenanceMaxMs?: number;
  /**
   * While the estimator's window holds fewer samples than this, the next burst is a full one,
   * comes a uniform random time in [settleMinMs, settleMaxMs] after the last, and steps the clock
   * like the connect burst (K1): one burst's estimate is only as good as its fastest ping each
   * way, so a device that just connected gathers a few bursts' worth at once rather than living
   * on one for 10–20 s, and shows each better estimate at once rather than slewing to it.
   */
  settleSamples?: number;
  settleMinMs?: number;
  settleMaxMs?: number;
  /** Ping timeout: starts here, doubles on a timeout, shrinks by a quarter on a pong. */
  initialTimeoutMs?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Uniform [0, 1) source (seeded in tests). */
  random?: () => number;
  estimator?: EstimatorOptions;
  clock?: ShowClockOptions;
  /** Told after every burst, accepted or not. */
  onBurst?: (outcome: BurstOutcome, reason: BurstReason) => void;
}

const SESSION_DEFAULTS = {
  burstSize: 10,
  maintenanceSize: 4,
  pingSpacingMs: 150,
  maintenanceMinMs: 10_000,
  maintenanceMaxMs: 20_000,
  settleSamples: 30,
  settleMinMs: 150,
  settleMaxMs: 300,
  initialTimeoutMs: 1_000,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 30_000,
};

interface Burst {
  size: number;
  sent: number;
  samples: ClockSample[];
  reason: BurstReason;
  stepAfter: boolean;
}

/**
 * Drives the ping/pong exchange without timers of its own. The client library:
 *   - calls requestBurst(now, 'connect' | 'reconnect' | 'visible' | 'online') on those events;
 *   - calls onPong(pong, performance.now()) for every pong, then poll(now);
 *   - calls poll(now) at (or after) the time poll returned last, with a timer of its own.
 * One ping is outstanding at a time; only the pong of the latest ping counts (duplicates,
 * late and reordered pongs are ignored).
 */
export class ClockSyncSession {
  readonly estimator: ClockOffsetEstimator;
  readonly clock: ShowClock;
  private readonly o: typeof SESSION_DEFAULTS;
  private readonly random: () => number;
  private readonly sendPing: (id: number, t0: number) => void;
  private readonly onBurst: ClockSyncOptions['onBurst'];
  private readonly estimatorOptions: EstimatorOptions;
  private nextId = 1;
  private outstanding: { id: number; t0: number; deadline: number } | null = null;
  private burst: Burst | null = null;
  private nextPingAt = 0;
  private nextBurstAt: number | null = null;
  private timeoutMs: number;
  private settled = false;

  constructor(options: ClockSyncOptions) {
    this.o = { ...SESSION_DEFAULTS };
    for (const key of Object.keys(SESSION_DEFAULTS) as (keyof typeof SESSION_DEFAULTS)[]) {
      const v = options[key];
      if (v !== undefined) this.o[key] = v;
    }
    this.random = options.random ?? Math.random;
    this.sendPing = options.sendPing;
    this.onBurst = options.onBurst;
    this.estimatorOptions = options.estimator ?? {};
    this.estimator = new ClockOffsetEstimator(options.estimator);
    this.clock = new ShowClock(options.clock);
    this.timeoutMs = this.o.initialTimeoutMs;
  }

  /** Start a full burst now (or turn the running one into a full one). */
  requestBurst(localNowMs: number, reason: BurstReason): void {
    const stepAfter = reason === 'connect' || reason === 'reconnect';
    if (stepAfter) this.settled = false;
    if (reason === 'reconnect') {
      // The old socket's ping will never be answered.
      this.outstanding = null;
      this.timeoutMs = this.o.initialTimeoutMs;
    }
    if (this.burst && reason !== 'reconnect') {
      this.burst.size = Math.max(this.burst.size, this.burst.sent + this.o.burstSize);
      this.burst.stepAfter ||= stepAfter;
      return;
    }
    this.burst = { size: this.o.burstSize, sent: 0, samples: [], reason, stepAfter };
    this.nextPingAt = localNowMs;
  }

  /** Do what is due at localNowMs (send a ping, time one out, finish a burst); returns when to call again. */
  poll(localNowMs: number): number {
    if (this.outstanding && localNowMs >= this.outstanding.deadline) {
      this.outstanding = null;
      this.timeoutMs = Math.min(this.o.maxTimeoutMs, this.timeoutMs * 2);
      // A lost ping may mean a changed network: a short maintenance burst becomes a full one.
      if (this.burst && this.burst.reason === 'maintenance') {
        this.burst.size = Math.max(this.burst.size, this.o.burstSize);
        this.burst.reason = 'timeout';
      }
    }
    if (!this.burst && this.nextBurstAt !== null && localNowMs >= this.nextBurstAt) {
      const settle = this.settling;
      this.burst = {
        size: settle ? this.o.burstSize : this.o.maintenanceSize,
        sent: 0,
        samples: [],
        reason: settle ? 'settle' : 'maintenance',
        stepAfter: settle,
      };
      this.nextBurstAt = null;
      this.nextPingAt = localNowMs;
    }
    if (this.burst && !this.outstanding) {
      if (this.burst.sent >= this.burst.size) this.finishBurst(localNowMs);
      else if (localNowMs >= this.nextPingAt) {
        const id = this.nextId++;
        this.outstanding = { id, t0: localNowMs, deadline: localNowMs + this.timeoutMs };
        this.burst.sent++;
        this.nextPingAt = localNowMs + this.o.pingSpacingMs;
        this.sendPing(id, localNowMs);
      }
    }
    if (this.outstanding) return this.outstanding.deadline;
    if (this.burst) return Math.max(localNowMs, this.nextPingAt);
    return this.nextBurstAt ?? Infinity;
  }

  /** A pong arrived at localNowMs (t3). Returns whether it was used. Call poll afterwards. */
  onPong(pong: PongSample, localNowMs: number): boolean {
    const o = this.outstanding;
    if (!o || !this.burst || pong.id !== o.id || pong.t0 !== o.t0) return false;
    const sample = { t0: o.t0, t1: pong.t1, t2: pong.t2, t3: localNowMs };
    if (!isPlausibleSample(sample)) return false;
    this.outstanding = null;
    this.timeoutMs = Math.max(this.o.minTimeoutMs, this.timeoutMs * 0.75);
    this.burst.samples.push(sample);
    if (!this.estimator.current) {
      // Before the first full estimate, run on what the burst has so far (its bound is looser):
      // a device that joins mid-show shows about the right time after one round trip, and the
      // end of the burst steps it to the full estimate.
      const provisional = estimateBurst(this.burst.samples, this.estimatorOptions);
      if (provisional) this.clock.adjust(provisional.offsetMs, localNowMs, { step: true, reason: 'provisional' });
    } else if (this.settling) {
      // Still settling after a connect (K1): each pong may sharpen the window, and the clock
      // steps to it at once instead of waiting for the burst to end. The reported bound covers
      // the distance between the shown clock and the last full estimate (quality()).
      const peek = this.estimator.peek(this.burst.samples);
      const shown = this.clock.targetOffsetMs;
      if (peek && shown !== null && Math.abs(peek.offsetMs - shown) > 0.05)
        this.clock.adjust(peek.offsetMs, localNowMs, { step: true, reason: 'settle' });
    }
    return true;
  }

  private finishBurst(localNowMs: number): void {
    const burst = this.burst!;
    this.burst = null;
    const outcome = this.estimator.addBurst(burst.samples, localNowMs);
    const [min, max] = this.settling
      ? [this.o.settleMinMs, this.o.settleMaxMs]
      : [this.o.maintenanceMinMs, this.o.maintenanceMaxMs];
    this.nextBurstAt = localNowMs + min + this.random() * (max - min);
    if (outcome.accepted) {
      this.clock.adjust(outcome.estimate.offsetMs, localNowMs, {
        step: burst.stepAfter,
        reason: burst.stepAfter ? burst.reason : undefined,
      });
    } else if (outcome.reason === 'too-few-samples' && !this.estimator.current) {
      // Nothing to go on yet: try again soon rather than in 10–20 s.
      this.nextBurstAt = localNowMs + this.o.pingSpacingMs;
    }
    this.onBurst?.(outcome, burst.reason);
  }

  /** Since the last connect or reconnect, the window has not yet held settleSamples: bursts come sooner. */
  private get settling(): boolean {
    if (this.settled || this.estimator.current === null) return false;
    this.settled = this.estimator.windowSize >= this.o.settleSamples;
    return !this.settled;
  }

  /** Server time now, on the monotonic show clock. */
  serverNow(localNowMs: number): number {
    return this.clock.now(localNowMs);
  }

  /** A full burst's estimate is in force (before that the clock may run on a provisional one). */
  get synced(): boolean {
    return this.estimator.current !== null;
  }

  /**
   * The quality of the clock as shown (K2): its offset, and a bound that adds to the estimate's
   * the distance the show clock still has to slew (or is holding still after a step back).
   */
  quality(localNowMs: number): SyncQuality {
    const q = this.estimator.quality(localNowMs);
    if (q.errorMs === null || !this.clock.synced) return q;
    const shown = this.clock.shownOffsetAt(localNowMs);
    return { ...q, offsetMs: shown, errorMs: q.errorMs + Math.abs(shown - q.offsetMs) };
  }
}
