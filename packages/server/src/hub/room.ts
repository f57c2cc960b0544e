/**
 * A script's room: every socket of one script on this node. Transport-free — it sees sockets
 * only through HubSocket — so it runs the same over ws and over the in-memory pair in tests.
 *
 * Delivery guarantee (docs/PROTOCOL.md, SPEC S1–S8): each socket receives every version exactly
 * once, in version order. Entries may reach the room out of order (parallel commits) or not at
 * all (a lossy fan-out): the room holds early ones back and, if a gap outlives `gapMs`, refills it
 * from the database before delivering. A socket that is catching up has live versions held back
 * for it (by its `pos`) and is brought forward from the room's recent entries, so nothing is
 * skipped or sent twice between its catch-up and the live stream.
 */
import { CloseCode, DEVICE_LIST_SINCE, type PlaybackState, type ServerMessage, type View } from '@cuebe/protocol';
import type { ConflictInfo, LogEntry } from '../scripts/store';
import { CatchUpReader, ChangesRead, type RoomStore } from './catchup';
import { conflictForOther, isEditor } from './conflicts';
import { changeFor, changesMessage } from './encode';
import { Refusal } from './identity';
import type { Member } from './member';
import { Outgoing } from './outgoing';
import { computePresence, type PresenceMember } from './presence';

export interface RoomOptions {
  /** How long a version gap may last before the room reads the missing versions. */
  gapMs: number;
  /** Recent entries kept to bring catching-up sockets forward without a read. */
  recentSize: number;
  /** Catch-up sends changes when at most this many behind, else a snapshot. */
  maxCatchUpChanges: number;
  /** A socket with more than this queued is cut off (1013) and catches up when it returns. */
  maxBufferedBytes: number;
  /** Presence changes within this window go out as one message. */
  presenceDelayMs: number;
  /** Called when the last member leaves. */
  onEmpty: (room: Room) => void;
  /** Called on failures the room recovers from (a refill that could not read). */
  onError: (err: unknown, what: string) => void;
  /** Where the room reports what it did (Prometheus on a server; nothing in unit tests). */
  metrics?: RoomMetrics;
  /** Sockets other nodes hold on this script (cluster-presence.ts), counted in presence. */
  remotePresence?: (scriptId: string) => readonly PresenceMember[];
  /** A socket joined or left (the hub tells other nodes). */
  onMembership?: (room: Room) => void;
  /** Server reference time (ages the devices' clock reports in presence). */
  now?: () => number;
}

export interface RoomMetrics {
  /** A version was written to every live socket of the room. */
  delivered(entry: LogEntry): void;
  /** A catch-up was answered (with changes only, or with a snapshot). */
  caughtUp(kind: 'changes' | 'snapshot'): void;
  /** Versions read from the database because fan-out skipped them. */
  refilled(versions: number): void;
  /** A socket was cut off for not reading. */
  slowConsumer(): void;
}

/**
 * A catch-up's changes up to this size always go as changes; larger ones are weighed against the
 * view's snapshot, and the smaller is sent.
 */
const HEAVY_CATCH_UP_BYTES = 256 * 1024;

/** A snapshot read for another client may be reused while at most this many versions old. */
const SNAPSHOT_REUSE_LAG = 16;

interface Group {
  readonly view: View;
  readonly members: Set<Member>;
}

interface Pending {
  entry: LogEntry;
  conflicts: ConflictInfo[] | undefined;
}

export interface RoomStats {
  delivered: number;
  gapRefills: number;
  slowConsumers: number;
}

