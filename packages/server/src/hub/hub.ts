/**
 * The hub: this node's rooms and connections. It subscribes to fan-out — committed entries go to
 * the script's room, access changes close the sockets they name — and holds the per-credential
 * socket caps. Transport-free like the rooms; index.ts binds it to Fastify/ws.
 */
import { eq } from 'drizzle-orm';
import {
  CloseCode,
  LIMITS,
  SHARING_SINCE,
  STOPPED_RUN_SINCE,
  type Ack,
  type Department,
  type Hello,
  type PlaybackState,
} from '@cuebe/protocol';
import type { AppContext } from '../context';
import { crew, scripts, sessions } from '../db/schema';
import type { CommitInput, CommitResult, ConflictInfo, LogEntry } from '../scripts/store';
import { authenticate, type SmCredential } from './auth';
import type { Connection } from './connection';
import type { AccessReason, FanoutMessage } from './fanout';
import { Refusal, type Identity } from './identity';
import { catchUpsServed, commitToWrite, redisGapsRefilled, slowConsumersCutOff, snapshotsServed } from '../metrics';
import { Room, type RoomMetrics } from './room';
import { PRESENCE_HEARTBEAT_MS, PRESENCE_SWEEP_MS, PRESENCE_TTL_MS, RemotePresence, toWire } from './cluster-presence';
import { recheckAccess } from './recheck';
import { PresenceFallback } from './presence-fallback';
import { playbackOut } from './live';
import { Outgoing } from './outgoing';
import { HeartbeatWheel, heartbeatSlots } from './heartbeat';

const VIEW_CHANGES_KEPT = 10_000;

export interface HubOptions {
  authTimeoutMs: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Refused messages (decaying over 10 s) after which a flooding connection is closed 4029. */
  abuseLimit: number;
  maxBufferedBytes: number;
  maxCatchUpChanges: number;
  maxSocketsPerCrew: number;
  maxSocketsPerUser: number;
  /** How long a version gap from fan-out may last before the room reads the missing versions. */
  gapMs: number;
  recentSize: number;
  presenceDelayMs: number;
  /** Interval of ws-level pings; a socket that has not answered the previous one is dropped. */
  heartbeatMs: number;
  /** A hello not welcomed within this long (the database is not answering) is closed 1013 (F4). */
  joinDeadlineMs: number;
  /** An SM whose op or command has waited this long for the database is told saving is delayed (F3). */
  saveDelayNoticeMs: number;
}

export function defaultHubOptions(): HubOptions {
  return {
    authTimeoutMs: LIMITS.authTimeoutMs,
    messagesPerSecond: LIMITS.messagesPerSecond,
    messageBurst: LIMITS.messageBurst,
    abuseLimit: 100,
    maxBufferedBytes: LIMITS.maxBufferedBytes,
    maxCatchUpChanges: LIMITS.maxCatchUpChanges,
    maxSocketsPerCrew: LIMITS.maxSocketsPerCrew,
    maxSocketsPerUser: LIMITS.maxSocketsPerUser,
    gapMs: 100,
    recentSize: 512,
    // A presence message to the SM lists every crew device (K3), so a reconnecting crowd is
    // coalesced over a quarter second (S13): still at once to a person, a few messages, not hundreds.
    presenceDelayMs: 250,
    heartbeatMs: 30_000,
    joinDeadlineMs: 4_000,
    saveDelayNoticeMs: 1_500,
  };
}

type HubContext = Pick<AppContext, 'database' | 'store' | 'fanout' | 'log' | 'clock' | 'playback'>;

