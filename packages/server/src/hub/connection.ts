/**
 * One socket's side of the protocol, transport-free: handshake (hello within the auth timeout,
 * credential check, caps), then the message loop — ops committed one at a time in arrival order,
 * resync, ping — with the rate limit and clear errors for anything malformed or not allowed.
 * The ws adapter feeds it frames; the room does the delivering.
 */
import { randomUUID } from 'node:crypto';
import {
  ClientMessage,
  CloseCode,
  crewView,
  ErrorCode,
  FULL_VIEW,
  Hello,
  MIN_PROTOCOL_VERSION,
  PolicyReason,
  PROTOCOL_VERSION,
  SHARING_SINCE,
  RETRYABLE_ERRORS,
  viewKey,
  type CommandMessage,
  type ErrorMessage,
  type OpMessage,
  type ServerMessage,
} from '@cuebe/protocol';
import type { z } from 'zod';
import { messagesRejected, socketsOpen } from '../metrics';
import { toAppError } from '../scripts/store';
import type { SmCredential } from './auth';
import { conflictForWriter } from './conflicts';
import type { Hub } from './hub';
import { Refusal, type Identity } from './identity';
import { commandError, playbackOut, runCommand, type CommandSender } from './live';
import { Member } from './member';
import { forProtocol } from './compat';
import { Outgoing, type HubSocket } from './outgoing';
import { TokenBucket } from './rate-limit';
import type { Room } from './room';

type State = 'hello' | 'auth' | 'ready' | 'closed';

interface Frame {
  data: Buffer;
  isBinary: boolean;
  at: number;
}

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
/** Frames a client may send before its welcome (they are handled after it). */
const MAX_EARLY_FRAMES = 100;
/** Ops waiting for their turn on one connection. */
const MAX_QUEUED_OPS = 200;

/** A viewer on the show's team reads only (docs/SPEC.md P12). */
/** The `error` (no opId) an SM gets while a commit of theirs waits on the database (F3, PROTOCOL.md). */
export const SAVING_DELAYED =
  'saving is delayed: the database is not answering; your edits are kept and are saved when it answers';

const VIEWER_READ_ONLY = 'you are a viewer on this show: you can read the script but not change it';

export class Connection {
  readonly id = randomUUID();
  private state: State = 'hello';
  identity: Identity | null = null;
  private member: Member | null = null;
  private room: Room | null = null;
  private early: Frame[] = [];
  private readonly bucket: TokenBucket;
  private authTimer: NodeJS.Timeout | null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private joinTimer: NodeJS.Timeout | null = null;
  /** An SM was told saving is delayed, and no commit has gone through since. */
  private toldDelayed = false;
  private opChain: Promise<void> = Promise.resolve();
  private opsQueued = 0;
  private commandChain: Promise<void> = Promise.resolve();
  private commandsQueued = 0;
  private lastQuietErrorAt = -Infinity;
  /** Counted in the open-sockets gauge (from its welcome to its close). */
  private counted = false;

  constructor(
    private readonly hub: Hub,
    readonly socket: HubSocket,
    readonly scriptId: string,
    private readonly sm: SmCredential,
    /** What the device is (device-label.ts), for the SM's board. */
    private readonly device = 'device',
  ) {
    const o = hub.options;
    // Rates refill on the monotonic clock: a wall-clock step back must not starve a sender (F6).
    this.bucket = new TokenBucket(
      { perSecond: o.messagesPerSecond, burst: o.messageBurst, abuseLimit: o.abuseLimit, abuseWindowMs: 10_000 },
      performance.now(),
    );
    this.authTimer = setTimeout(
      () => this.close(CloseCode.AUTH_TIMEOUT, `no hello within ${Math.round(o.authTimeoutMs / 1000)} s`),
      o.authTimeoutMs,
    );
    hub.attach(this);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Every frame from the transport, in arrival order. */
  onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    // Receive time for pongs, on the reference clock every node shares.
    const at = this.hub.now();
    const verdict = this.bucket.take(performance.now());
    if (verdict === 'abusive') return this.close(CloseCode.RATE_LIMITED, 'too many messages');
    if (verdict === 'limited') {
      messagesRejected.inc({ reason: ErrorCode.RATE_LIMITED });
      return this.refuseRateLimited(data, isBinary);
    }
    const frame = { data, isBinary, at };
    if (this.state === 'hello') return this.onHello(frame);
    if (this.state === 'auth') {
      // The cap is for the wait before the welcome. Once it is out, a client rightly sends at
      // once (a reconnecting SM its queued ops): those frames wait only for the rest of the
      // catch-up to go out, are bounded by the rate limit, and are handled in order after it.
      if (!this.member?.welcomed && this.early.length >= MAX_EARLY_FRAMES)
        return this.close(CloseCode.RATE_LIMITED, 'too many messages before welcome');
      this.early.push(frame);
      return;
    }
    this.dispatch(frame);
  }