export class Room {
  readonly members = new Set<Member>();
  private readonly groups = new Map<string, Group>();
  /** Highest version delivered to live sockets; every version up to it went out in order. */
  private delivered = -1;
  private initialized = false;
  private disposed = false;
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private recent: LogEntry[] = [];
  /** Encoded size of an entry's change per view key (changesBytes). */
  private readonly changeSizes = new WeakMap<LogEntry, Map<string, number>>();
  private gapTimer: NodeJS.Timeout | null = null;
  private refilling = false;
  /** The next refill reads everything new, not just up to the first held-back entry. */
  private refillAll = false;
  private refillFailures = 0;
  private presenceTimer: NodeJS.Timeout | null = null;
  private lastSmKey = '';
  readonly reader: CatchUpReader;
  readonly stats: RoomStats = { delivered: 0, gapRefills: 0, slowConsumers: 0 };
  /** Highest playback version sent to this room's sockets (hub.deliverPlayback keeps it). */
  playbackVersion = -1;
  /**
   * The newest playback state this room has seen (delivered, or read for a joining device):
   * what a device that joins now is sent, without a database read (hub.joinPlayback).
   */
  playback: PlaybackState | null = null;

  constructor(
    readonly scriptId: string,
    private readonly store: RoomStore,
    private readonly opts: RoomOptions,
  ) {
    this.reader = new CatchUpReader(store, scriptId, opts.maxCatchUpChanges + 1);
    this.ready = this.init();
    // join() awaits ready and reports its failure; this only keeps an unawaited one quiet.
    this.ready.catch(() => {});
  }

  private async init(): Promise<void> {
    const version = await this.store.currentVersion(this.scriptId);
    if (version === null) throw new Refusal(CloseCode.NOT_FOUND, 'script not found');
    this.delivered = version;
    this.initialized = true;
    this.drain();
  }

  /** The version the room has delivered up to (-1 before it has read the current version). */
  get version(): number {
    return this.delivered;
  }

  get size(): number {
    return this.members.size;
  }

  // ---- membership ----------------------------------------------------------------------------

  /**
   * Add a socket and catch it up from lastVersion; the welcome goes out first, then `afterWelcome`
   * (acks of ops the device sent before and had no answer for), then the catch-up.
   */
  async join(
    m: Member,
    lastVersion: number | null,
    welcome: (version: number) => ServerMessage,
    afterWelcome: readonly ServerMessage[] = [],
  ): Promise<void> {
    this.add(m);
    await this.catchUp(m, lastVersion, welcome, afterWelcome);
  }

  private add(m: Member): void {
    if (this.disposed) throw new Refusal(CloseCode.TRY_AGAIN_LATER, 'room closed; reconnect');
    this.members.add(m);
    let g = this.groups.get(m.viewKey);
    if (!g) {
      g = { view: m.view, members: new Set() };
      this.groups.set(m.viewKey, g);
    }
    g.members.add(m);
    this.markPresence();
    this.opts.onMembership?.(this);
  }

  leave(m: Member): void {
    if (!this.members.delete(m)) return;
    m.live = false;
    m.catchUpGen++;
    const g = this.groups.get(m.viewKey);
    if (g) {
      g.members.delete(m);
      if (g.members.size === 0) this.groups.delete(m.viewKey);
    }
    this.opts.onMembership?.(this);
    if (this.members.size === 0) this.opts.onEmpty(this);
    else this.markPresence();
  }

  /** Stop timers; the room takes no more entries. */
  dispose(): void {
    this.disposed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.gapTimer = this.presenceTimer = null;
    this.pending.clear();
    this.recent = [];
  }

  // ---- catch-up ------------------------------------------------------------------------------