export class Hub {
  readonly rooms = new Map<string, Room>();
  /** Playback reads in flight for joining devices, one per script (see joinPlayback). */
  private readonly playbackReads = new Map<string, Promise<PlaybackState>>();
  readonly connections = new Set<Connection>();
  private readonly byCrew = new Map<string, Set<Connection>>();
  private readonly byUser = new Map<string, Set<Connection>>();
  /** Bumped by every access change; a handshake that saw it move re-reads the credential. */
  accessEpoch = 0;
  /**
   * Crew links whose departments changed, and the devices that have since had a fresh snapshot.
   * A device that was offline when its view changed still holds the old view's elements, so its
   * next hello gets a snapshot instead of changes (changes would never show it the cues that
   * became visible). Kept per node, fed by fan-out, so every node knows.
   */
  private readonly viewChanges = new Map<string, { at: number; fresh: Set<string> }>();
  /** The latest access changes, to tell a handshake whether one that landed during it concerns it. */
  private readonly recentAccess: { epoch: number; msg: AccessMessage }[] = [];
  private readonly unsubscribe: () => void;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Who is pinged when (heartbeat.ts); null while the heartbeat is off. */
  private heartbeatWheel: HeartbeatWheel<Connection> | null = null;
  private closing = false;
  /** Other nodes' sockets, per script (cluster-presence.ts). */
  readonly remotePresence = new RemotePresence();
  /** Scripts whose local membership changed since the last presence snapshot went out. */
  private readonly presenceDirty = new Set<string>();
  private presenceFlushTimer: NodeJS.Timeout | null = null;
  private readonly presenceTimers: NodeJS.Timeout[] = [];
  private readonly unsubscribeReconnect: () => void;
  /** Presence through the database while the bus is down (presence-fallback.ts). */
  private readonly presenceFallback: PresenceFallback;
  private presenceReading = false;
  /** A re-check of every socket's access is running (one at a time). */
  private rechecking: Promise<void> | null = null;
  private readonly roomMetrics: RoomMetrics = {
    delivered: (entry) => commitToWrite.observe(Math.max(0, this.now() - Date.parse(entry.at)) / 1000),
    caughtUp: (kind) => (kind === 'snapshot' ? snapshotsServed : catchUpsServed).inc(),
    refilled: (n) => redisGapsRefilled.inc(n),
    slowConsumer: () => slowConsumersCutOff.inc(),
  };

  constructor(
    private readonly ctx: HubContext,
    readonly options: HubOptions = defaultHubOptions(),
  ) {
    this.presenceFallback = new PresenceFallback(ctx.database.db);
    this.unsubscribe = ctx.fanout.subscribe((msg) => this.onFanout(msg));
    this.unsubscribeReconnect =
      ctx.fanout.onReconnect?.((live) => (live ? this.onLinkBack() : this.onLinkDownPoll())) ?? (() => {});
    this.setHeartbeat(options.heartbeatMs);
    this.startPresenceTimers();
  }

  get log(): AppContext['log'] {
    return this.ctx.log;
  }

  get nodeId(): string {
    return this.ctx.fanout.nodeId;
  }

  /** Server time for pongs and welcomes (ms since epoch) on the reference clock all nodes share. */
  now(): number {
    return this.ctx.clock.now();
  }

  // ---- connections ---------------------------------------------------------------------------

  attach(conn: Connection): void {
    if (this.closing) {
      conn.close(CloseCode.GOING_AWAY, 'server shutting down');
      return;
    }
    this.connections.add(conn);
    this.heartbeatWheel?.add(conn);
  }

  detach(conn: Connection): void {
    this.connections.delete(conn);
    this.heartbeatWheel?.delete(conn);
    const id = conn.identity;
    if (id?.role === 'crew') removeFrom(this.byCrew, id.crewId, conn);
    if (id?.role === 'sm') removeFrom(this.byUser, id.userId, conn);
  }

  authenticate(scriptId: string, hello: Hello, sm: SmCredential): Promise<Identity> {
    return authenticate(this.ctx.database.db, scriptId, hello, sm, this.now());
  }

  /** A crew link's current expiry (ms), or null when it is gone or revoked. */
  async crewExpiry(crewId: string): Promise<number | null> {
    const [row] = await this.ctx.database.db
      .select({ expiresAt: crew.expiresAt, revokedAt: crew.revokedAt })
      .from(crew)
      .where(eq(crew.id, crewId));
    return row && !row.revokedAt ? row.expiresAt.getTime() : null;
  }

  /** Count a checked connection against its credential's cap (4008 past it). */
  register(conn: Connection, identity: Identity): void {
    const [index, key, cap] =
      identity.role === 'crew'
        ? [this.byCrew, identity.crewId, this.options.maxSocketsPerCrew]
        : [this.byUser, identity.userId, this.options.maxSocketsPerUser];
    let set = index.get(key);
    if (!set) {
      set = new Set();
      index.set(key, set);
    }
    if (set.size >= cap) throw new Refusal(CloseCode.TOO_MANY_CONNECTIONS, `too many connections (at most ${cap})`);
    set.add(conn);
  }