  /** The transport closed (either side). */
  onClosed(): void {
    this.cleanup();
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.socket.close(code, reason);
    this.cleanup();
  }

  private cleanup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.authTimer = this.expiryTimer = this.joinTimer = null;
    this.early = [];
    if (this.counted && this.identity) socketsOpen.dec({ role: this.identity.role });
    this.counted = false;
    if (this.member && this.room) this.room.leave(this.member);
    this.hub.detach(this);
  }

  // ---- handshake -----------------------------------------------------------------------------

  private onHello(frame: Frame): void {
    const raw = decode(frame);
    if (!raw.ok) return this.close(CloseCode.BAD_HANDSHAKE, `first message must be hello: ${raw.message}`);
    const obj = raw.value;
    if (!isRecord(obj) || obj.type !== 'hello')
      return this.close(CloseCode.BAD_HANDSHAKE, 'first message must be hello');
    if (typeof obj.protocol === 'number' && obj.protocol < MIN_PROTOCOL_VERSION)
      return this.close(
        CloseCode.UNSUPPORTED_PROTOCOL,
        `protocol ${obj.protocol} is no longer supported (need ${MIN_PROTOCOL_VERSION}+); reload the app`,
      );
    const hello = Hello.safeParse(obj);
    if (!hello.success) return this.close(CloseCode.BAD_HANDSHAKE, truncate(`hello: ${describe(hello.error)}`));
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.state = 'auth';
    // Every read of the handshake is bounded by the database timeouts, which are longer than a
    // device should wait in silence: past the deadline it is told to come back (F4).
    this.joinTimer = setTimeout(() => {
      this.joinTimer = null;
      if (!this.member?.welcomed)
        this.close(CloseCode.TRY_AGAIN_LATER, 'the database is not answering; try again shortly');
    }, this.hub.options.joinDeadlineMs);
    void this.handshake(hello.data);
  }

  private async handshake(hello: Hello): Promise<void> {
    try {
      let identity: Identity;
      // An access change (revocation…) that lands while we read the credential would miss this
      // socket, which is not registered yet: read again if one that concerns it landed meanwhile.
      for (let attempt = 0; ; attempt++) {
        const epoch = this.hub.accessEpoch;
        identity = await this.hub.authenticate(this.scriptId, hello, this.sm);
        if (this.closed) return;
        if (!this.hub.accessChangedFor(identity, this.scriptId, epoch)) break;
        if (attempt >= 3) throw new Refusal(CloseCode.TRY_AGAIN_LATER, 'access is changing; reconnect');
      }
      this.hub.register(this, identity);
      this.identity = identity;
      if (identity.expiresAt !== undefined) this.armExpiry(identity.expiresAt);
      const view = identity.role === 'sm' ? FULL_VIEW : crewView(identity.allDepartments, identity.departmentIds);
      const member = new Member(this.socket, identity, hello.deviceId, view, viewKey(view));
      member.protocol = hello.protocol;
      member.device = this.device;
      const room = this.hub.room(this.scriptId);
      this.member = member;
      this.room = room;
      // A crew device whose view changed while it was away starts over from a snapshot.
      const freshView = identity.role === 'crew' && this.hub.needsFreshView(identity.crewId, hello.deviceId);
      // Ops an editor sent before and never heard back about: those committed are acknowledged
      // right after the welcome, so its client drops them before it applies the catch-up.
      const acks =
        hello.unacked && identity.role === 'sm' && identity.showRole !== 'viewer'
          ? await this.hub.acksFor(this.scriptId, hello.unacked)
          : [];
      if (this.closed) return;
      await room.join(
        member,
        freshView ? null : hello.lastVersion,
        (version) => ({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          role: identity.role,
          version,
          connectionId: this.id,
          name: identity.name,
          serverTime: this.hub.now(),
        }),
        acks,
      );
      if (this.closed) return;
      if (identity.role === 'crew') this.hub.markViewFresh(identity.crewId, hello.deviceId);
      else {
        // Read after the join, so a change from here on also reaches this socket live.
        const shared = await this.hub.sharing(this.scriptId);
        if (this.closed) return;
        if (shared !== null && hello.protocol >= SHARING_SINCE) this.send({ type: 'sharing', shared });
      }
      // Late join: the current playback follows the snapshot, so show mode is right at once.
      // A newer state broadcast meanwhile may arrive first; devices keep the highest version.
      const playback = await this.hub.joinPlayback(this.scriptId);
      if (this.closed) return;
      const out = playbackOut(playback, this.hub.now(), hello.protocol);
      if (this.member && this.room) this.room.send(this.member, out);
      else this.socket.send(out);
      this.state = 'ready';
      if (this.joinTimer) clearTimeout(this.joinTimer);
      this.joinTimer = null;
      socketsOpen.inc({ role: identity.role });
      this.counted = true;
      const early = this.early;
      this.early = [];
      for (const f of early) if (!this.closed) this.dispatch(f);
    } catch (err) {
      this.fail(err, 'handshake');
    }
  }

  /** Close for a refusal, or for a failure (storage down: try again later). */
  private fail(err: unknown, what: string): void {
    if (this.closed) return;
    if (err instanceof Refusal) return this.close(err.code, err.reason);
    const e = toAppError(err);
    if (e.code === 'UNAVAILABLE')
      return this.close(CloseCode.TRY_AGAIN_LATER, 'database unavailable; try again shortly');
    this.hub.log.error({ err: e.cause ?? e, scriptId: this.scriptId }, `socket ${what} failed`);
    this.close(CloseCode.INTERNAL, 'internal error');
  }

  /** `expiresAt` is on the reference clock every node shares (F5), so the socket closes at the same moment on any node. */
  private armExpiry(expiresAt: number): void {
    // setTimeout holds at most ~24.8 days; a later expiry re-arms on the way.
    const delay = Math.max(0, Math.min(expiresAt - this.hub.now(), 2 ** 31 - 1));
    this.expiryTimer = setTimeout(() => void this.checkExpiry(expiresAt), delay);
    this.expiryTimer.unref();
  }

  /**
   * At the credential's expiry (a crew link's, or an SM session's): close, unless it was
   * extended meanwhile (re-read, re-arm). Crew see 'expired'; an SM 'logged-out' (sign in again).
   */
  private async checkExpiry(expiresAt: number): Promise<void> {
    this.expiryTimer = null;
    const id = this.identity;
    if (this.closed || !id) return;
    if (this.hub.now() < expiresAt) return this.armExpiry(expiresAt);
    let fresh: number | null = null;
    try {
      fresh = id.role === 'crew' ? await this.hub.crewExpiry(id.crewId) : await this.hub.sessionExpiry(id.sessionId);
    } catch {
      // Cannot tell: the known expiry stands.
    }
    if (this.closed) return;
    if (fresh !== null && fresh > this.hub.now()) this.armExpiry(fresh);
    else this.close(CloseCode.POLICY, id.role === 'crew' ? PolicyReason.EXPIRED : PolicyReason.LOGGED_OUT);
  }

  // ---- message loop --------------------------------------------------------------------------

  private dispatch(frame: Frame): void {
    const raw = decode(frame);
    if (!raw.ok) return this.sendError(ErrorCode.BAD_MESSAGE, raw.message);
    const parsed = ClientMessage.safeParse(raw.value);
    if (!parsed.success) return this.sendError(ErrorCode.BAD_MESSAGE, describe(parsed.error), opIdOf(raw.value));
    const msg = parsed.data;
    switch (msg.type) {
      case 'hello':
        return this.sendError(ErrorCode.BAD_MESSAGE, 'hello: already said hello on this connection');
      case 'ping':
        return this.send({ type: 'pong', id: msg.id, t0: msg.t0, t1: frame.at, t2: this.hub.now() });
      case 'resync':
        this.room!.catchUp(this.member!, msg.fromVersion).catch((err) => this.fail(err, 'resync'));
        return;
      case 'op':
        return this.enqueueOp(msg);
      case 'command':
        return this.enqueueCommand(msg);
      case 'editing':
        return this.setEditing(msg.elementId);
      case 'syncQuality':
        this.member!.sync = { ...msg, at: this.hub.now() };
        this.room!.syncQualityChanged();
        return;
    }
  }

  /** Which row this SM device is editing: its team sees it in presence (crew have no say). */
  private setEditing(elementId: string | null): void {
    if (this.identity?.role !== 'sm')
      return this.sendError(ErrorCode.FORBIDDEN, 'crew links are read-only: only the stage manager edits rows');
    if (this.member!.editing === elementId) return;
    this.member!.editing = elementId;
    this.room!.editingChanged();
  }

  /** Commands of one connection run one at a time, in arrival order, beside its ops. */
  private enqueueCommand(msg: CommandMessage): void {
    if (this.commandsQueued >= MAX_QUEUED_OPS)
      return this.send(
        commandError(msg.commandId, ErrorCode.RATE_LIMITED, null, 'too many commands waiting; slow down'),
      );
    this.commandsQueued++;
    this.commandChain = this.commandChain
      .then(() => this.whileSaving(runCommand(this.hub, this.commandSender, msg)))
      .catch((err) => this.fail(err, 'command'))
      .finally(() => this.commandsQueued--);
  }

  private get commandSender(): CommandSender {
    const id = this.identity;
    return {
      scriptId: this.scriptId,
      smActor:
        id?.role === 'sm' && id.showRole !== 'viewer'
          ? { kind: 'sm', name: id.name, id: id.userId, deviceId: this.member!.deviceId }
          : null,
      crew:
        id?.role === 'crew'
          ? {
              crewId: id.crewId,
              name: id.name,
              allDepartments: id.allDepartments,
              departmentIds: id.departmentIds,
            }
          : null,
      send: (m) => this.send(m),
    };
  }

  private enqueueOp(msg: OpMessage): void {
    if (this.identity?.role !== 'sm')
      return this.sendError(ErrorCode.FORBIDDEN, 'crew links are read-only: only the stage manager can edit', msg.opId);
    if (this.identity.showRole === 'viewer') return this.sendError(ErrorCode.FORBIDDEN, VIEWER_READ_ONLY, msg.opId);
    if (this.opsQueued >= MAX_QUEUED_OPS)
      return this.sendError(ErrorCode.RATE_LIMITED, 'too many ops waiting; slow down', msg.opId);
    this.opsQueued++;
    this.opChain = this.opChain.then(() => this.whileSaving(this.runOp(msg))).finally(() => this.opsQueued--);
  }

  /**
   * A commit that waits on the database longer than a person waits for a save tells the SM so,
   * once per stall, long before the database timeouts answer the op itself (F3).
   */
  private async whileSaving<T>(saving: Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      if (this.toldDelayed || this.closed) return;
      this.toldDelayed = true;
      this.send(errorMessage(ErrorCode.UNAVAILABLE, SAVING_DELAYED));
    }, this.hub.options.saveDelayNoticeMs);
    const started = performance.now();
    try {
      return await saving;
    } finally {
      clearTimeout(timer);
      // Answered in time (committed or refused): the database answers again.
      if (performance.now() - started < this.hub.options.saveDelayNoticeMs) this.toldDelayed = false;
    }
  }

  /** Commit → ack (with conflicts) → publish: persist first, broadcast second. */
  private async runOp(msg: OpMessage): Promise<void> {
    const id = this.identity;
    if (!id || id.role !== 'sm') return;
    let result;
    try {
      result = await this.hub.commit({
        scriptId: this.scriptId,
        opId: msg.opId,
        baseVersion: msg.baseVersion,
        op: msg.op,
        actor: { kind: 'sm', name: id.name, id: id.userId, deviceId: this.member!.deviceId },
      });
    } catch (err) {
      const e = toAppError(err);
      const code = ERROR_CODES.has(e.code) ? (e.code as ErrorCode) : ErrorCode.INTERNAL;
      if (code === ErrorCode.INTERNAL)
        this.hub.log.error({ err: e.cause ?? e, scriptId: this.scriptId }, 'op commit failed');
      return this.sendError(code, code === ErrorCode.INTERNAL ? 'internal error' : e.message, msg.opId);
    }
    const { entry, duplicate, conflicts } = result;
    this.send({ type: 'ack', opId: msg.opId, version: entry.version, prev: entry.prev, duplicate });
    for (const c of conflicts) this.send(conflictForWriter(entry, c));
    // A retried op is published again: harmless (rooms drop versions they have) and it heals a
    // node that died between its commit and its publish.
    await this.hub.publish(entry, conflicts);
  }

  // ---- sending -------------------------------------------------------------------------------

  private send(msg: ServerMessage): void {
    const out = Outgoing.of(this.member ? forProtocol(msg, this.member.protocol) : msg);
    if (this.member && this.room) this.room.send(this.member, out);
    else this.socket.send(out);
  }

  private sendError(code: ErrorCode, message: string, opId?: string): void {
    messagesRejected.inc({ reason: code });
    this.send(errorMessage(code, message, opId));
  }

  private refuseRateLimited(data: Buffer, isBinary: boolean): void {
    // An op gets its own answer (the client keeps it queued); anything else at most once a second.
    const raw = decode({ data, isBinary, at: 0 });
    const opId = raw.ok ? opIdOf(raw.value) : undefined;
    const now = performance.now();
    if (!opId && now - this.lastQuietErrorAt < 1_000) return;
    if (!opId) this.lastQuietErrorAt = now;
    this.send(errorMessage(ErrorCode.RATE_LIMITED, 'too many messages; slow down', opId));
  }
}

function errorMessage(code: ErrorCode, message: string, opId?: string): ErrorMessage {
  const msg: ErrorMessage = { type: 'error', code, message, retryable: RETRYABLE_ERRORS.has(code) };
  if (opId) msg.opId = opId;
  return msg;
}

type Decoded = { ok: true; value: unknown } | { ok: false; message: string };

function decode(frame: Frame): Decoded {
  if (frame.isBinary) return { ok: false, message: 'binary frames are not accepted; send JSON text' };
  try {
    return { ok: true, value: JSON.parse(frame.data.toString('utf8')) };
  } catch {
    return { ok: false, message: 'not valid JSON' };
  }
}

/** "op.element.name: name is required": the first issue, naming the field. */
function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid message';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The opId of an op message that failed validation, so the client can drop that op. */
function opIdOf(v: unknown): string | undefined {
  if (!isRecord(v) || v.type !== 'op' || typeof v.opId !== 'string' || !UUID.test(v.opId)) return undefined;
  return v.opId;
}

/** Close reasons are limited to 123 bytes. */
function truncate(s: string): string {
  const b = Buffer.from(s);
  return b.length <= 123
    ? s
    : b
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD*$/, '') + '...';
}
