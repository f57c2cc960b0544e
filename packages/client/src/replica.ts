/**
 * The client's copy of a script, transport-free: the confirmed state (what the server committed,
 * up to `version`), the queue of this client's edits not yet in it, and the optimistic view —
 * confirmed with the pending edits re-applied on top, in order (DESIGN §3).
 */
import {
  applyOp,
  applyPatch,
  deriveGroupTimings,
  OpError,
  type ApplyResult,
  type Change,
  type Department,
  type Element,
  type Op,
  type Prev,
  type ScriptHeader,
  type ScriptState,
  type Snapshot,
} from '@cuebe/protocol';
import type { PersistedState } from './storage';

export interface PendingOp {
  readonly opId: string;
  readonly op: Op;
  /** The confirmed version when the op was made (the server uses it for conflict notices). */
  readonly baseVersion: number;
  /** Sent on the current connection (reset on every reconnect: unacknowledged ops go again). */
  sent: boolean;
  /** Sent at some time (or restored from storage, so perhaps): the server's answer decides its fate. */
  everSent: boolean;
  /** Set by the ack: the version it was committed as, and the values before it. */
  ack?: { version: number; prev: Prev };
  /** Retry bookkeeping for retryable refusals. */
  attempts: number;
}

/** An op the rebase had to drop: it no longer applies to what the server committed. */
export interface RebaseDrop {
  pending: PendingOp;
  error: OpError;
}

export interface Confirmed {
  version: number;
  script: ScriptHeader;
  departments: Department[];
  state: ScriptState;
}

export class Replica {
  /**
   * The stream is a partial view (crew): its groups come without timing, and the replica derives
   * each group's offset and duration from the children it holds, as the server does (S17).
   */
  partialView = false;
  confirmed: Confirmed | null = null;
  pending: PendingOp[] = [];
  /** confirmed + pending. Null until the first snapshot. */
  view: ScriptState | null = null;

  /** Apply a new local op on the view at once. Throws OpError when it breaks a rule here. */
  submit(opId: string, op: Op): { pending: PendingOp; result: ApplyResult } {
    if (!this.confirmed || !this.view) throw new OpError('INVALID', 'the script has not loaded yet');
    const result = applyOp(this.view, op, this.context());
    const pending: PendingOp = {
      opId,
      op,
      baseVersion: this.confirmed.version,
      sent: false,
      everSent: false,
      attempts: 0,
    };
    this.pending.push(pending);
    this.view = result.state;
    return { pending, result };
  }

  /** The show's departments changed: the new list (false before the first snapshot). */
  departmentsChanged(departments: Department[]): boolean {
    if (!this.confirmed) return false;
    this.confirmed = { ...this.confirmed, departments };
    return true;
  }

  /** The script was shared with crew or unshared (false before the first snapshot). */
  sharingChanged(shared: boolean): boolean {
    if (!this.confirmed || this.confirmed.script.shared === shared) return false;
    this.confirmed = { ...this.confirmed, script: { ...this.confirmed.script, shared } };
    return true;
  }

  /** A snapshot replaces the confirmed state; ops it already contains leave the queue. */
  snapshot(s: Snapshot): RebaseDrop[] {
    this.confirmed = {
      version: s.version,
      script: s.script,
      departments: s.departments,
      state: {
        info: infoOf(s.script),
        elements: new Map((this.partialView ? deriveGroupTimings(s.elements) : s.elements).map((e) => [e.id, e])),
      },
    };
    this.pending = this.pending.filter((p) => !p.ack || p.ack.version > s.version);
    return this.rebase();
  }

