/**
 * An in-memory stand-in for the hub, for the client's unit tests: the same protocol (hello,
 * welcome, snapshot/catch-up, op → ack + broadcast, resync, ping), the same applyOp and view
 * filtering, and knobs to break things — refuse an op, lose a broadcast, kill a socket, refuse
 * connections. The real hub is exercised by the server's convergence tests.
 */
import {
  applyOp,
  ClientMessage,
  crewView,
  filterElements,
  filterPatch,
  FULL_VIEW,
  OpError,
  type Change,
  type Department,
  type ErrorCode,
  type Patch,
  type Prev,
  type ScriptHeader,
  type ScriptState,
  type ServerMessage,
  type View,
} from '@cuebe/protocol';
import type { WebSocketLike } from '../socket';

interface Entry {
  version: number;
  opId: string;
  patch: Patch;
  prev: Prev;
  kind: string;
  at: string;
}

export interface FakeCredential {
  role: 'sm' | 'crew';
  name: string;
  view: View;
}

export class FakeConnection {
  credential: FakeCredential | null = null;
  /** Broadcast versions not to deliver to this connection (to make gaps). */
  readonly lose = new Set<number>();
  /** Nothing the server sends reaches this connection (a network dead one way). */
  deaf = false;
  readonly received: ServerMessage[] = [];
  readonly sent: ClientMessage[] = [];
  constructor(
    readonly server: FakeServer,
    readonly socket: FakeSocket,
  ) {}
}

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  conn!: FakeConnection;

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('socket not open');
    queueMicrotask(() => {
      if (this.readyState === 1) this.conn.server.receive(this.conn, data);
    });
  }

  close(code = 1000, reason = ''): void {
    this.closeWith(code, reason);
  }

  /** Close from either side: the client hears about it once, a moment later. */
  closeWith(code: number, reason: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.conn.server.connections.delete(this.conn);
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
}

export interface FakeServerOptions {
  script: ScriptHeader;
  departments: Department[];
  /** Token → crew credential. No token: the SM. */
  crew?: Record<string, { name: string; departmentIds: string[]; allDepartments?: boolean }>;
  /** Catch-up sends a snapshot when further behind than this. */
  maxCatchUp?: number;
}

export class FakeServer {
  version = 0;
  state: ScriptState;
  readonly log: Entry[] = [];
  readonly connections = new Set<FakeConnection>();
  /** Every op message received, in order (including duplicates). */
  readonly opsReceived: string[] = [];
  /**
   * Refuse the next ops with these error codes (one per op), without applying them — or, with
   * `applied`, after applying them (a commit whose outcome the server could not confirm).
   */
  readonly refuseNext: { code: ErrorCode; retryable: boolean; applied?: boolean }[] = [];
  /** Accept sockets but close them at once with this code (null: accept). */
  refuseConnections: { code: number; reason: string } | null = null;
  /** Opened sockets, in order. */
  readonly sockets: FakeSocket[] = [];
  /** Behave as a server before protocol 4: a hello with `unacked` is refused (4002). */
  beforeUnacked = false;

  constructor(readonly opts: FakeServerOptions) {
    const { id: _id, showId: _showId, shared: _shared, ...info } = opts.script;
    this.state = { info, elements: new Map() };
  }

  /** For SyncClientOptions.createSocket. */
  createSocket = (_url: string): FakeSocket => {
    const socket = new FakeSocket();
    const conn = new FakeConnection(this, socket);
    socket.conn = conn;
    this.sockets.push(socket);
    queueMicrotask(() => {
      if (this.refuseConnections) {
        const { code, reason } = this.refuseConnections;
        socket.readyState = 3;
        socket.onclose?.({ code, reason });
        return;
      }
      socket.readyState = 1;
      this.connections.add(conn);
      socket.onopen?.({});
    });
    return socket;
  };

  /** Commit an op as another editor (not over a socket). */
  commitDirect(op: Parameters<typeof applyOp>[1], opId = crypto.randomUUID()): number {
    const r = applyOp(this.state, op, { departmentIds: new Set(this.opts.departments.map((d) => d.id)) });
    return this.commit(opId, op.kind, r);
  }

  /** Close every socket with this code (e.g. 1001 going away, 1008 revoked). */
  closeAll(code: number, reason = ''): void {
    for (const c of [...this.connections]) c.socket.closeWith(code, reason);
  }

