/**
 * A server message encoded once. A broadcast is encoded once per distinct view and the same
 * bytes go to every socket of that view; a transport may also keep its own framing of them
 * (the ws adapter pre-frames, so a delivery is one write of shared bytes).
 */
import type { ServerMessage } from '@cuebe/protocol';

export class Outgoing {
  /** Transport-private cache (the ws adapter stores the ready-made frame here). */
  frame: Buffer | undefined;

  constructor(
    /** UTF-8 JSON of one ServerMessage. */
    readonly data: Buffer,
  ) {}

  static of(msg: ServerMessage): Outgoing {
    return new Outgoing(Buffer.from(JSON.stringify(msg)));
  }
}

/** What the hub needs from a socket. The ws adapter and the in-memory test pair implement it. */
export interface HubSocket {
  /** Queue one text message. Never throws; a closed socket drops it. */
  send(out: Outgoing): void;
  /** Close with a code and a short reason (≤ 123 bytes). */
  close(code: number, reason: string): void;
  /** Bytes queued and not yet written to the network. */
  readonly bufferedAmount: number;
  /** False once closing has begun. */
  readonly open: boolean;
  /** Transport liveness check, called every heartbeat interval (drops a socket that went silent). */
  heartbeat?(): void;
  /** Resolves once the transport is fully closed. */
  whenClosed?(): Promise<void>;
  /** Drop the connection at once, without a closing handshake. */
  terminate?(): void;
}