  /**
   * Apply committed changes in version order. Returns the changes applied (older ones are
   * skipped), whether a gap stopped it (ask for the missing range), and what the rebase dropped.
   */
  changes(changes: readonly Change[]): {
    applied: { change: Change; mine: boolean }[];
    gap: boolean;
    drops: RebaseDrop[];
  } {
    const applied: { change: Change; mine: boolean }[] = [];
    let gap = false;
    const c = this.confirmed;
    if (!c) return { applied, gap: changes.length > 0, drops: [] };
    for (const change of [...changes].sort((a, b) => a.version - b.version)) {
      if (change.version <= c.version) continue;
      if (change.version > c.version + 1) {
        gap = true;
        break;
      }
      c.state = applyPatch(c.state, change.patch);
      if (change.patch.info) c.script = { ...c.script, ...change.patch.info };
      c.version = change.version;
      const i = change.opId ? this.pending.findIndex((p) => p.opId === change.opId) : -1;
      if (i >= 0) this.pending.splice(i, 1);
      applied.push({ change, mine: i >= 0 });
    }
    if (this.partialView && applied.length > 0)
      c.state = {
        ...c.state,
        elements: new Map(deriveGroupTimings([...c.state.elements.values()]).map((e) => [e.id, e])),
      };
    // Ops acknowledged at or below the version reached are in the confirmed state already
    // (a crew-filtered stream carries no op ids; an SM stream always does).
    this.pending = this.pending.filter((p) => !p.ack || p.ack.version > c.version);
    return { applied, gap, drops: applied.length > 0 ? this.rebase() : [] };
  }

  /** The server acknowledged an op. Returns it (or undefined when it is no longer queued). */
  ack(opId: string, version: number, prev: Prev): PendingOp | undefined {
    const p = this.pending.find((x) => x.opId === opId);
    if (!p) return undefined;
    p.ack = { version, prev };
    if (this.confirmed && version <= this.confirmed.version) {
      // Already in the confirmed state (a retry of an op the snapshot or catch-up included).
      this.pending = this.pending.filter((x) => x !== p);
      this.rebase();
    }
    return p;
  }

  /** Remove a refused op from the queue and re-derive the view. */
  drop(opId: string): { pending: PendingOp; drops: RebaseDrop[] } | undefined {
    const p = this.pending.find((x) => x.opId === opId);
    if (!p) return undefined;
    this.pending = this.pending.filter((x) => x !== p);
    return { pending: p, drops: this.rebase() };
  }

  /**
   * Re-apply the pending ops on the confirmed state. An op that no longer applies is dropped —
   * unless it was sent and not answered: the server may have applied it already, and its answer
   * (ack or refusal) decides. Until then it just has no effect on the view.
   */
  rebase(): RebaseDrop[] {
    if (!this.confirmed) return [];
    let state = this.confirmed.state;
    const keep: PendingOp[] = [];
    const drops: RebaseDrop[] = [];
    const ctx = this.context();
    for (const p of this.pending) {
      try {
        state = applyOp(state, p.op, ctx).state;
        keep.push(p);
      } catch (err) {
        if (!(err instanceof OpError)) throw err;
        if (p.everSent || p.ack) keep.push(p);
        else drops.push({ pending: p, error: err });
      }
    }
    this.pending = keep;
    this.view = state;
    return drops;
  }

  /** The same department rule the server checks, so an op it would refuse fails here first. */
  private context() {
    const departments = this.confirmed?.departments;
    return departments ? { departmentIds: new Set(departments.map((d) => d.id)) } : {};
  }

  toPersisted(): PersistedState | null {
    const c = this.confirmed;
    if (!c) return null;
    return {
      format: 1,
      version: c.version,
      script: c.script,
      departments: c.departments,
      elements: [...c.state.elements.values()],
      pending: this.pending.map((p) => ({ opId: p.opId, op: p.op, baseVersion: p.baseVersion })),
    };
  }

  restore(saved: PersistedState): void {
    this.snapshot({
      type: 'snapshot',
      version: saved.version,
      script: saved.script,
      departments: saved.departments,
      elements: saved.elements,
    });
    this.pending = saved.pending.map((p) => ({ ...p, sent: false, everSent: true, attempts: 0 }));
    this.rebase();
  }
}

export function infoOf(s: ScriptHeader): ScriptState['info'] {
  return { name: s.name, status: s.status, notes: s.notes, plannedStart: s.plannedStart, plannedEnd: s.plannedEnd };
}

export type { Element };