  /**
   * Bring a socket to the live stream from `from` (null: it holds nothing). Live versions are
   * held back for it meanwhile. Sends (welcome,) then a snapshot and/or one `changes` message,
   * and from then on every new version. Throws when storage cannot be read.
   */
  async catchUp(
    m: Member,
    from: number | null,
    welcome?: (version: number) => ServerMessage,
    afterWelcome: readonly ServerMessage[] = [],
  ): Promise<void> {
    const gen = ++m.catchUpGen;
    m.live = false;
    await this.ready;
    let pos = from ?? -1;
    let needSnapshot = from === null;
    let snapshot: Outgoing | undefined;
    /** What follows the snapshot (or stands alone): shared reads and entries from memory. */
    let chunks: (ChangesRead | LogEntry[])[] = [];
    let weighed = false;
    for (;;) {
      if (needSnapshot) {
        const snap = await this.reader.snapshot(this.delivered, SNAPSHOT_REUSE_LAG);
        snapshot = snap.message(m.view, m.viewKey);
        pos = snap.version;
        chunks = [];
        needSnapshot = false;
      } else {
        const read = await this.reader.changesAfter(pos);
        if (read.entries.length > this.opts.maxCatchUpChanges || !contiguous(read.entries, pos)) {
          needSnapshot = true;
          continue;
        }
        if (read.entries.length === 0 && pos > this.delivered) {
          // Ahead of this room: fine if the database has it (another node delivered it first),
          // else the client holds versions this script never had (restored database): snapshot.
          const current = await this.store.currentVersion(this.scriptId);
          if (current === null) throw new Refusal(CloseCode.NOT_FOUND, 'script deleted');
          if (pos > current) {
            needSnapshot = true;
            continue;
          }
        }
        if (read.entries.length > 0) {
          chunks.push(read);
          pos = read.entries[read.entries.length - 1]!.version;
        }
      }
      if (gen !== m.catchUpGen || !this.members.has(m)) return;
      // From here to the sends below nothing awaits: the live stream cannot move in between.
      let reached = pos >= this.delivered;
      if (!reached) {
        const tail = this.recentAfter(pos);
        if (tail) {
          chunks.push(tail);
          pos = this.delivered;
          reached = true;
        }
      }
      if (reached) {
        if (snapshot || weighed) break;
        const bytes = this.changesBytes(m, chunks);
        if (bytes <= HEAVY_CATCH_UP_BYTES) break;
        // Heavy changes (many large edits while this device was away): its view's snapshot
        // instead when that is smaller. The read is shared by every device that comes back
        // together (and reused for a moment), so a herd costs one read, not one each.
        weighed = true;
        const snap = await this.reader.snapshot(this.delivered, SNAPSHOT_REUSE_LAG);
        if (snap.message(m.view, m.viewKey).data.length < bytes) needSnapshot = true;
        // Awaited: the live stream may have moved; go round again (the snapshot read is reused).
        continue;
      }
      // The room moved on further than it remembers: read again from where we are.
    }

    m.pos = pos;
    m.live = true;
    if (welcome) this.send(m, Outgoing.of(welcome(pos)));
    for (const msg of afterWelcome) this.send(m, Outgoing.of(msg));
    m.welcomed = true;
    if (snapshot) this.send(m, snapshot);
    if (chunks.length > 0 || !snapshot) this.send(m, changesFor(m, chunks));
    if (m.needsPresence) this.markPresence();
    this.opts.metrics?.caughtUp(snapshot ? 'snapshot' : 'changes');
  }

  /**
   * What `chunks` weigh as one `changes` message for m's view, without building it: each entry's
   * encoded size per view is worked out once and shared by every socket of that view (a herd of
   * returning devices would otherwise each build a message of megabytes just to weigh it).
   */
  private changesBytes(m: Member, chunks: readonly (ChangesRead | LogEntry[])[]): number {
    let bytes = 0;
    for (const c of chunks)
      for (const e of c instanceof ChangesRead ? c.entries : c) {
        let perView = this.changeSizes.get(e);
        if (!perView) this.changeSizes.set(e, (perView = new Map()));
        let size = perView.get(m.viewKey);
        if (size === undefined) {
          size = Buffer.byteLength(JSON.stringify(changeFor(m.view, e))) + 1;
          perView.set(m.viewKey, size);
        }
        bytes += size;
      }
    return bytes;
  }

  /** Entries after pos up to delivered, from memory; null when memory does not reach back. */
  private recentAfter(pos: number): LogEntry[] | null {
    const first = this.recent[0];
    if (!first || first.version > pos + 1) return null;
    return this.recent.slice(pos + 1 - first.version);
  }

  // ---- live stream ---------------------------------------------------------------------------

