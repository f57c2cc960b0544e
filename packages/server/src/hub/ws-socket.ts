/** The hub's socket interface over a `ws` WebSocket. */
import WebSocket from 'ws';
import type { HubSocket, Outgoing } from './outgoing';

const SEND_OPTIONS = { binary: false } as const;

export class WsSocket implements HubSocket {
  private alive = true;
  private closedPromise: Promise<void> | null = null;

  constructor(private readonly ws: WebSocket) {
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  /** Any frame from the peer shows it is alive. */
  markAlive(): void {
    this.alive = true;
  }

  send(out: Outgoing): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(out.data, SEND_OPTIONS);
  }

  close(code: number, reason: string): void {
    const state = this.ws.readyState;
    if (state === WebSocket.CLOSED) return;
    if (state === WebSocket.CLOSING) return;
    this.ws.close(code, shortReason(reason));
    // A peer that stops reading never answers the close frame; do not keep it for ws's 30 s.
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  heartbeat(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  whenClosed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.closedPromise ??= new Promise((resolve) => this.ws.once('close', () => resolve()));
    return this.closedPromise;
  }

  terminate(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}

/** Close reasons are limited to 123 bytes by the protocol. */
export function shortReason(s: string): string {
  const b = Buffer.from(s);
  if (b.length <= 123) return s;
  return (
    b
      .subarray(0, 120)
      .toString('utf8')
      .replace(/\uFFFD+$/, '') + '...'
  );
}