  receive(conn: FakeConnection, data: string): void {
    const parsed = ClientMessage.safeParse(JSON.parse(data));
    if (!parsed.success)
      return this.send(conn, { type: 'error', code: 'BAD_MESSAGE', message: 'bad', retryable: false });
    const msg = parsed.data;
    conn.sent.push(msg);
    switch (msg.type) {
      case 'hello': {
        const cred = this.authenticate(msg.token);
        if (!cred) return conn.socket.closeWith(4003, 'unknown token');
        if (msg.unacked && this.beforeUnacked) return conn.socket.closeWith(4002, 'hello: unrecognized key "unacked"');
        conn.credential = cred;
        this.send(conn, {
          type: 'welcome',
          protocol: 1,
          role: cred.role,
          version: this.version,
          connectionId: crypto.randomUUID(),
          name: cred.name,
          serverTime: Date.now(),
        });
        if (cred.role === 'sm')
          for (const e of this.log.filter((x) => x.opId && msg.unacked?.includes(x.opId)))
            this.send(conn, { type: 'ack', opId: e.opId!, version: e.version, prev: e.prev, duplicate: true });
        return this.catchUp(conn, msg.lastVersion);
      }
      case 'resync':
        return this.catchUp(conn, msg.fromVersion);
      case 'ping':
        return this.send(conn, { type: 'pong', id: msg.id, t0: msg.t0, t1: Date.now(), t2: Date.now() });
      case 'op': {
        this.opsReceived.push(msg.opId);
        if (conn.credential?.role !== 'sm')
          return this.send(conn, {
            type: 'error',
            code: 'FORBIDDEN',
            message: 'read-only',
            opId: msg.opId,
            retryable: false,
          });
        const dup = this.log.find((e) => e.opId === msg.opId);
        if (dup)
          return this.send(conn, {
            type: 'ack',
            opId: msg.opId,
            version: dup.version,
            prev: dup.prev,
            duplicate: true,
          });
        const refusal = this.refuseNext.shift();
        const refuse = () =>
          refusal &&
          this.send(conn, {
            type: 'error',
            code: refusal.code,
            retryable: refusal.retryable,
            message: `refused: ${refusal.code}`,
            opId: msg.opId,
          });
        if (refusal && !refusal.applied) return refuse();
        let r;
        try {
          r = applyOp(this.state, msg.op, { departmentIds: new Set(this.opts.departments.map((d) => d.id)) });
        } catch (err) {
          if (!(err instanceof OpError)) throw err;
          return this.send(conn, {
            type: 'error',
            code: 'BAD_OP',
            message: err.message,
            opId: msg.opId,
            retryable: false,
          });
        }
        const version = this.version + 1;
        if (refusal) refuse();
        else this.send(conn, { type: 'ack', opId: msg.opId, version, prev: r.prev, duplicate: false });
        this.commit(msg.opId, msg.op.kind, r);
        return;
      }
    }
  }

  private commit(opId: string, kind: string, r: ReturnType<typeof applyOp>): number {
    this.version++;
    this.state = r.state;
    const entry: Entry = {
      version: this.version,
      opId,
      patch: r.patch,
      prev: r.prev,
      kind,
      at: new Date().toISOString(),
    };
    this.log.push(entry);
    for (const c of this.connections) {
      if (!c.credential) continue;
      if (c.lose.delete(entry.version)) continue;
      this.send(c, { type: 'changes', changes: [this.changeFor(c.credential.view, entry)] });
    }
    return this.version;
  }

  private authenticate(token: string | undefined): FakeCredential | null {
    if (!token) return { role: 'sm', name: 'Stage Manager', view: FULL_VIEW };
    const c = this.opts.crew?.[token];
    return c ? { role: 'crew', name: c.name, view: crewView(c.allDepartments ?? false, c.departmentIds) } : null;
  }

  private catchUp(conn: FakeConnection, from: number | null): void {
    const view = conn.credential!.view;
    if (from === null || from > this.version || this.version - from > (this.opts.maxCatchUp ?? 100)) {
      this.send(conn, {
        type: 'snapshot',
        version: this.version,
        script: { ...this.opts.script, ...this.state.info },
        elements: filterElements(view, this.state.elements.values()),
        departments: this.opts.departments,
      });
      return;
    }
    const changes = this.log.filter((e) => e.version > from).map((e) => this.changeFor(view, e));
    if (changes.length > 0) this.send(conn, { type: 'changes', changes });
  }

  private changeFor(view: View, e: Entry): Change {
    return {
      version: e.version,
      opId: view.kind === 'full' ? e.opId : null,
      actor: { kind: 'sm', name: 'Stage Manager' },
      at: e.at,
      kind: e.kind,
      patch: filterPatch(view, e.patch, e.prev),
    };
  }

  private send(conn: FakeConnection, msg: ServerMessage): void {
    if (conn.deaf) return;
    conn.received.push(msg);
    const data = JSON.stringify(msg);
    queueMicrotask(() => {
      if (conn.socket.readyState === 1) conn.socket.onmessage?.({ data });
    });
  }
}