  /** A committed entry from fan-out (any order, maybe duplicated, maybe with gaps before it). */
  receive(entry: LogEntry, conflicts?: ConflictInfo[]): void {
    if (this.disposed) return;
    const v = entry.version;
    if (!this.initialized) {
      this.pending.set(v, { entry, conflicts });
      return;
    }
    if (v <= this.delivered) return;
    if (v !== this.delivered + 1) {
      if (!this.pending.has(v)) this.pending.set(v, { entry, conflicts });
      this.scheduleRefill(this.opts.gapMs);
      return;
    }
    this.deliver(entry, conflicts);
    this.drain();
  }

  /** Read and deliver whatever the database has beyond what this room delivered (fan-out lost messages). */
  refillFromStore(): void {
    if (!this.initialized || this.disposed) return;
    this.refillAll = true;
    this.scheduleRefill(0);
  }

  private drain(): void {
    for (;;) {
      const next = this.pending.get(this.delivered + 1);
      if (!next) break;
      this.pending.delete(this.delivered + 1);
      this.deliver(next.entry, next.conflicts);
    }
    for (const v of this.pending.keys()) if (v <= this.delivered) this.pending.delete(v);
    if (this.pending.size > 0 || this.refillAll) this.scheduleRefill(this.opts.gapMs);
    else if (this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    }
  }

  private scheduleRefill(delay: number): void {
    if (this.gapTimer || this.refilling || this.disposed) return;
    this.gapTimer = setTimeout(() => void this.refill(), delay);
  }

  private async refill(): Promise<void> {
    this.gapTimer = null;
    if ((this.pending.size === 0 && !this.refillAll) || this.disposed) return;
    this.refilling = true;
    let upTo: number | undefined;
    for (const v of this.pending.keys()) upTo = Math.min(upTo ?? v, v - 1);
    try {
      const entries = await this.store.changesSince(this.scriptId, this.delivered, upTo, 10_000);
      if (upTo === undefined) this.refillAll = false;
      this.stats.gapRefills++;
      this.refillFailures = 0;
      let filled = 0;
      for (const e of entries) {
        if (this.disposed) return;
        if (e.version !== this.delivered + 1) continue;
        if (!this.pending.has(e.version)) filled++;
        this.deliver(e, this.pending.get(e.version)?.conflicts);
      }
      if (filled > 0) this.opts.metrics?.refilled(filled);
    } catch (err) {
      this.refillFailures++;
      this.opts.onError(err, 'gap refill');
    } finally {
      this.refilling = false;
    }
    if (this.disposed) return;
    this.drain();
    if ((this.pending.size > 0 || this.refillAll) && this.refillFailures > 0) {
      // Storage down: back off, up to 2 s between attempts.
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = null;
      this.scheduleRefill(Math.min(2_000, this.opts.gapMs * 2 ** this.refillFailures));
    }
  }

  /** Send version `entry.version` (= delivered + 1) to every live socket, encoded once per view. */
  private deliver(entry: LogEntry, conflicts: ConflictInfo[] | undefined): void {
    const v = entry.version;
    this.delivered = v;
    this.stats.delivered++;
    this.recent.push(entry);
    if (this.recent.length > this.opts.recentSize) this.recent.splice(0, this.recent.length - this.opts.recentSize);
    for (const g of this.groups.values()) {
      let out: Outgoing | undefined;
      for (const m of g.members) {
        if (!m.live) continue;
        const pos = m.pos ?? -1;
        if (pos >= v) continue;
        if (pos !== v - 1) {
          // Cannot happen while the invariants hold; if it does, catch the socket up rather than skip.
          this.recatch(m, pos);
          continue;
        }
        out ??= changesMessage([changeFor(g.view, entry)]);
        m.pos = v;
        this.send(m, out);
      }
    }
    if (conflicts && conflicts.length > 0) this.tellOtherEditors(entry, conflicts);
    this.opts.metrics?.delivered(entry);
  }

  /**
   * One pre-encoded message (the same for every view: playback state) to every welcomed socket.
   */
  sendToAll(out: Outgoing): void {
    for (const m of this.members) if (m.welcomed) this.send(m, out);
  }

