/**
 * SyncClient: one script, kept in sync over one socket (DESIGN §3). Connects and says hello
 * with the last version it holds, catches up, applies its own edits at once and queues them
 * until the server commits them, rebases them on what others committed, reconnects with
 * jittered backoff, and keeps its queue in a PendingStore so a reload loses nothing.
 *
 * For React: `subscribe` + `getSnapshot` fit useSyncExternalStore (the snapshot is a new
 * immutable object on every change, the same object otherwise).
 */
import {
  CloseCode,
  ErrorCode,
  inverseOp,
  LIMITS,
  Op,
  OpError,
  PROTOCOL_VERSION,
  ServerMessage,
  type Ack,
  type Actor,
  type Change,
  type ClientMessage,
  type Conflict,
  type Department,
  type Element,
  type ErrorMessage,
  type Presence,
  type Role,
  type ScriptHeader,
  type Snapshot,
  type ClockSyncOptions,
  type PlaybackCommand,
  type PlaybackState,
} from '@cuebe/protocol';
import { CLOCK_PING_BASE, CommandFailed, LiveLink, type CommandResult, type SyncQualityReport } from './live';

/** Sends of one command whose outcome the server could not confirm, before giving up. */
const COMMAND_ATTEMPTS = 3;
import { Backoff, type BackoffOptions } from './backoff';
import { Emitter } from './emitter';
import { Replica, type PendingOp, type RebaseDrop } from './replica';
import { defaultCreateSocket, frameText, OPEN, type CreateSocket, type WebSocketLike } from './socket';
import { PersistedState, type PendingStore } from './storage';
import { UndoStack } from './undo-stack';
import { randomId } from './uuid';

export type SyncStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'closed';

export interface CloseReason {
  code: number;
  reason: string;
}

export interface SyncSnapshot {
  readonly status: SyncStatus;
  /** Why the connection ended for good (status 'closed'), or why the last one dropped. */
  readonly closeReason?: CloseReason;
  readonly role: Role | null;
  /** The confirmed version (what the server committed and this client has applied). */
  readonly version: number | null;
  /** The script header with the optimistic script info. */
  readonly script: ScriptHeader | null;
  /** The optimistic view: confirmed elements with the pending edits re-applied. */
  readonly elements: ReadonlyMap<string, Element>;
  readonly departments: readonly Department[];
  /** Edits not yet committed by the server. */
  readonly pendingCount: number;
  /**
   * The server said its database is not answering (an `error` UNAVAILABLE without opId) and no
   * edit has been acknowledged since: saving is delayed, the edits stay queued.
   */
  readonly savingDelayed: boolean;
  /** Who else is connected, as the server last said; null while this client is not connected. */
  readonly presence: Presence | null;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Live show: the playback state (highest version seen), null until the server sent one. */
  readonly playback: PlaybackState | null;
}

export interface SyncEvents extends Record<string, unknown> {
  /** A committed change was applied (mine: it was this client's op). */
  change: { version: number; actor: Actor; kind: string; mine: boolean; change: Change };
  /** A field of the same element was written by two editors; the server told both. */
  conflict: Conflict;
  /** A server error not tied to a queued op, a malformed frame, a storage failure. */
  error: { code: string; message: string; opId?: string };
  /** An edit was dropped: refused by the server, or no longer applicable after a rebase. */
  dropped: { opId: string; op: Op; code: string; message: string };
  status: { status: SyncStatus; closeReason?: CloseReason };
  ack: { opId: string; version: number; duplicate: boolean };
  /** A newer playback state arrived (live show). */
  playback: { state: PlaybackState };
  /** A clock-sync burst ended (accepted or not); the quality now. */
  sync: SyncQualityReport;
  /** A reconnect is scheduled (for "reconnecting in 4 s"); attempt counts from 1 since the last stable connection. */
  retry: { attempt: number; delayMs: number };
}

export interface PingResult {
  /** Client monotonic send and receive times (ms). */
  t0: number;
  t3: number;
  /** Server receive and send times (ms since epoch, the server's reference clock). */
  t1: number;
  t2: number;
  /** Round trip minus the server's processing time. */
  rtt: number;
  /** Server clock minus client clock at the midpoint, assuming a symmetric path. */
  offset: number;
}

