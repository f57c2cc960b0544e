/**
 * One stage-manager socket per script: authenticates like the web app (session cookie + Origin for
 * Cuebe), then sends `update` ops on one element at the pace the scheduler sets, each carrying its
 * send time in the element's notes. Acks give the commit latency (send → ack) and the final version.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { nowUs } from './clock';
import { Histogram } from './histogram';
import { benchNote, parseFrame, readChanges, readNumber, readString, type Phase } from './wire';

export interface SmOptions {
  wsBase: string;
  scriptId: string;
  elementId: string;
  headers: Record<string, string>;
  protocol: number;
  noteBytes: number;
}

const READY_TIMEOUT_MS = 30_000;

export class SmDriver {
  /** Highest version this SM has seen (welcome, acks, changes): the base of its next op. */
  version = 0;
  /** Highest version acknowledged to this SM: every crew socket must end there. */
  lastAckVersion = 0;
  sent = 0;
  measuredSent = 0;
  acked = 0;
  readonly ackLatency = new Histogram();
  readonly errors: string[] = [];
  private readonly pending = new Map<string, { sentUs: number; phase: Phase }>();
  private ws: WebSocket | null = null;
  private closedUnexpectedly: string | null = null;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly opts: SmOptions) {}

  get pendingAcks(): number {
    return this.pending.size;
  }

  get closeReason(): string | null {
    return this.closedUnexpectedly;
  }

  connect(): Promise<void> {
    const o = this.opts;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${o.wsBase}/ws/script/${o.scriptId}`, { perMessageDeflate: false, headers: o.headers });
      this.ws = ws;
      let ready = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`SM socket of ${o.scriptId}: no welcome+snapshot in time`));
      }, READY_TIMEOUT_MS);
      ws.on('open', () =>
        ws.send(
          JSON.stringify({
            type: 'hello',
            protocol: o.protocol,
            lastVersion: null,
            deviceId: `bench-sm-${o.scriptId.slice(0, 8)}`,
          }),
        ),
      );
      ws.on('message', (data) => {
        const t = nowUs();
        const msg = parseFrame(data);
        if (!msg) return;
        switch (msg.type) {
          case 'welcome':
          case 'snapshot': {
            const v = readNumber(msg, 'version');
            if (v !== null) this.version = Math.max(this.version, v);
            this.lastAckVersion = this.version;
            if (msg.type === 'snapshot' && !ready) {
              ready = true;
              clearTimeout(timer);
              resolve();
            }
            return;
          }
          case 'ack':
            return this.onAck(msg, t);
          case 'changes':
            for (const c of readChanges(msg) ?? []) this.version = Math.max(this.version, c.version);
            return;
          case 'error':
            if (this.errors.length < 20) this.errors.push(`${readString(msg, 'code')}: ${readString(msg, 'message')}`);
            return;
        }
      });
      ws.on('error', (err) => {
        if (this.errors.length < 20) this.errors.push(`socket error: ${err.message}`);
      });
      ws.on('close', (code, reason) => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`SM socket of ${o.scriptId} closed before ready: ${code} ${reason.toString()}`));
        else if (this.ws) this.closedUnexpectedly = `${code} ${reason.toString()}`;
        this.releaseDrainWaiters();
      });
    });
  }

  private onAck(msg: Record<string, unknown>, t: number): void {
    const opId = readString(msg, 'opId');
    const version = readNumber(msg, 'version');
    const p = opId === null ? undefined : this.pending.get(opId);
    if (!p || version === null || opId === null) return;
    this.pending.delete(opId);
    this.acked++;
    this.version = Math.max(this.version, version);
    this.lastAckVersion = Math.max(this.lastAckVersion, version);
    if (p.phase === 'm') this.ackLatency.add(t - p.sentUs);
    if (this.pending.size === 0) this.releaseDrainWaiters();
  }

  sendOp(phase: Phase, seq: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const opId = randomUUID();
    const sentUs = nowUs();
    const notes = benchNote(phase, seq, sentUs, this.opts.noteBytes);
    const frame = JSON.stringify({
      type: 'op',
      opId,
      baseVersion: this.version,
      op: { kind: 'update', id: this.opts.elementId, fields: { notes } },
    });
    this.pending.set(opId, { sentUs, phase });
    this.sent++;
    if (phase === 'm') this.measuredSent++;
    ws.send(frame);
  }

  /** Resolves when every op sent has been acknowledged, or after timeoutMs. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0 || this.closedUnexpectedly) return Promise.resolve(this.pending.size === 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.pending.size === 0);
      });
    });
  }

  private releaseDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  close(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
  }
}
