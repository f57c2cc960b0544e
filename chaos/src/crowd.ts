/**
 * Crew devices by the thousand. The real SyncClient parses every frame with zod and keeps a
 * replica; two thousand of them in the harness's one process would measure the harness, not
 * the server. A `LiteCrew` speaks the same protocol on a real socket — hello with its token and
 * last version, welcome, snapshot or catch-up, live changes, the clock-sync burst of 10 pings
 * 150 ms apart that the real client sends after every welcome — and reconnects with the real
 * client's `Backoff` (exponential, full jitter). It does not parse the changes it is sent: it
 * reads each change's version (`{"version":N` opens every change) and records arrival times.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { z } from 'zod';
import { Backoff, type BackoffOptions } from '@cuebe/client';
import { LIMITS, PROTOCOL_VERSION } from '@cuebe/protocol';
import { deliveries } from './checker';
import { makeCrew, type CrewLink, type Stage } from './stage';
import { until } from './wait';

const WelcomeVersion = z.object({ type: z.literal('welcome'), version: z.number() });
const CHANGE = Buffer.from('{"version":');
const SNAPSHOT = /^\{"type":"snapshot","version":(\d+)/;

export type LiteStatus = 'idle' | 'handshake' | 'catching-up' | 'live' | 'waiting' | 'closed';

export interface LiteOptions {
  backoff?: BackoffOptions;
  /** Send the clock-sync burst after each welcome, as the real client does. */
  clockBurst?: boolean;
  /** Called for every version as it arrives (performance.now()). */
  onVersion?: (version: number, at: number) => void;
}

/** What one crew device saw, over every socket it opened (the checker's `deliveries` reads `rec`). */
export interface LiteRecord {
  versions: number[];
  snapshots: number[];
  closes: { code: number; at: number }[];
  sockets: number;
}

export class LiteCrew {
  status: LiteStatus = 'idle';
  /** Highest version held (null before the first snapshot). */
  version: number | null = null;
  /** Handshakes that got a welcome; time of the last one. */
  welcomes = 0;
  readonly rec: LiteRecord = { versions: [], snapshots: [], closes: [], sockets: 0 };
  /** Bytes of every frame received. */
  bytes = 0;
  /** When the socket of the current attempt was opened (for handshake times). */
  openedAt = 0;
  readonly handshakeMs: number[] = [];
  readonly backoff: Backoff;
  private ws: WebSocket | null = null;
  private target = 0;
  private stopped = false;
  private paused = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly deviceId = randomUUID();
  /** Duplicates and reorderings before the last snapshot. */
  private readonly earlier = { duplicated: 0, reordered: 0 };