export interface SyncClientOptions {
  /** Full socket URL, e.g. wss://host/ws/script/<id>. */
  url: string;
  /** Crew share token (sent in the hello, never in the URL). SMs use their session cookie. */
  token?: string;
  /** A stable id of this device, for presence. */
  deviceId: string;
  createSocket?: CreateSocket;
  storage?: PendingStore;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** Delays before resending an op the server refused as retryable. */
  retryBackoff?: BackoffOptions;
  /** Failed attempts in a row after which the status says 'offline' (it keeps trying). */
  offlineAfterAttempts?: number;
  /** Ping this often while live to notice a dead connection (0: never). */
  heartbeatMs?: number;
  /** A ping unanswered this long ends the connection. */
  pingTimeoutMs?: number;
  /** Monotonic clock (ms). */
  now?: () => number;
  /** Op ids. */
  newId?: () => string;
  /** Clock sync tuning (tests: spacing, seeded random). */
  clockSync?: Partial<Omit<ClockSyncOptions, 'sendPing' | 'onBurst'>>;
}

/** Tries of one op that the server answers INTERNAL each time before it is dropped (S16). */
export const MAX_INTERNAL_ATTEMPTS = 4;

/** Closes after which reconnecting cannot help: the credential, the script or the app is the problem. */
const TERMINAL_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.POLICY,
  CloseCode.UNSUPPORTED_PROTOCOL,
  CloseCode.BAD_HANDSHAKE,
  CloseCode.FORBIDDEN,
  CloseCode.NOT_FOUND,
]);

/** Codes this client uses for connections it ends itself (never sent by the server). */
const CLIENT_CLOSE = { HEARTBEAT: 4900, BEHIND: 4901 } as const;

const EMPTY = new Map<string, Element>();

export class SyncClient extends Emitter<SyncEvents> {
  private readonly opts: SyncClientOptions;
  private readonly replica = new Replica();
  private readonly undoStack = new UndoStack();
  private readonly backoff: Backoff;
  private readonly retryBackoff: Backoff;
  private readonly createSocket: CreateSocket;
  private readonly now: () => number;
  private readonly newId: () => string;