  room(scriptId: string): Room {
    let room = this.rooms.get(scriptId);
    if (room) return room;
    const created = new Room(scriptId, this.ctx.store, {
      gapMs: this.options.gapMs,
      recentSize: this.options.recentSize,
      maxCatchUpChanges: this.options.maxCatchUpChanges,
      maxBufferedBytes: this.options.maxBufferedBytes,
      presenceDelayMs: this.options.presenceDelayMs,
      onEmpty: (r) => this.dropRoom(r),
      onError: (err, what) => this.ctx.log.warn({ err, scriptId }, `room ${what} failed`),
      metrics: this.roomMetrics,
      remotePresence: (id) => this.remotePresence.members(id),
      onMembership: (r) => this.markLocalPresence(r.scriptId),
      now: () => this.now(),
    });
    // A room that could not read its version is not kept: the next join tries afresh.
    created.ready.catch(() => this.dropRoom(created));
    this.rooms.set(scriptId, created);
    room = created;
    return room;
  }

  private dropRoom(room: Room): void {
    if (this.rooms.get(room.scriptId) === room) this.rooms.delete(room.scriptId);
    room.dispose();
  }

  // ---- ops -----------------------------------------------------------------------------------

  commit(input: CommitInput): Promise<CommitResult> {
    return this.ctx.store.commit(input);
  }

  /** Acks (`duplicate: true`) for those of `opIds` already committed to the script, in version order. */
  async acksFor(scriptId: string, opIds: readonly string[]): Promise<Ack[]> {
    const entries = await this.ctx.store.committedOps(scriptId, opIds);
    return entries
      .sort((a, b) => a.version - b.version)
      .map((e) => ({ type: 'ack', opId: e.opId!, version: e.version, prev: e.prev, duplicate: true }));
  }

  /** Publish a committed entry; every node's room (this one's included) delivers it. */
  async publish(entry: LogEntry, conflicts: ConflictInfo[]): Promise<void> {
    try {
      await this.ctx.fanout.publish({ type: 'entry', origin: this.nodeId, entry, conflicts });
    } catch (err) {
      // The entry is committed; rooms that missed it refill the gap from the database.
      this.ctx.log.warn({ err, scriptId: entry.scriptId }, 'fan-out publish failed');
    }
  }

  // ---- fan-out -------------------------------------------------------------------------------

  onFanout(msg: FanoutMessage): void {
    if (msg.type === 'playback') return this.deliverPlayback(msg.scriptId, msg.state);
    if (msg.type === 'entry') {
      // Relayed or our own, it is delivered and never persisted again.
      this.rooms.get(msg.entry.scriptId)?.receive(msg.entry, msg.conflicts);
      return;
    }
    if (msg.type === 'presence') return this.onRemotePresence(msg);
    if (msg.type === 'departments') return this.deliverDepartments(msg.showId, msg.departments);
    if (msg.type === 'sharing') return this.deliverSharing(msg.scriptId, msg.shared);
    this.accessEpoch++;
    if (msg.reason === 'changed' && msg.crewId) this.noteViewChange(msg.crewId);
    this.recentAccess.push({ epoch: this.accessEpoch, msg });
    if (this.recentAccess.length > 1_000) this.recentAccess.shift();
    const { code, reason } = closeFor(msg.reason);
    const candidates = msg.crewId
      ? this.byCrew.get(msg.crewId)
      : msg.userId
        ? this.byUser.get(msg.userId)
        : this.connections;
    if (!candidates) return;
    for (const conn of [...candidates])
      if (conn.identity && affected(conn.identity, conn.scriptId, msg)) conn.close(code, reason);
  }

  /**
   * Did an access change after `sinceEpoch` concern this credential? A handshake asks after
   * reading it, since the socket was not yet registered to be closed by that change. Unknown
   * (older than what is kept) counts as yes.
   */
  accessChangedFor(identity: Identity, scriptId: string, sinceEpoch: number): boolean {
    if (sinceEpoch === this.accessEpoch) return false;
    const oldest = this.recentAccess[0];
    if (!oldest || oldest.epoch > sinceEpoch + 1) return true;
    return this.recentAccess.some((a) => a.epoch > sinceEpoch && affected(identity, scriptId, a.msg));
  }

  private noteViewChange(crewId: string): void {
    this.viewChanges.delete(crewId);
    this.viewChanges.set(crewId, { at: performance.now(), fresh: new Set() });
    // Bounded: the oldest changes go first (a device back after that many changes is rare).
    if (this.viewChanges.size > VIEW_CHANGES_KEPT) this.viewChanges.delete(this.viewChanges.keys().next().value!);
  }

