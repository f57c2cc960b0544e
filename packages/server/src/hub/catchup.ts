/**
 * Coalesced catch-up reads (DESIGN §3): concurrent requests of one script for the same starting
 * version share one database read, and concurrent snapshot requests share one snapshot read. The
 * encoded form is kept with the read, so a reconnect storm encodes once per view, not per client.
 */
import type { View } from '@cuebe/protocol';
import type { LogEntry, SnapshotData } from '../scripts/store';
import { changeFor, changesMessage, snapshotMessage } from './encode';
import type { Outgoing } from './outgoing';

/** What a room reads from storage. ScriptStore fills it. */
export interface RoomStore {
  changesSince(scriptId: string, fromVersion: number, toVersion?: number, limit?: number): Promise<LogEntry[]>;
  snapshot(scriptId: string): Promise<SnapshotData>;
  currentVersion(scriptId: string): Promise<number | null>;
}

/** One shared read of the changes after `from`. */
export class ChangesRead {
  private readonly encoded = new Map<string, Outgoing>();
  constructor(
    readonly from: number,
    readonly entries: LogEntry[],
  ) {}

  message(view: View, viewKey: string): Outgoing {
    let out = this.encoded.get(viewKey);
    if (!out) {
      out = changesMessage(this.entries.map((e) => changeFor(view, e)));
      this.encoded.set(viewKey, out);
    }
    return out;
  }
}

/** One shared snapshot read. */
export class SnapshotRead {
  private readonly encoded = new Map<string, Outgoing>();
  readonly readAt = performance.now();
  constructor(readonly data: SnapshotData) {}

  get version(): number {
    return this.data.version;
  }

  message(view: View, viewKey: string): Outgoing {
    let out = this.encoded.get(viewKey);
    if (!out) {
      out = snapshotMessage(view, this.data);
      this.encoded.set(viewKey, out);
    }
    return out;
  }
}

export interface CatchUpStats {
  changeReads: number;
  snapshotReads: number;
}

export class CatchUpReader {
  private readonly changes = new Map<number, Promise<ChangesRead>>();
  private snapshotInFlight: Promise<SnapshotRead> | null = null;
  /** The last snapshot read, reused for a short while (the room brings a client forward from it). */
  private lastSnapshot: SnapshotRead | null = null;
  readonly stats: CatchUpStats = { changeReads: 0, snapshotReads: 0 };

  constructor(
    private readonly store: RoomStore,
    private readonly scriptId: string,
    /** Reads return at most this many entries (one more than the catch-up cap, to detect "too far"). */
    private readonly limit: number,
    /** How long a snapshot read may be reused. */
    private readonly snapshotTtlMs = 2_000,
  ) {}

  changesAfter(from: number): Promise<ChangesRead> {
    let p = this.changes.get(from);
    if (!p) {
      this.stats.changeReads++;
      p = this.store
        .changesSince(this.scriptId, from, undefined, this.limit)
        .then((entries) => new ChangesRead(from, entries));
      this.changes.set(from, p);
      // Shared while in flight only: the next request after it settles reads what is new.
      const forget = () => {
        if (this.changes.get(from) === p) this.changes.delete(from);
      };
      p.then(forget, forget);
    }
    return p;
  }

  /** A snapshot at some version ≥ minVersion - maxLag (the caller brings the client forward from it). */
  snapshot(minVersion: number, maxLag: number): Promise<SnapshotRead> {
    const last = this.lastSnapshot;
    if (last && performance.now() - last.readAt < this.snapshotTtlMs && last.version >= minVersion - maxLag)
      return Promise.resolve(last);
    if (!this.snapshotInFlight) {
      this.stats.snapshotReads++;
      const p = this.store.snapshot(this.scriptId).then((data) => {
        const read = new SnapshotRead(data);
        this.lastSnapshot = read;
        return read;
      });
      this.snapshotInFlight = p;
      const forget = () => {
        if (this.snapshotInFlight === p) this.snapshotInFlight = null;
      };
      p.then(forget, forget);
    }
    return this.snapshotInFlight;
  }
}