  private ws: WebSocketLike | null = null;
  private generation = 0;
  private status: SyncStatus = 'connecting';
  private closeReason: CloseReason | undefined;
  private role: Role | null = null;
  private presence: Presence | null = null;
  private savingDelayed = false;
  /** The row this SM device is editing (issue 9): told again after every welcome. */
  private editingRow: string | null = null;
  private welcomeVersion: number | null = null;
  private liveSince: number | null = null;
  private everLive = false;
  /** Ask for a full snapshot next time (rights changed, or this client is ahead of the server). */
  private fresh = false;
  private resyncAsked = false;
  private stopped = false;
  /** The browser said the device went offline (until it says online again). */
  private networkDown = false;
  private started: Promise<void> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the current connection's hello listed unanswered ops (`unacked`). */
  private helloListedUnacked = false;
  /** A server refused a hello with `unacked` (older than protocol 4): leave it out. */
  private omitUnacked = false;
  private readonly pacer: Pacer;
  private pingSeq = 0;
  private readonly pings = new Map<
    number,
    { resolve: (r: PingResult) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;
  private readonly listeners = new Set<() => void>();
  private snapshot: SyncSnapshot;
  private readonly onOnline = () => {
    this.networkBack();
    this.live.burst('online');
  };
  private readonly onOffline = () => this.networkLost();
  private readonly onVisibility = () => {
    if (docHidden()) this.live.reportQuality();
    else this.live.burst('visible');
  };
  private readonly live: LiveLink;
  private everWelcomed = false;

  constructor(opts: SyncClientOptions) {
    super();
    this.opts = opts;
    this.backoff = new Backoff(opts.backoff);
    this.retryBackoff = new Backoff({ baseMs: 250, capMs: 10_000, ...opts.retryBackoff });
    this.createSocket = opts.createSocket ?? defaultCreateSocket;
    this.now = opts.now ?? (() => globalThis.performance.now());
    this.newId = opts.newId ?? randomId;
    // Below LIMITS.messagesPerSecond / messageBurst, leaving room for pings and resyncs.
    this.pacer = new Pacer(LIMITS.messagesPerSecond * 0.8, LIMITS.messageBurst / 2, this.now());
    this.live = new LiveLink(
      {
        now: this.now,
        send: (msg) => this.sendMessage(msg),
        hidden: docHidden,
        changed: () => {
          this.emit('sync', this.live.quality());
        },
      },
      opts.clockSync,
    );
    this.snapshot = this.buildSnapshot();
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Load what storage holds, then connect. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.load().then(() => {
      if (this.stopped) return;
      const g = globalThis as { addEventListener?: (e: string, l: () => void) => void };
      g.addEventListener?.('online', this.onOnline);
      g.addEventListener?.('offline', this.onOffline);
      docTarget()?.addEventListener('visibilitychange', this.onVisibility);
      this.connect();
    });
    return this.started;
  }

  /** Close for good. Pending edits stay in storage for the next client. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    const g = globalThis as { removeEventListener?: (e: string, l: () => void) => void };
    g.removeEventListener?.('online', this.onOnline);
    g.removeEventListener?.('offline', this.onOffline);
    docTarget()?.removeEventListener('visibilitychange', this.onVisibility);
    this.live.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    const ws = this.ws;
    this.endConnection();
    ws?.close(1000, 'client closed');
    this.setStatus('closed', { code: 1000, reason: 'closed by the client' });
  }

  /** Resolves when everything queued so far is in storage. */
  async persisted(): Promise<void> {
    for (;;) {
      const current = this.saving;
      await current;
      if (current === this.saving && !this.saveQueued) return;
    }
  }

  private async load(): Promise<void> {
    if (!this.opts.storage) return;
    let raw: unknown;
    try {
      raw = await this.opts.storage.get();
    } catch (err) {
      this.emit('error', { code: 'STORAGE', message: `could not read saved edits: ${String(err)}` });
      return;
    }
    if (raw === undefined || raw === null) return;
    const saved = PersistedState.safeParse(raw);
    if (!saved.success) {
      this.emit('error', { code: 'STORAGE', message: 'saved state is in an unknown format; ignored' });
      return;
    }
    this.replica.restore(saved.data);
    this.notify();
  }

  // ---- React store -----------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SyncSnapshot => this.snapshot;

  private buildSnapshot(): SyncSnapshot {
    const c = this.replica.confirmed;
    const view = this.replica.view;
    return Object.freeze({
      status: this.status,
      ...(this.closeReason ? { closeReason: this.closeReason } : {}),
      role: this.role,
      version: c ? c.version : null,
      script: c && view ? { ...c.script, ...view.info } : null,
      elements: view ? view.elements : EMPTY,
      departments: c ? c.departments : [],
      pendingCount: this.replica.pending.length,
      savingDelayed: this.savingDelayed,
      presence: this.presence,
      canUndo: this.undoStack.canUndo,
      canRedo: this.undoStack.canRedo,
      playback: this.live?.playback ?? null,
    });
  }

  private notify(): void {
    this.snapshot = this.buildSnapshot();
    for (const l of [...this.listeners]) l();
  }

  private setStatus(status: SyncStatus, closeReason?: CloseReason): void {
    if (closeReason) this.closeReason = closeReason;
    if (status === this.status && !closeReason) return;
    this.status = status;
    this.notify();
    this.emit('status', { status, ...(this.closeReason ? { closeReason: this.closeReason } : {}) });
  }

  // ---- edits -----------------------------------------------------------------------------------

  /**
   * Apply an edit at once and queue it for the server. Throws OpError (synchronously) when it
   * is malformed or breaks a rule against the current view; nothing is queued then.
   * Returns the op's id.
   */
  submit(op: Op): string {
    return this.submitAs(op, 'edit');
  }

  private submitAs(op: Op, origin: 'edit' | 'undo' | 'redo'): string {
    if (this.stopped) throw new OpError('INVALID', 'this client is closed');
    const parsed = Op.safeParse(op);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OpError('INVALID', issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid op');
    }
    const opId = this.newId();
    const { pending, result } = this.replica.submit(opId, parsed.data);
    const entry = { opId, prev: result.prev };
    if (origin === 'edit') this.undoStack.edited(entry);
    else if (origin === 'undo') this.undoStack.undone(entry);
    else this.undoStack.redone(entry);
    void pending;
    if (this.status === 'live') this.flush();
    this.persist();
    this.notify();
    return opId;
  }

  /** Undo this client's last edit (as a new op). False when there is nothing to undo. */
  undo(): boolean {
    return this.unwind('undo');
  }

  redo(): boolean {
    return this.unwind('redo');
  }

  private unwind(kind: 'undo' | 'redo'): boolean {
    for (;;) {
      const entry = kind === 'undo' ? this.undoStack.popUndo() : this.undoStack.popRedo();
      if (!entry) {
        this.notify();
        return false;
      }
      const view = this.replica.view;
      if (!view) return false;
      const op = inverseOp(view, entry.prev);
      if (!op) continue; // already as it was: try the one before
      try {
        this.submitAs(op, kind);
        return true;
      } catch (err) {
        if (!(err instanceof OpError)) throw err;
        // Someone else's change made it impossible (e.g. the element is gone): skip it.
        this.emit('error', { code: 'UNDO', message: `could not ${kind}: ${err.message}` });
      }
    }
  }

  // ---- clock -----------------------------------------------------------------------------------

  /** One ping/pong round trip (clock sync itself lives with live show mode). */
  ping(timeoutMs = this.opts.pingTimeoutMs ?? 10_000): Promise<PingResult> {
    return new Promise((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== OPEN || this.welcomeVersion === null) {
        reject(new Error('not connected'));
        return;
      }
      const id = ++this.pingSeq;
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(new Error('ping timed out'));
      }, timeoutMs);
      this.pings.set(id, { resolve, reject, timer });
      this.sendMessage({ type: 'ping', id, t0: this.now() });
    });
  }

  // ---- live show -------------------------------------------------------------------------------

  /**
   * Send an SM command. Resolves with the playback version it produced when the server
   * acknowledges it; rejects with CommandFailed when it refuses it (code, reason, message) or
   * the connection drops before the answer (code DISCONNECTED: it may have been applied).
   */
  async command(command: PlaybackCommand): Promise<CommandResult> {
    const commandId = this.newId();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.live.command(commandId, command);
      } catch (err) {
        // The server could not tell whether it was applied (SPEC W3): the same id again is
        // safe — applied at most once — and settles it.
        if (!(err instanceof CommandFailed && err.code === ErrorCode.OUTCOME_UNKNOWN) || attempt >= COMMAND_ATTEMPTS)
          throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /**
   * Tell the show's team which row this device is editing (null: none), for their presence.
   * Repeated after a reconnect; a crew client has no say.
   */
  editing(elementId: string | null): void {
    if (this.opts.token !== undefined || elementId === this.editingRow) return;
    this.editingRow = elementId;
    this.sendMessage({ type: 'editing', elementId });
  }

  /** Server reference time now (ms since epoch) on the synced show clock; null before any contact. */
  serverNow(): number | null {
    return this.live.serverNow();
  }

  /** Show time now (ms) from the playback state and the synced clock; null without either. */
  showTime(): number | null {
    return this.live.showTime();
  }

  /** How far this device's clock can be trusted. */
  syncQuality(): SyncQualityReport {
    return this.live.quality();
  }

  // ---- connection ------------------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    this.reconnectTimer = null;
    if (this.status !== 'offline') this.setStatus(this.everLive ? 'reconnecting' : 'connecting');
    const gen = ++this.generation;
    let ws: WebSocketLike;
    try {
      ws = this.createSocket(this.opts.url);
    } catch (err) {
      this.emit('error', { code: 'SOCKET', message: String(err) });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (gen !== this.generation) return;
      const c = this.replica.confirmed;
      // Ops sent before without an answer: the server acks those it committed before the
      // catch-up, so a snapshot never gets one of them applied twice.
      const unacked = this.omitUnacked
        ? []
        : this.replica.pending
            .filter((p) => p.everSent && !p.ack)
            .slice(0, LIMITS.maxUnackedInHello)
            .map((p) => p.opId);
      this.helloListedUnacked = unacked.length > 0;
      this.sendMessage({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        ...(this.opts.token ? { token: this.opts.token } : {}),
        lastVersion: c && !this.fresh ? c.version : null,
        deviceId: this.opts.deviceId,
        ...(unacked.length > 0 ? { unacked } : {}),
      });
    };
    ws.onmessage = (ev) => {
      if (gen === this.generation) this.onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (gen === this.generation) this.onClosed(ev.code, ev.reason);
    };
    ws.onerror = () => {
      // A close event always follows; that is where the reconnect happens.
    };
  }

  /** Forget the current socket: it no longer reaches this client's handlers. */
  private endConnection(): void {
    this.generation++;
    this.live.disconnected();
    // What the server said of who is connected no longer holds; the next welcome brings it again.
    this.presence = null;
    this.ws = null;
    this.welcomeVersion = null;
    this.resyncAsked = false;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const p of this.replica.pending) p.sent = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const [opId, t] of this.retryTimers) {
      clearTimeout(t);
      this.retryTimers.delete(opId);
    }
    for (const [id, p] of this.pings) {
      clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      this.pings.delete(id);
    }
  }

  /** End the current socket from this side and go through the usual reconnect path. */
  private dropConnection(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.onClosed(code, reason);
    try {
      ws.close(1000, reason);
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is gone either way.
    }
  }

  private onClosed(code: number, reason: string): void {
    const wasLiveFor = this.liveSince === null ? 0 : this.now() - this.liveSince;
    this.liveSince = null;
    this.endConnection();
    if (this.stopped) return;
    if (code === CloseCode.BAD_HANDSHAKE && this.helloListedUnacked && !this.omitUnacked) {
      // A server before protocol 4 (a node not yet upgraded, mid-deploy) refuses the list: say
      // hello without it from now on; the resent ops' duplicate acks do the same job, later.
      this.omitUnacked = true;
      this.connect();
      return;
    }
    if (TERMINAL_CLOSES.has(code)) {
      this.stopped = true;
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.setStatus('closed', { code, reason });
      return;
    }
    this.closeReason = { code, reason };
    if (wasLiveFor >= this.backoff.stableMs) this.backoff.reset();
    if (code === CloseCode.RECONNECT) {
      // Rights changed: a fresh view now (catch-up alone would not bring newly visible elements).
      this.fresh = true;
      this.setStatus('reconnecting');
      this.connect();
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoff.next();
    const offline =
      this.networkDown ||
      this.backoff.attempt > (this.opts.offlineAfterAttempts ?? 3) ||
      (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
    this.setStatus(offline ? 'offline' : this.everLive ? 'reconnecting' : 'connecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.emit('retry', { attempt: this.backoff.attempt, delayMs: delay });
  }

  private networkBack(): void {
    this.networkDown = false;
    if (this.stopped || this.ws) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.backoff.reset();
    this.connect();
  }

  private networkLost(): void {
    if (this.stopped) return;
    this.networkDown = true;
    this.setStatus('offline');
    // The socket may linger for a long time before the browser notices; end it now.
    this.dropConnection(1006, 'the device went offline');
  }

  private goLiveIfCaughtUp(): void {
    const c = this.replica.confirmed;
    if (this.status === 'live' || this.welcomeVersion === null || !c || c.version < this.welcomeVersion) return;
    this.liveSince = this.now();
    this.everLive = true;
    this.fresh = false;
    this.setStatus('live');
    this.flush();
    this.startHeartbeat();
  }

  private startHeartbeat(): void {
    const every = this.opts.heartbeatMs ?? 25_000;
    if (every <= 0 || this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => {
      this.ping().catch((err: Error) => {
        if (err.message === 'ping timed out') this.dropConnection(CLIENT_CLOSE.HEARTBEAT, 'no answer to ping');
      });
    }, every);
  }

  // ---- sending ---------------------------------------------------------------------------------

  private sendMessage(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /**
   * Send every queued op not yet sent on this connection, in order — paced below the server's
   * per-connection rate limit, so a burst of edits queues here instead of being refused there
   * (a refused op retried later could overtake the ops sent after it).
   */
  private flush(): void {
    if (this.flushTimer) return;
    for (const p of [...this.replica.pending]) {
      if (p.sent || p.ack || this.retryTimers.has(p.opId)) continue;
      const wait = this.pacer.take(this.now());
      if (wait > 0) {
        this.flushTimer = setTimeout(() => {
          this.flushTimer = null;
          if (this.status === 'live') this.flush();
        }, wait);
        return;
      }
      this.send(p);
    }
  }

  private send(p: PendingOp): void {
    if (this.status !== 'live') return;
    const frame = JSON.stringify({ type: 'op', opId: p.opId, baseVersion: p.baseVersion, op: p.op });
    if (new TextEncoder().encode(frame).length > LIMITS.maxMessageBytes) {
      // The server would cut the connection for it, again on every reconnect: drop it here.
      this.dropOp(p.opId, 'TOO_BIG', `the edit is larger than ${LIMITS.maxMessageBytes} bytes; split it`);
      return;
    }
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return;
    ws.send(frame);
    p.sent = true;
    p.everSent = true;
  }

  // ---- receiving -------------------------------------------------------------------------------

  private onFrame(data: unknown): void {
    const text = frameText(data);
    let raw: unknown;
    try {
      raw = text === null ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) {
      this.emit('error', { code: 'BAD_MESSAGE', message: 'the server sent a message this client does not understand' });
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'welcome':
        this.live.connectedAt(msg.serverTime, !this.everWelcomed);
        this.everWelcomed = true;
        if (this.editingRow !== null) this.sendMessage({ type: 'editing', elementId: this.editingRow });
        return this.onWelcome(msg.version, msg.role);
      case 'playback':
        if (this.live.onPlayback(msg)) {
          this.notify();
          this.emit('playback', { state: msg.state });
        }
        return;
      case 'commandAck':
        return this.live.onCommandAck(msg);
      case 'commandError':
        return this.live.onCommandError(msg);
      case 'snapshot':
        return this.onSnapshot(msg);
      case 'changes':
        return this.onChanges(msg.changes);
      case 'ack':
        return this.onAck(msg);
      case 'error':
        return this.onError(msg);
      case 'conflict':
        this.emit('conflict', msg);
        return;
      case 'presence':
        this.presence = msg;
        this.notify();
        return;
      case 'sharing':
        if (this.replica.sharingChanged(msg.shared)) {
          this.persist();
          this.notify();
        }
        return;
      case 'departments':
        // Before the first snapshot there is nothing to update: the snapshot carries the list.
        if (this.replica.departmentsChanged(msg.departments)) {
          this.persist();
          this.notify();
        }
        return;
      case 'pong': {
        if (msg.id >= CLOCK_PING_BASE) return this.live.onPong(msg);
        const p = this.pings.get(msg.id);
        if (!p) return;
        this.pings.delete(msg.id);
        clearTimeout(p.timer);
        const t3 = this.now();
        p.resolve({
          t0: msg.t0,
          t1: msg.t1,
          t2: msg.t2,
          t3,
          rtt: t3 - msg.t0 - (msg.t2 - msg.t1),
          offset: (msg.t1 - msg.t0 + (msg.t2 - t3)) / 2,
        });
        return;
      }
    }
  }

  private onWelcome(version: number, role: Role): void {
    this.welcomeVersion = version;
    this.role = role;
    // A welcome is read from the database: it answers again.
    this.savingDelayed = false;
    this.replica.partialView = role === 'crew';
    const c = this.replica.confirmed;
    if (c && !this.fresh && c.version > version) {
      // This client holds versions the server does not (its database was restored): start over.
      this.fresh = true;
      this.dropConnection(CLIENT_CLOSE.BEHIND, 'server is behind this client; reloading the script');
      return;
    }
    this.notify();
    this.goLiveIfCaughtUp();
  }

  private onSnapshot(s: Snapshot): void {
    this.resyncAsked = false;
    const drops = this.replica.snapshot(s);
    this.reportDrops(drops);
    this.persist();
    this.notify();
    this.goLiveIfCaughtUp();
  }

  private onChanges(changes: Change[]): void {
    const { applied, gap, drops } = this.replica.changes(changes);
    if (applied.length > 0) this.resyncAsked = false;
    for (const { change, mine } of applied)
      this.emit('change', { version: change.version, actor: change.actor, kind: change.kind, mine, change });
    this.reportDrops(drops);
    if (gap && !this.resyncAsked && this.replica.confirmed) {
      this.resyncAsked = true;
      this.sendMessage({ type: 'resync', fromVersion: this.replica.confirmed.version });
    }
    if (applied.length > 0) {
      this.persist();
      this.notify();
    }
    this.goLiveIfCaughtUp();
  }

  private onAck(ack: Ack): void {
    const t = this.retryTimers.get(ack.opId);
    if (t) clearTimeout(t);
    this.retryTimers.delete(ack.opId);
    this.undoStack.acked(ack.opId, ack.prev);
    this.savingDelayed = false;
    const p = this.replica.ack(ack.opId, ack.version, ack.prev);
    if (p) p.attempts = 0;
    this.emit('ack', { opId: ack.opId, version: ack.version, duplicate: ack.duplicate });
    this.persist();
    this.notify();
  }

  private onError(msg: ErrorMessage): void {
    const p = msg.opId ? this.replica.pending.find((x) => x.opId === msg.opId) : undefined;
    if (!msg.opId && msg.code === 'UNAVAILABLE' && !this.savingDelayed) {
      this.savingDelayed = true;
      this.notify();
    }
    if (!p) {
      this.emit('error', { code: msg.code, message: msg.message, ...(msg.opId ? { opId: msg.opId } : {}) });
      return;
    }
    // An internal error may be a passing fault or a bug that refuses this op every time: after a
    // few tries it is dropped like a refusal, so one op never holds the queue forever (S16).
    if (!msg.retryable || (msg.code === ErrorCode.INTERNAL && p.attempts + 1 >= MAX_INTERNAL_ATTEMPTS)) {
      this.dropOp(p.opId, msg.code, msg.message);
      return;
    }
    // Keep it queued and try again later (on this connection, or the next one resends it).
    p.sent = false;
    p.attempts++;
    this.retryBackoff.attempt = p.attempts - 1;
    const delay = this.retryBackoff.next();
    const opId = p.opId;
    this.retryTimers.set(
      opId,
      setTimeout(() => {
        this.retryTimers.delete(opId);
        const still = this.replica.pending.find((x) => x.opId === opId);
        if (still && !still.sent && !still.ack) this.send(still);
      }, delay),
    );
  }

  private dropOp(opId: string, code: string, message: string): void {
    const out = this.replica.drop(opId);
    if (!out) return;
    this.undoStack.forget(opId);
    this.emit('dropped', { opId, op: out.pending.op, code, message });
    this.reportDrops(out.drops);
    this.persist();
    this.notify();
  }

  private reportDrops(drops: RebaseDrop[]): void {
    for (const d of drops) {
      this.undoStack.forget(d.pending.opId);
      this.emit('dropped', {
        opId: d.pending.opId,
        op: d.pending.op,
        code: 'CONFLICT',
        message: `no longer applies after others' changes: ${d.error.message}`,
      });
    }
  }

  // ---- storage ---------------------------------------------------------------------------------

  /** Save the queue and confirmed state; writes are serialised and coalesced. */
  private persist(): void {
    const storage = this.opts.storage;
    if (!storage || this.saveQueued) return;
    this.saveQueued = true;
    this.saving = this.saving.then(async () => {
      this.saveQueued = false;
      const state = this.replica.toPersisted();
      if (!state) return;
      try {
        await storage.set(state);
      } catch (err) {
        this.emit('error', { code: 'STORAGE', message: `could not save edits: ${String(err)}` });
      }
    });
  }
}

/** A token bucket: take() answers 0 (go) or how many ms to wait for the next token. */
class Pacer {
  private tokens: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private at: number,
  ) {
    this.tokens = burst;
  }

  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}

interface DocLike {
  visibilityState?: string;
  addEventListener(e: string, l: () => void): void;
  removeEventListener(e: string, l: () => void): void;
}

function docTarget(): DocLike | undefined {
  return (globalThis as { document?: DocLike }).document;
}

function docHidden(): boolean {
  return docTarget()?.visibilityState === 'hidden';
}