  /** Must this crew device start from a snapshot (its view changed since it last had one)? */
  needsFreshView(crewId: string, deviceId: string): boolean {
    const change = this.viewChanges.get(crewId);
    return change !== undefined && !change.fresh.has(deviceId);
  }

  /** This crew device has been sent a snapshot of its current view. */
  markViewFresh(crewId: string, deviceId: string): void {
    const change = this.viewChanges.get(crewId);
    if (change && change.fresh.size < 100) change.fresh.add(deviceId);
  }

  /** A non-versioned message (playback, cue lights) to this node's sockets of a script, once per view. */
  broadcast(scriptId: string, build: Parameters<Room['broadcast']>[0]): void {
    this.rooms.get(scriptId)?.broadcast(build);
  }

  /** Fan-out lost messages (a Redis reconnect): every room reads what it missed. */
  refillAll(): void {
    for (const room of this.rooms.values()) room.refillFromStore();
    this.reloadPlayback();
  }

  // ---- live show (live.ts) -------------------------------------------------------------------

  get playback(): AppContext['playback'] {
    return this.ctx.playback;
  }

  /** Publish a persisted playback state; every node's sockets of the script get it. */
  async publishPlayback(scriptId: string, state: PlaybackState): Promise<void> {
    try {
      await this.ctx.fanout.publish({ type: 'playback', origin: this.nodeId, scriptId, version: state.version, state });
    } catch (err) {
      // Persisted already; other nodes read it on their next resubscribe, devices on reconnect.
      this.ctx.log.warn({ err, scriptId }, 'fan-out publish of playback failed');
    }
  }

  /** A playback state to every socket of the script on this node, unless an older one (encoded once). */
  deliverPlayback(scriptId: string, state: PlaybackState): void {
    const room = this.rooms.get(scriptId);
    if (!room || state.version <= room.playbackVersion) return;
    room.playbackVersion = state.version;
    if (!room.playback || room.playback.version < state.version) room.playback = state;
    const now = this.now();
    const current = playbackOut(state, now);
    let older: Outgoing | undefined;
    for (const m of room.members) {
      if (!m.welcomed) continue;
      if (m.protocol >= STOPPED_RUN_SINCE) room.send(m, current);
      else room.send(m, (older ??= playbackOut(state, now, m.protocol)));
    }
  }

  /**
   * The playback state for a device that has just been welcomed into its room. A reconnect storm
   * must not cost one database read per device: the room keeps the newest state it has seen, and
   * while it has none, every device joining meanwhile shares one read. Sound because the device
   * is already welcomed: a state delivered before that is in room.playback (the newer of it and
   * the read is sent), one delivered after it reaches the device as a broadcast. While the link
   * to other nodes is down their commands do not arrive, so the room's state may be behind: read.
   */
  async joinPlayback(scriptId: string): Promise<PlaybackState> {
    const cached = this.rooms.get(scriptId)?.playback;
    if (cached && this.ctx.fanout.connected !== false) return cached;
    let read = this.playbackReads.get(scriptId);
    if (!read) {
      read = this.ctx.playback.load(scriptId).finally(() => this.playbackReads.delete(scriptId));
      this.playbackReads.set(scriptId, read);
    }
    const loaded = await read;
    const room = this.rooms.get(scriptId);
    if (!room) return loaded;
    if (!room.playback || room.playback.version < loaded.version) room.playback = loaded;
    return room.playback;
  }

  /** Whether the script is shared, read now (sent to an SM socket after its catch-up). */
  async sharing(scriptId: string): Promise<boolean | null> {
    const [row] = await this.ctx.database.db
      .select({ shared: scripts.shared })
      .from(scripts)
      .where(eq(scripts.id, scriptId));
    return row?.shared ?? null;
  }

  /** To every SM socket of the script on this node that reads `sharing` (protocol 4+). */
  private deliverSharing(scriptId: string, shared: boolean): void {
    const room = this.rooms.get(scriptId);
    if (!room) return;
    const out = Outgoing.of({ type: 'sharing', shared });
    for (const m of room.members)
      if (m.welcomed && m.identity.role === 'sm' && m.protocol >= SHARING_SINCE) room.send(m, out);
  }

