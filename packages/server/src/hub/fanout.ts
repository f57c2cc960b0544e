/**
 * Fan-out between nodes (DESIGN §6): every committed entry and access change is published once;
 * every node (this one included) delivers it to its own sockets. In-process by default; a Redis
 * implementation fills the same interface. Messages carry the origin node id, so a node can tell
 * its own echo from a relayed message, and relayed ops are never persisted again.
 */
import { randomUUID } from 'node:crypto';
import type { Department, PlaybackState, PolicyReason, ShowRole } from '@cuebe/protocol';
import type { ConflictInfo, LogEntry } from '../scripts/store';

/** Why sockets must close: a policy reason (1008), 'changed' (4010 reconnect), 'deleted' (4004). */
export type AccessReason = PolicyReason | 'changed' | 'deleted';

/** One socket's presence as another node reports it (a snapshot entry, see 'presence'). */
export type PresenceMemberWire =
  | { role: 'sm'; userId: string; name: string; deviceId: string; showRole?: ShowRole; editing?: string | null }
  | {
      role: 'crew';
      crewId: string;
      name: string;
      crewRole: string;
      allDepartments: boolean;
      departmentIds: string[];
      deviceId: string;
    };

export type FanoutMessage =
  /** A committed version of a script (with the conflicts it caused, to tell the other editor). */
  | { type: 'entry'; origin: string; entry: LogEntry; conflicts?: ConflictInfo[] }
  /** A script's playback state after a command (persisted first); nodes keep the highest version. */
  | { type: 'playback'; origin: string; scriptId: string; version: number; state: PlaybackState }
  /**
   * Who may see what changed: close the matching sockets (crewId: one link; scriptId: all crew
   * of a script, or everyone when deleted; showId: all of a show; userId: an SM's sockets;
   * sessionId with it: only the sockets of that one session, P6).
   */
  | {
      type: 'access';
      origin: string;
      reason: AccessReason;
      crewId?: string;
      scriptId?: string;
      showId?: string;
      userId?: string;
      sessionId?: string;
    }
  /**
   * Every socket one node holds on a script, in full (not a delta): sent on joins and leaves
   * (coalesced), as a heartbeat, empty when the room empties or the node stops. A receiver
   * keeps the latest per (origin, script) for ttlMs after receipt, so a dead node's entries go.
   */
  | { type: 'presence'; origin: string; scriptId: string; members: PresenceMemberWire[]; ttlMs: number }
  /** A show's departments after a change: every socket of the show's scripts gets the list. */
  | { type: 'departments'; origin: string; showId: string; departments: Department[] }
  /** A script was shared with crew or unshared: its SM sockets are told. */
  /** A script was shared or unshared (or made shared, or a shared one deleted): SM devices and crew lists. */
  | { type: 'sharing'; origin: string; scriptId: string; shared: boolean; showId?: string };

export type FanoutHandler = (msg: FanoutMessage) => void;

export interface Fanout {
  readonly nodeId: string;
  /**
   * Delivers to this node's subscribers at once (in the caller's turn), then to every other
   * node. A failure to reach other nodes never rejects: it is counted, and they refill from the
   * database (versions show the gap), so the commit path cannot be broken by the fan-out.
   */
  publish(msg: FanoutMessage): Promise<void>;
  /** Every message from every node, this one's included, once each, in each publisher's order. */
  subscribe(handler: FanoutHandler): () => void;
  /**
   * Called when the hub should deliver from the database because messages from other nodes may
   * have been missed: at once when the link is found down or silent, then every pollWhileDownMs
   * while it stays so (edits, playback, credentials and presence then cross nodes through the
   * database, SPEC R4), and once when it is proven healthy again — a refill then leaves no hole.
   * In-process: never. `live` is true for that last call, false for the calls while it is down.
   */
  onReconnect?(handler: (live: boolean) => void): () => void;
  /**
   * True while messages from other nodes are known to arrive (in-process: always): state kept up
   * to date in the background, read without waiting (readiness, metrics, the hub).
   */
  readonly connected?: boolean;
  /** Rejects when the link to other nodes is down; never waits on it. In-process: always fine. */
  check?(): Promise<void>;
  close(): Promise<void>;
}

/** One process: publish calls every subscriber at once, in order. */
export class LocalFanout implements Fanout {
  private readonly handlers = new Set<FanoutHandler>();
  constructor(readonly nodeId: string = randomUUID()) {}

  async publish(msg: FanoutMessage): Promise<void> {
    for (const h of this.handlers) h(msg);
  }

  subscribe(handler: FanoutHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  readonly connected = true;

  onReconnect(_handler: (live: boolean) => void): () => void {
    return () => {};
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