  /**
   * A message outside the versioned script (playback state, cue-light calls…) to every welcomed
   * socket, built and encoded once per view; `build` returns null to skip a view.
   */
  broadcast(build: (view: View) => ServerMessage | null): void {
    for (const g of this.groups.values()) {
      let out: Outgoing | null | undefined;
      for (const m of g.members) {
        if (!m.welcomed) continue;
        if (out === undefined) {
          const msg = build(g.view);
          out = msg && Outgoing.of(msg);
        }
        if (out === null) break;
        this.send(m, out);
      }
    }
  }

  private tellOtherEditors(entry: LogEntry, conflicts: ConflictInfo[]): void {
    const full = this.groups.get('full');
    if (!full) return;
    for (const c of conflicts) {
      let out: Outgoing | undefined;
      for (const m of full.members) {
        const id = m.identity;
        if (id.role !== 'sm' || !m.welcomed || !isEditor(c.other, id.userId, m.deviceId)) continue;
        out ??= Outgoing.of(conflictForOther(entry, c));
        this.send(m, out);
      }
    }
  }

  private recatch(m: Member, pos: number): void {
    this.catchUp(m, pos).catch((err) => {
      this.opts.onError(err, 'catch-up');
      m.socket.close(CloseCode.TRY_AGAIN_LATER, 'could not catch up; reconnect');
      this.leave(m);
    });
  }

  /** Send to one socket, cutting it off when it has stopped reading. */
  send(m: Member, out: Outgoing): void {
    if (!m.socket.open) return;
    if (m.socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.stats.slowConsumers++;
      this.opts.metrics?.slowConsumer();
      m.socket.close(CloseCode.TRY_AGAIN_LATER, 'too far behind; reconnect to catch up');
      this.leave(m);
      return;
    }
    m.socket.send(out);
  }

  // ---- presence ------------------------------------------------------------------------------

  /** Presence changed elsewhere (another node's sockets): send it again, coalesced. */
  presenceChanged(): void {
    this.markPresence();
  }

  /** An SM device moved to another row: its team's presence shows it, on every node. */
  editingChanged(): void {
    this.markPresence();
    this.opts.onMembership?.(this);
  }

  /** A device reported its clock sync: the SMs' presence shows it (coalesced like joins). */
  syncQualityChanged(): void {
    this.markPresence();
  }

  private markPresence(): void {
    if (this.presenceTimer || this.disposed) return;
    this.presenceTimer = setTimeout(() => this.flushPresence(), this.opts.presenceDelayMs);
  }

  private flushPresence(): void {
    this.presenceTimer = null;
    if (this.disposed) return;
    const remote = this.opts.remotePresence?.(this.scriptId);
    const p = computePresence(
      remote && remote.length > 0 ? [...this.members, ...remote] : this.members,
      this.opts.now?.(),
    );
    const smChanged = p.smKey !== this.lastSmKey;
    this.lastSmKey = p.smKey;
    let full: Outgoing | undefined;
    let legacy: Outgoing | undefined;
    let crew: Outgoing | undefined;
    for (const m of this.members) {
      if (!m.welcomed) continue;
      if (m.identity.role === 'sm')
        this.send(
          m,
          m.protocol >= DEVICE_LIST_SINCE ? (full ??= Outgoing.of(p.full)) : (legacy ??= Outgoing.of(p.fullLegacy)),
        );
      else if (smChanged || m.needsPresence) this.send(m, (crew ??= Outgoing.of(p.crew)));
      m.needsPresence = false;
    }
  }
}

function contiguous(entries: LogEntry[], from: number): boolean {
  for (let i = 0; i < entries.length; i++) if (entries[i]!.version !== from + 1 + i) return false;
  return true;
}

/** One `changes` message with every entry of `chunks`, for m's view (a shared read's own encoding when it is the only one). */
function changesFor(m: Member, chunks: readonly (ChangesRead | LogEntry[])[]): Outgoing {
  const only = chunks.length === 1 ? chunks[0] : undefined;
  if (only instanceof ChangesRead) return only.message(m.view, m.viewKey);
  return changesMessage(
    chunks.flatMap((c) => (c instanceof ChangesRead ? c.entries : c)).map((e) => changeFor(m.view, e)),
  );
}