  /** The new list to every socket of every script of the show on this node, encoded once. */
  private deliverDepartments(showId: string, departments: Department[]): void {
    const out = Outgoing.of({ type: 'departments', departments });
    for (const room of this.rooms.values()) {
      const first = room.members.values().next();
      if (!first.done && first.value.identity.showId === showId) room.sendToAll(out);
    }
  }

  /** Fan-out may have lost playback messages: read every active script's state again. */
  private reloadPlayback(): void {
    for (const scriptId of this.rooms.keys())
      this.ctx.playback.load(scriptId).then(
        (state) => this.deliverPlayback(scriptId, state),
        (err: unknown) => this.ctx.log.warn({ err, scriptId }, 'playback reload failed'),
      );
  }

  // ---- presence across nodes (cluster-presence.ts) --------------------------------------------

  private startPresenceTimers(): void {
    const every = (ms: number, f: () => void) => {
      const t = setInterval(f, ms);
      t.unref();
      this.presenceTimers.push(t);
    };
    every(PRESENCE_HEARTBEAT_MS, () => {
      for (const scriptId of this.rooms.keys()) this.publishPresence(scriptId);
    });
    every(PRESENCE_SWEEP_MS, () => {
      for (const scriptId of this.remotePresence.expire()) this.rooms.get(scriptId)?.presenceChanged();
    });
  }

  private onRemotePresence(msg: Extract<FanoutMessage, { type: 'presence' }>): void {
    // Our own snapshot (in-process fan-out and the publish-time local delivery): rooms count
    // their own members already.
    if (msg.origin === this.nodeId) return;
    if (this.remotePresence.receive(msg)) this.rooms.get(msg.scriptId)?.presenceChanged();
  }

  /** Joins and leaves within presenceDelayMs go out as one snapshot per script. */
  private markLocalPresence(scriptId: string): void {
    if (this.closing) return;
    this.presenceDirty.add(scriptId);
    if (this.presenceFlushTimer) return;
    this.presenceFlushTimer = setTimeout(() => {
      this.presenceFlushTimer = null;
      const dirty = [...this.presenceDirty];
      this.presenceDirty.clear();
      for (const id of dirty) this.publishPresence(id);
    }, this.options.presenceDelayMs);
  }

  /** This node's sockets on a script, in full (none: the room emptied, or we are stopping). */
  private publishPresence(scriptId: string, members = toWire(this.rooms.get(scriptId)?.members ?? [])): void {
    const msg = { type: 'presence', origin: this.nodeId, scriptId, members, ttlMs: PRESENCE_TTL_MS } as const;
    this.ctx.fanout
      .publish(msg)
      .catch((err: unknown) => this.ctx.log.warn({ err, scriptId }, 'presence publish failed'));
    // The bus is down or silent: the other nodes read presence from the database meanwhile.
    if (this.ctx.fanout.connected === false)
      this.presenceFallback
        .write(msg)
        .catch((err: unknown) => this.ctx.log.warn({ err, scriptId }, 'presence write failed'));
  }

  // ---- after a fan-out outage ----------------------------------------------------------------

  /**
   * The subscription is live again after messages may have been lost: tell the others who is
   * here (their copy may have expired), and re-check every socket's access, since a revocation
   * published meanwhile never arrived. (Entries are refilled by refillAll, wired in app.ts.)
   */
  private onLinkBack(): void {
    if (this.closing) return;
    for (const scriptId of this.rooms.keys()) this.publishPresence(scriptId);
    void this.recheckAll();
    this.presenceFallback.sweep().catch((err: unknown) => this.ctx.log.warn({ err }, 'presence sweep failed'));
  }

  /**
   * The bus is down or silent (Redis dead or hung, SPEC R4): access changes published on it do
   * not arrive, but every one of them is in the database, so each poll re-reads the open sockets'
   * credentials — a revocation, rotation, expiry or unshare closes its sockets within a poll on
   * every node — and the other nodes' presence, which they write there meanwhile. (Entries and
   * playback are polled by refillAll, wired in app.ts.)
   */
  private onLinkDownPoll(): void {
    if (this.closing || this.connections.size === 0) return;
    void this.recheckAll();
    this.readPresence();
  }

  /** Other nodes' presence from the database, as if their snapshots had come on the bus. */
  private readPresence(): void {
    if (this.presenceReading || this.rooms.size === 0) return;
    this.presenceReading = true;
    this.presenceFallback
      .read([...this.rooms.keys()], this.nodeId)
      .then(
        (msgs) => {
          for (const msg of msgs) this.onRemotePresence(msg);
        },
        (err: unknown) => this.ctx.log.warn({ err }, 'presence read failed'),
      )
      .finally(() => (this.presenceReading = false));
  }

