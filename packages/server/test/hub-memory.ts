/**
 * The transport-free side of hub tests: an in-memory socket pair (the room's end is a HubSocket,
 * the test's end reads parsed messages) and an in-memory store that builds real log entries
 * with applyOp, counts its reads and can hold them back to stage races.
 */
import { randomUUID } from 'node:crypto';
import { applyOp, ServerMessage, type Department, type Element, type Op, type ScriptState } from '@cuebe/protocol';
import type { HubSocket, Outgoing } from '../src/hub/outgoing';
import type { RoomStore } from '../src/hub/catchup';
import type { LogEntry, SnapshotData } from '../src/scripts/store';

export class MemorySocket implements HubSocket {
  readonly sent: Outgoing[] = [];
  closedWith: { code: number; reason: string } | null = null;
  bufferedAmount = 0;

  get open(): boolean {
    return this.closedWith === null;
  }

  send(out: Outgoing): void {
    if (this.open) this.sent.push(out);
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }

  /** What the client end received, parsed and checked against the protocol schema. */
  messages(): ServerMessage[] {
    return this.sent.map((o) => ServerMessage.parse(JSON.parse(o.data.toString('utf8'))));
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages().filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  /** Every change version received, in order. */
  versions(): number[] {
    return this.of('changes').flatMap((m) => m.changes.map((c) => c.version));
  }
}

/** A gate a test opens when it wants a held-back read to finish. */
export class Gate {
  private opened = false;
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

export class MemoryStore implements RoomStore {
  readonly scriptId = randomUUID();
  readonly showId = randomUUID();
  readonly log: LogEntry[] = [];
  state: ScriptState;
  readonly departments: Department[];
  reads = { changes: 0, snapshots: 0, current: 0 };
  /** When set, changesSince waits for it (after taking its result: a read that goes stale). */
  changesGate: Gate | null = null;
  snapshotGate: Gate | null = null;

  constructor(deptIds: string[], elements: Element[] = []) {
    this.departments = deptIds.map((id, i) => ({
      id,
      showId: this.showId,
      name: `Dept ${i}`,
      initials: `D${i}`,
      colour: '#123456',
    }));
    this.state = {
      info: { name: 'Act 1', status: 'WORKING', notes: '', plannedStart: null, plannedEnd: null },
      elements: new Map(elements.map((e) => [e.id, e])),
    };
  }

  get version(): number {
    return this.log.length;
  }

  /** Commit an op: the next version, as the real store would log it. */
  commit(op: Op, opId: string | null = randomUUID()): LogEntry {
    const r = applyOp(this.state, op);
    this.state = r.state;
    const entry: LogEntry = {
      scriptId: this.scriptId,
      version: this.log.length + 1,
      opId,
      actor: { kind: 'sm', name: 'Jane', id: 'u1', deviceId: 'd1' },
      kind: op.kind,
      patch: r.patch,
      prev: r.prev,
      at: new Date().toISOString(),
    };
    this.log.push(entry);
    return entry;
  }

  async changesSince(_id: string, from: number, to?: number, limit = 10_000): Promise<LogEntry[]> {
    this.reads.changes++;
    const out = this.log.filter((e) => e.version > from && (to === undefined || e.version <= to)).slice(0, limit);
    if (this.changesGate) await this.changesGate.wait();
    return out;
  }

  async snapshot(): Promise<SnapshotData> {
    this.reads.snapshots++;
    const data: SnapshotData = {
      version: this.version,
      script: { id: this.scriptId, showId: this.showId, shared: true, ...this.state.info },
      elements: [...this.state.elements.values()],
      departments: this.departments,
    };
    if (this.snapshotGate) await this.snapshotGate.wait();
    return data;
  }

  async currentVersion(): Promise<number | null> {
    this.reads.current++;
    return this.version;
  }
}
