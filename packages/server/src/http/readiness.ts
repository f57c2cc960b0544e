/**
 * Readiness (/readyz) from state kept up to date in the background (F2): a load balancer's probe
 * is answered at once from what each dependency last reported, never by a query that may hang
 * with the database.
 */

export interface DependencyStatus {
  ready: boolean;
  /** Why not, for people reading the probe. */
  reason?: string;
}

/** One dependency of the node; `status` is synchronous and cheap. */
export interface Dependency {
  readonly name: string;
  status(): DependencyStatus;
}

export interface ProbeOptions {
  /** Time between the end of one probe and the start of the next. */
  intervalMs: number;
  /** A probe unanswered this long makes the dependency not ready (it is not started again meanwhile). */
  timeoutMs: number;
  /** The reason while it is not ready. */
  reason: string;
  now?: () => number;
}

/**
 * A dependency checked by an async probe on a timer. Only one probe runs at a time: against a
 * hung server a probe stays in flight, and its age alone turns the status to not ready.
 */
export class BackgroundProbe implements Dependency {
  private lastOk = false;
  private inFlightSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => number;
  private settled!: () => void;
  /** Resolves once the first probe has answered (either way). */
  readonly first = new Promise<void>((resolve) => (this.settled = resolve));

  constructor(
    readonly name: string,
    private readonly probe: () => Promise<unknown>,
    private readonly opts: ProbeOptions,
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.run();
  }

  status(): DependencyStatus {
    const stuck = this.inFlightSince !== null && this.now() - this.inFlightSince > this.opts.timeoutMs;
    return this.lastOk && !stuck ? { ready: true } : { ready: false, reason: this.opts.reason };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    if (this.stopped) return;
    this.inFlightSince = this.now();
    this.probe().then(
      () => this.settle(this.now() - this.inFlightSince! <= this.opts.timeoutMs),
      () => this.settle(false),
    );
  }

  private settle(ok: boolean): void {
    this.lastOk = ok;
    this.inFlightSince = null;
    this.settled();
    if (this.stopped) return;
    this.timer = setTimeout(() => this.run(), this.opts.intervalMs);
    this.timer.unref();
  }
}