  /** Close every open socket whose credential no longer holds (see recheck.ts). */
  recheckAll(): Promise<void> {
    this.rechecking ??= (async () => {
      try {
        const closes = await recheckAccess(this.ctx.database.db, this.connections, this.now());
        for (const { socket, reason } of closes) {
          // A view that changed: the device's next hello must start from a snapshot, as when the
          // 'changed' message arrives.
          if (reason === 'changed' && socket.identity?.role === 'crew') this.noteViewChange(socket.identity.crewId);
          const { code, reason: text } = closeFor(reason);
          socket.close(code, text);
        }
        if (closes.length > 0) this.ctx.log.info({ closed: closes.length }, 'access re-check closed sockets');
      } catch (err) {
        // The database is down too: the sockets stay until it answers; the next reconnect retries.
        this.ctx.log.warn({ err }, 'access re-check failed');
      } finally {
        this.rechecking = null;
      }
    })();
    return this.rechecking;
  }

  /** An SM session's current expiry (ms), or null when it is gone. */
  async sessionExpiry(sessionId: string): Promise<number | null> {
    const [row] = await this.ctx.database.db
      .select({ expiresAt: sessions.expiresAt })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    return row ? row.expiresAt.getTime() : null;
  }

  // ---- liveness and shutdown -----------------------------------------------------------------

  /**
   * Ping every socket once per `ms` and drop one that did not answer the previous ping (0: off),
   * the pings spread over the interval (S19, heartbeat.ts).
   */
  setHeartbeat(ms: number): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.heartbeatWheel = null;
    if (ms <= 0) return;
    const wheel = new HeartbeatWheel(heartbeatSlots(ms), this.connections);
    this.heartbeatWheel = wheel;
    this.heartbeatTimer = setInterval(() => {
      for (const conn of wheel.tick()) conn.socket.heartbeat?.();
    }, ms / wheel.slots);
    this.heartbeatTimer.unref();
  }

  /** Close every socket with 1001 (clients reconnect, to any node) and stop. */
  async close(graceMs = 1_000): Promise<void> {
    // Other nodes drop our sockets from presence now rather than at the TTL.
    for (const scriptId of this.rooms.keys()) this.publishPresence(scriptId, []);
    this.closing = true;
    this.unsubscribe();
    this.unsubscribeReconnect();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const t of this.presenceTimers) clearInterval(t);
    if (this.presenceFlushTimer) clearTimeout(this.presenceFlushTimer);
    const sockets = [...this.connections].map((c) => c.socket);
    for (const conn of [...this.connections]) conn.close(CloseCode.GOING_AWAY, 'server shutting down');
    const closed = Promise.all(sockets.map((s) => s.whenClosed?.()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const s of sockets) s.terminate?.();
    for (const room of this.rooms.values()) room.dispose();
    this.rooms.clear();
  }
}

type AccessMessage = Extract<FanoutMessage, { type: 'access' }>;

function closeFor(reason: AccessReason): { code: number; reason: string } {
  if (reason === 'changed') return { code: CloseCode.RECONNECT, reason: 'access changed; reconnect' };
  if (reason === 'deleted') return { code: CloseCode.NOT_FOUND, reason: 'deleted' };
  return { code: CloseCode.POLICY, reason };
}

/**
 * Which sockets an access change closes. Every selector given must match. A script- or
 * show-wide change closes crew sockets only (unsharing does not concern the SM), except deletion,
 * which closes everyone's.
 */
function affected(id: Identity, scriptId: string, msg: AccessMessage): boolean {
  if (msg.crewId !== undefined && !(id.role === 'crew' && id.crewId === msg.crewId)) return false;
  if (msg.userId !== undefined && !(id.role === 'sm' && id.userId === msg.userId)) return false;
  if (msg.sessionId !== undefined && !(id.role === 'sm' && id.sessionId === msg.sessionId)) return false;
  if (msg.scriptId !== undefined && scriptId !== msg.scriptId) return false;
  if (msg.showId !== undefined && id.showId !== msg.showId) return false;
  if (msg.crewId === undefined && msg.userId === undefined && msg.reason !== 'deleted' && id.role === 'sm')
    return false;
  return true;
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}
