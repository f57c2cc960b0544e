/**
 * Clients as a venue has them: the real SyncClient (the library the web app uses) on real
 * sockets, each recording what it was sent — every version in arrival order across all its
 * sockets, close codes, every frame's text when asked (the security scenario greps them) — and,
 * for an SM, every op it submitted and every ack.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import { crewView, FULL_VIEW, type Op, type View } from '@cuebe/protocol';
import { MemoryStore, SyncClient, type SyncClientOptions, type WebSocketLike } from '@cuebe/client';

/** Only what the recorder needs of the frames that carry versions. */
const Versions = z.discriminatedUnion('type', [
  z.object({ type: z.literal('changes'), changes: z.array(z.object({ version: z.number() })) }),
  z.object({ type: z.literal('snapshot'), version: z.number() }),
]);

const ErrorCodeOnly = z.object({ type: z.literal('error'), code: z.string() });
const PlaybackVersion = z.object({ type: z.literal('playback'), version: z.number() });

export interface Who {
  cookie?: string;
  token?: string;
  view?: View;
}

export interface Recorder {
  /** Versions from `changes` frames, in arrival order, over every socket this client opened. */
  versions: number[];
  /** When each of `versions` arrived (performance.now()), index for index. */
  versionAt: number[];
  /** Playback states received: their version and when (performance.now()). */
  playback: { version: number; at: number }[];
  /** Snapshot versions received (a snapshot resets what a client holds). */
  snapshots: number[];
  closes: { code: number; reason: string; at: number }[];
  frames: string[] | null;
  sockets: number;
  /** Error codes received, with their count. */
  errors: Map<string, number>;
  /** When each ack arrived (performance.now()). */
  ackTimes: number[];
}

export class ChaosClient {
  readonly client: SyncClient;
  readonly rec: Recorder;
  readonly view: View;
  readonly submitted: string[] = [];
  readonly acked = new Map<string, number>();
  /** When each acknowledged version's ack arrived (performance.now()), by version. */
  readonly ackedAt = new Map<number, number>();
  readonly dropped: { opId: string; code: string }[] = [];
  readonly storage: MemoryStore;
  /** Submit time of each op, for edit latency. */
  readonly submittedAt = new Map<string, number>();
  readonly ackLatency: number[] = [];
  private readonly live = new Set<WebSocket>();
  /** The socket the SyncClient uses now; frames on one it has left are not its deliveries. */
  private current: { left: boolean } | null = null;

  constructor(
    url: () => string,
    scriptId: string,
    who: Who,
    opts: Partial<SyncClientOptions> & { keepFrames?: boolean; storage?: MemoryStore } = {},
  ) {
    this.rec = {
      versions: [],
      versionAt: [],
      playback: [],
      snapshots: [],
      closes: [],
      frames: opts.keepFrames ? [] : null,
      sockets: 0,
      errors: new Map(),
      ackTimes: [],
    };
    this.view = who.view ?? (who.token ? crewView(true, []) : FULL_VIEW);
    this.storage = opts.storage ?? new MemoryStore();
    this.client = new SyncClient({
      url: `ws/script/${scriptId}`,
      deviceId: randomUUID(),
      ...(who.token ? { token: who.token } : {}),
      storage: this.storage,
      createSocket: () => this.socket(`${url().replace(/^http/, 'ws')}/ws/script/${scriptId}`, url(), who),
      heartbeatMs: 0,
      ...opts,
    });
    this.client.on('ack', (a) => {
      this.acked.set(a.opId, a.version);
      if (!this.ackedAt.has(a.version)) this.ackedAt.set(a.version, performance.now());
      const t = this.submittedAt.get(a.opId);
      if (t !== undefined && !a.duplicate) this.ackLatency.push(performance.now() - t);
    });
    this.client.on('dropped', (d) => this.dropped.push({ opId: d.opId, code: d.code }));
  }

  start(): this {
    void this.client.start();
    return this;
  }

  submit(op: Op): string {
    const opId = this.client.submit(op);
    this.submitted.push(opId);
    this.submittedAt.set(opId, performance.now());
    return opId;
  }

  get snap() {
    return this.client.getSnapshot();
  }

  /** Reset this client's TCP connections without a closing handshake. */
  killSockets(): void {
    for (const ws of this.live) ws.terminate();
  }

  close(): void {
    this.client.close();
    for (const ws of this.live) ws.terminate();
  }

  private socket(url: string, origin: string, who: Who): WebSocketLike {
    const headers: Record<string, string> = { origin };
    if (who.cookie) headers.cookie = who.cookie;
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.live.add(ws);
    this.rec.sockets++;
    // The client ignores a socket once it has made a newer one or closed it (its generation
    // counter); frames still arriving there (a stalled network flushing) were never delivered.
    if (this.current) this.current.left = true;
    const mine = { left: false };
    this.current = mine;
    const rec = this.rec;
    const like: WebSocketLike = {
      get readyState() {
        return ws.readyState;
      },
      send: (data: string) => ws.send(data),
      close: (code?: number, reason?: string) => {
        mine.left = true;
        ws.close(code, reason);
      },
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    ws.on('open', () => like.onopen?.({}));
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      rec.frames?.push(text);
      if (mine.left) {
        // not this client's any more
      } else if (text.startsWith('{"type":"changes"') || text.startsWith('{"type":"snapshot"')) {
        const m = Versions.safeParse(JSON.parse(text));
        if (m.success && m.data.type === 'changes') {
          const at = performance.now();
          for (const c of m.data.changes) {
            rec.versions.push(c.version);
            rec.versionAt.push(at);
          }
        }
        if (m.success && m.data.type === 'snapshot') rec.snapshots.push(m.data.version);
      } else if (text.startsWith('{"type":"error"')) {
        const m = ErrorCodeOnly.safeParse(JSON.parse(text));
        if (m.success) rec.errors.set(m.data.code, (rec.errors.get(m.data.code) ?? 0) + 1);
      } else if (text.startsWith('{"type":"playback"')) {
        const m = PlaybackVersion.safeParse(JSON.parse(text));
        if (m.success) rec.playback.push({ version: m.data.version, at: performance.now() });
      } else if (text.startsWith('{"type":"ack"')) rec.ackTimes.push(performance.now());
      like.onmessage?.({ data: isBinary ? data : text });
    });
    ws.on('close', (code, reason) => {
      this.live.delete(ws);
      rec.closes.push({ code, reason: reason.toString(), at: performance.now() });
      like.onclose?.({ code, reason: reason.toString() });
    });
    ws.on('error', (err) => like.onerror?.(err));
    return like;
  }
}