  constructor(
    private readonly url: string,
    private readonly origin: string,
    private readonly token: string,
    private readonly opts: LiteOptions = {},
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  /** Caught up: welcomed and holding at least the welcome's version. */
  get live(): boolean {
    return this.status === 'live';
  }

  connect(): void {
    if (this.stopped) return;
    this.status = 'handshake';
    this.openedAt = performance.now();
    this.rec.sockets++;
    const ws = new WebSocket(this.url, {
      headers: { origin: this.origin },
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    ws.on('open', () => {
      if (this.paused) this.rawSocket()?.pause();
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          token: this.token,
          lastVersion: this.version,
          deviceId: this.deviceId,
        }),
      );
    });
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code) => this.onClose(ws, code));
    ws.on('error', () => {});
  }

  /** The network drops this device's connection: a reset, no closing handshake; it reconnects. */
  drop(): void {
    // Not live from this moment: the close event comes a turn later.
    if (this.ws) this.status = 'waiting';
    const raw = this.rawSocket();
    if (raw) raw.resetAndDestroy();
    else this.ws?.terminate();
  }

  /** Stop reading from the socket (the app froze, the phone went to sleep mid-frame). */
  pause(): void {
    this.paused = true;
    this.rawSocket()?.pause();
  }

  resume(): void {
    this.paused = false;
    this.rawSocket()?.resume();
  }

  /** Versions sent twice, or after a later one, over this device's whole run. */
  delivery(): { duplicated: number; reordered: number } {
    const d = deliveries(this);
    return { duplicated: d.duplicated + this.earlier.duplicated, reordered: d.reordered + this.earlier.reordered };
  }

  close(): void {
    this.stopped = true;
    this.status = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.ws?.terminate();
  }

  private rawSocket(): Socket | null {
    return (this.ws as unknown as { _socket?: Socket | null } | null)?._socket ?? null;
  }

  private onFrame(data: Buffer): void {
    const at = performance.now();
    this.bytes += data.length;
    if (data[2] !== 0x74 || data[3] !== 0x79) return; // not {"type":
    if (data.subarray(0, 17).toString() === '{"type":"changes"') {
      for (let i = data.indexOf(CHANGE); i >= 0; i = data.indexOf(CHANGE, i + CHANGE.length)) {
        let v = 0;
        for (let j = i + CHANGE.length; data[j]! >= 0x30 && data[j]! <= 0x39; j++) v = v * 10 + data[j]! - 0x30;
        this.rec.versions.push(v);
        if (this.version === null || v > this.version) this.version = v;
        this.opts.onVersion?.(v, at);
      }
    } else if (data.subarray(0, 18).toString() === '{"type":"snapshot"') {
      const m = SNAPSHOT.exec(data.subarray(0, 64).toString());
      if (m) {
        const v = Number(m[1]);
        this.rec.snapshots.push(v);
        // A snapshot replaces everything: delivery is checked afresh from here on.
        const d = deliveries(this);
        this.earlier.duplicated += d.duplicated;
        this.earlier.reordered += d.reordered;
        this.rec.versions = [];
        this.version = v;
      }
    } else if (data.subarray(0, 17).toString() === '{"type":"welcome"') {
      const w = WelcomeVersion.parse(JSON.parse(data.toString()));
      this.welcomes++;
      this.handshakeMs.push(at - this.openedAt);
      this.target = w.version;
      this.status = 'catching-up';
      if (this.opts.clockBurst) this.clockBurst();
    }
    if (this.status === 'catching-up' && this.version !== null && this.version >= this.target) {
      this.status = 'live';
      // As the real client: a connection that stayed up resets the attempt count (here at once,
      // the storm is over for this device once it is live).
      this.backoff.reset();
    }
  }

  private clockBurst(): void {
    let n = 0;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const ws = this.ws;
    this.pingTimer = setInterval(() => {
      if (!ws || ws !== this.ws || ws.readyState !== WebSocket.OPEN || ++n > 10) {
        if (this.pingTimer) clearInterval(this.pingTimer);
        this.pingTimer = null;
        return;
      }
      ws.send(JSON.stringify({ type: 'ping', id: n, t0: performance.now() }));
    }, 150);
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.rec.closes.push({ code, at: performance.now() });
    if (this.stopped) return;
    this.status = 'waiting';
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

/** Versions after a device's last snapshot that it never received, up to `final`. */
export function missing(c: LiteCrew, final: number): number {
  const from = c.rec.snapshots.at(-1) ?? 0;
  const got = new Set(c.rec.versions);
  let n = 0;
  for (let v = from + 1; v <= final; v++) if (!got.has(v)) n++;
  return n;
}

/** `n` crew devices on one script, five to a crew link (the per-link cap), not yet connected. */
export async function makeCrowd(stage: Stage, n: number, opts: (i: number) => LiteOptions): Promise<LiteCrew[]> {
  const links: CrewLink[] = [];
  const per = LIMITS.maxSocketsPerCrew;
  const need = Math.ceil(n / per);
  for (let i = 0; i < need; i += 10)
    links.push(...(await Promise.all(Array.from({ length: Math.min(10, need - i) }, () => makeCrew(stage)))));
  const url = `${stage.base.replace(/^http/, 'ws')}/ws/script/${stage.scriptId}`;
  return Array.from({ length: n }, (_, i) => new LiteCrew(url, stage.base, links[Math.floor(i / per)]!.token, opts(i)));
}

/** Connect a crowd in waves (the first connection is not what a scenario measures). */
export async function connectCrowd(crowd: LiteCrew[], wave = 100): Promise<void> {
  for (let i = 0; i < crowd.length; i += wave) {
    const part = crowd.slice(i, i + wave);
    for (const c of part) c.connect();
    await until(() => part.every((c) => c.live), 30_000, `crew ${i}–${i + part.length} live`, 10);
  }
}
