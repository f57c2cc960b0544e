/**
 * A raw protocol client for hub tests: the `ws` package, JSON frames, every server message
 * checked against the protocol schema, and waits on events (never sleeps).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, ServerMessage, type ClientMessage, type Op } from '@cuebe/protocol';
import type { TestServer } from './harness';

export interface OpenOptions {
  cookie?: string;
  /** Origin header; defaults to the server's own when a cookie is given. */
  origin?: string | null;
  userAgent?: string;
}

export interface Closed {
  code: number;
  reason: string;
}

type Msg<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export class Wire {
  readonly messages: ServerMessage[] = [];
  /** Messages that did not match the protocol schema (a test fails on any). */
  readonly invalid: unknown[] = [];
  /** Every frame as it came, for what a schema with defaults would hide (a field left out). */
  readonly frames: string[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  readonly deviceId = randomUUID();

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      this.frames.push(String(data));
      const parsed = ServerMessage.safeParse(JSON.parse(String(data)));
      if (parsed.success) this.messages.push(parsed.data);
      else this.invalid.push({ data: String(data), error: parsed.error.message });
      this.wake();
    });
  }

  static connect(s: TestServer, scriptId: string, opts: OpenOptions = {}): Wire {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    const origin = opts.origin === undefined ? (opts.cookie ? s.origin : null) : opts.origin;
    if (origin) headers.origin = origin;
    if (opts.userAgent) headers['user-agent'] = opts.userAgent;
    const url = `${s.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`;
    return new Wire(new WebSocket(url, { headers }));
  }

  /** Connect and say hello (as SM with a cookie, or as crew with a token). */
  static async hello(
    s: TestServer,
    scriptId: string,
    opts: OpenOptions & {
      token?: string;
      lastVersion?: number | null;
      deviceId?: string;
      unacked?: string[];
      protocol?: number;
    } = {},
  ): Promise<Wire> {
    const w = Wire.connect(s, scriptId, opts);
    await w.opened;
    w.send({
      type: 'hello',
      protocol: opts.protocol ?? PROTOCOL_VERSION,
      ...(opts.token ? { token: opts.token } : {}),
      lastVersion: opts.lastVersion ?? null,
      deviceId: opts.deviceId ?? w.deviceId,
      ...(opts.unacked ? { unacked: opts.unacked } : {}),
    });
    return w;
  }

  send(msg: ClientMessage): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  op(op: Op, baseVersion: number, opId: string = randomUUID()): string {
    this.send({ type: 'op', opId, baseVersion, op });
    return opId;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next message (after earlier waits) of this type matching pred. */
  async next<T extends ServerMessage['type']>(
    type: T,
    pred: (m: Msg<T>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Msg<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.messages.length; i++) {
        const m = this.messages[i]!;
        if (m.type === type && pred(m as Msg<T>)) {
          this.cursor = i + 1;
          return m as Msg<T>;
        }
      }
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting for ${type}; got ${this.types().join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${type}; got ${this.types().join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait until pred holds over all messages so far. */
  async until(pred: (all: ServerMessage[]) => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`${what} not met; got ${this.types().join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  all<T extends ServerMessage['type']>(type: T): Msg<T>[] {
    return this.messages.filter((m): m is Msg<T> => m.type === type);
  }

  /** Every change version received, in arrival order. */
  versions(): number[] {
    return this.all('changes').flatMap((m) => m.changes.map((c) => c.version));
  }

  types(): string[] {
    return this.messages.map((m) => m.type);
  }

  close(): void {
    this.ws.close();
  }
}
