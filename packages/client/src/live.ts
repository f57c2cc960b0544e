/**
 * Live show mode on the client (docs/LIVE.md): the playback state (highest version wins), SM
 * commands answered by commandAck/commandError, and the clock sync that lets every device
 * compute the same show time. SyncClient owns one and feeds it its socket's events.
 */
import {
  ClockSyncSession,
  showTimeAt,
  type BurstOutcome,
  type BurstReason,
  type ClockSyncOptions,
  type CommandAck,
  type CommandError,
  type PlaybackCommand,
  type PlaybackMessage,
  type PlaybackState,
  type Pong,
  type SyncQualityMessage,
} from '@cuebe/protocol';

/** Ping ids of the clock sync live above this, apart from the heartbeat's. */
export const CLOCK_PING_BASE = 2 ** 40;

/** Why a command did not happen (or may not have). */
export class CommandFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The playback rule it broke (INVALID_TRANSITION…), when that was the reason. */
    readonly reason: CommandError['reason'] = null,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export interface CommandResult {
  version: number;
  duplicate: boolean;
}

export interface SyncQualityReport extends Omit<SyncQualityMessage, 'type'> {
  /** A full burst's estimate is in force. */
  synced: boolean;
}

export interface LiveHost {
  /** Monotonic local clock (ms). */
  now(): number;
  /** Send on the open socket; false when there is none. */
  send(
    msg:
      | { type: 'ping'; id: number; t0: number }
      | SyncQualityMessage
      | { type: 'command'; commandId: string; command: PlaybackCommand },
  ): boolean;
  /** The page is hidden (timers throttled). */
  hidden(): boolean;
  changed(): void;
}

export class LiveLink {
  playback: PlaybackState | null = null;
  private readonly session: ClockSyncSession;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** server − local from the latest welcome/playback stamp: rough, until the first pong. */
  private roughOffset: number | null = null;
  private connected = false;
  private readonly commands = new Map<string, { resolve: (r: CommandResult) => void; reject: (e: Error) => void }>();
  lastBurst: BurstOutcome | null = null;

  constructor(
    private readonly host: LiveHost,
    options: Partial<Omit<ClockSyncOptions, 'sendPing' | 'onBurst'>> = {},
  ) {
    this.session = new ClockSyncSession({
      ...options,
      sendPing: (id, t0) => this.host.send({ type: 'ping', id: CLOCK_PING_BASE + id, t0 }),
      onBurst: (outcome) => {
        this.lastBurst = outcome;
        this.reportQuality();
        this.host.changed();
      },
    });
  }

  // ---- connection events ---------------------------------------------------------------------

  /** Welcomed on a socket: sync the clock (a full burst, stepping at its end). */
  connectedAt(serverTime: number, first: boolean): void {
    this.connected = true;
    this.noteServerTime(serverTime);
    this.burst(first ? 'connect' : 'reconnect');
  }

  disconnected(): void {
    this.connected = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A command whose answer can no longer come may or may not have been applied.
    for (const [id, c] of this.commands) {
      c.reject(new CommandFailed('DISCONNECTED', 'connection lost before the server answered; check the show state'));
      this.commands.delete(id);
    }
  }

  /** Page visible again, or the network back: the clock may have drifted or the path changed. */
  burst(reason: BurstReason): void {
    if (!this.connected) return;
    this.session.requestBurst(this.host.now(), reason);
    this.poll();
  }

  stop(): void {
    this.disconnected();
  }

  // ---- messages ------------------------------------------------------------------------------

  /** A clock pong (its id above CLOCK_PING_BASE). */
  onPong(msg: Pong): void {
    const now = this.host.now();
    this.session.onPong({ id: msg.id - CLOCK_PING_BASE, t0: msg.t0, t1: msg.t1, t2: msg.t2 }, now);
    this.poll();
  }

  /** True when the state changed (a newer version). */
  onPlayback(msg: PlaybackMessage): boolean {
    this.noteServerTime(msg.serverTime);
    if (this.playback && msg.version <= this.playback.version) return false;
    this.playback = msg.state;
    return true;
  }

  onCommandAck(msg: CommandAck): void {
    const c = this.commands.get(msg.commandId);
    this.commands.delete(msg.commandId);
    c?.resolve({ version: msg.version, duplicate: msg.duplicate });
  }

  onCommandError(msg: CommandError): void {
    const c = this.commands.get(msg.commandId);
    this.commands.delete(msg.commandId);
    c?.reject(new CommandFailed(msg.code, msg.message, msg.reason, msg.retryable));
  }

  command(commandId: string, command: PlaybackCommand): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      if (!this.connected || !this.host.send({ type: 'command', commandId, command })) {
        reject(new CommandFailed('DISCONNECTED', 'not connected: the command was not sent'));
        return;
      }
      this.commands.set(commandId, { resolve, reject });
    });
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Server reference time now (ms since epoch); null before anything was heard from a server. */
  serverNow(): number | null {
    const now = this.host.now();
    if (this.session.clock.synced) return this.session.serverNow(now);
    return this.roughOffset === null ? null : now + this.roughOffset;
  }

  /** Show time now (ms), from the playback state and the synced clock; null without either. */
  showTime(): number | null {
    const server = this.serverNow();
    return this.playback && server !== null ? showTimeAt(this.playback, server) : null;
  }

  quality(): SyncQualityReport {
    const q = this.session.quality(this.host.now());
    return { ...q, hidden: this.host.hidden(), synced: this.session.synced };
  }

  /** Tell the server how trustworthy this device's clock is (for the SM's board). */
  reportQuality(): void {
    const { synced: _synced, ...q } = this.quality();
    void _synced;
    this.host.send({
      type: 'syncQuality',
      offsetMs: q.offsetMs,
      errorMs: q.errorMs,
      lastSyncAgeMs: q.lastSyncAgeMs,
      samples: Math.min(1000, q.samples),
      hidden: q.hidden,
    });
  }

  private noteServerTime(serverTime: number): void {
    // The stamp left the server half a round trip ago at least: good to within that.
    this.roughOffset = serverTime - this.host.now();
  }

  /** Run the session's due work and come back when it asks. */
  private poll(): void {
    if (!this.connected) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.host.now();
    const next = this.session.poll(now);
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(() => this.poll(), Math.max(0, next - now));
  }
}
