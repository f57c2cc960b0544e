/**
 * The commit pipeline (DESIGN §3): validate → apply → one transaction that bumps the script's
 * version and appends to the op log → return what to ack and broadcast. Both the socket hub
 * and the REST API commit through here, so there is one set of rules and one log.
 */
import { and, asc, eq, getTableColumns, gt, inArray, lte, sql } from 'drizzle-orm';
import {
  applyOp,
  OpError,
  type Actor,
  type Department,
  type Element,
  type Op,
  type Patch,
  type Prev,
  type ScriptHeader,
  type ScriptState,
  EDITABLE_FIELDS,
} from '@cuebe/protocol';
import type { Conn, Db } from '../db/open';
import { departments, elements, ops, scripts, type FieldMeta } from '../db/schema';
import { AppError, isUnavailable } from '../errors';
import { elementValues, scriptInfoValues, toDepartment, toElement, toScriptHeader, toScriptInfo } from './rows';

/** Who made a change. id: the user or crew id; deviceId: which of their devices. */
export interface ActorRef extends Actor {
  id: string | null;
  deviceId?: string | null;
}

/** One committed version: what the op log holds and what fan-out carries. */
export interface LogEntry {
  scriptId: string;
  version: number;
  opId: string | null;
  actor: ActorRef;
  kind: string;
  patch: Patch;
  prev: Prev;
  at: string;
}

/** A field this op overwrote after the writer's base version, written by someone else. */
export interface ConflictInfo {
  elementId: string;
  elementName: string;
  field: string;
  other: ActorRef;
  otherAt: string;
}

export interface CommitInput {
  scriptId: string;
  opId: string | null;
  /** The version the writer had seen; null: skip conflict detection (server-made ops). */
  baseVersion: number | null;
  op: Op;
  actor: ActorRef;
  /**
   * Apply only on exactly this version (an op computed from a full state, like a restore);
   * otherwise nothing is written and a 409 CONFLICT says to recompute.
   */
  onlyOnVersion?: number;
  /**
   * Writes that must land in the same transaction, before the op is applied (an import creates
   * the departments its rows use). Throwing rolls everything back.
   */
  prepare?: (tx: Conn) => Promise<void>;
}

export interface CommitResult {
  entry: LogEntry;
  /** The opId had been applied before: nothing was applied now. */
  duplicate: boolean;
  conflicts: ConflictInfo[];
}

export interface SnapshotData {
  version: number;
  script: ScriptHeader;
  elements: Element[];
  departments: Department[];
}

interface CachedState {
  version: number;
  state: ScriptState;
  meta: Map<string, FieldMeta>;
}

class Duplicate {
  constructor(readonly opId: string) {}
}

const ELEMENT_COLUMNS = [
  'type',
  'name',
  'notes',
  'departmentId',
  'priority',
  'offsetMs',
  'durationMs',
  'location',
  'colour',
  'parentId',
  'orderKey',
  'fieldMeta',
] as const;

export class ScriptStore {
  private readonly cache = new Map<string, CachedState>();

  constructor(
    private readonly db: Db,
    private readonly cacheSize = 500,
  ) {}

  async commit(input: CommitInput): Promise<CommitResult> {
    try {
      const { result, cacheValue } = await this.db.transaction((tx) => this.commitIn(tx, input));
      // The cache moves on only once the commit is certain; after a failed commit the next
      // one finds the version mismatch and reloads from the database.
      this.remember(input.scriptId, cacheValue);
      return result;
    } catch (err) {
      if (err instanceof Duplicate) return this.duplicate(input.scriptId, err.opId);
      throw toAppError(err);
    }
  }

  private async commitIn(tx: Conn, input: CommitInput): Promise<{ result: CommitResult; cacheValue: CachedState }> {
    const { scriptId, op, actor } = input;
    // The version bump takes the script's row lock: commits to one script are serialised,
    // across every node, and the version sequence has no holes. The same statement brings the
    // show's department ids and whether this opId was applied before (a retry), so the hot path
    // pays one round trip for all three.
    const [bumped] = await tx
      .update(scripts)
      .set({ version: sql`${scripts.version} + 1`, updatedAt: new Date() })
      .where(eq(scripts.id, scriptId))
      .returning({
        ...getTableColumns(scripts),
        // Table names written out: inside RETURNING, Drizzle drops the qualifiers of column
        // references, which would turn the correlation into show_id = show_id.
        departmentIds: sql<
          string[]
        >`(select coalesce(array_agg(d.id::text), '{}'::text[]) from departments d where d.show_id = scripts.show_id)`,
        seen: input.opId
          ? sql<boolean>`exists (select 1 from ops o where o.script_id = scripts.id and o.op_id = ${input.opId})`
          : sql<boolean>`false`,
      });
    if (!bumped) throw new AppError(404, 'NOT_FOUND', 'script not found');
    const { departmentIds, seen, ...row } = bumped;
    const version = row.version;
    if (input.onlyOnVersion !== undefined && version - 1 !== input.onlyOnVersion)
      throw new AppError(409, 'CONFLICT', 'the script changed meanwhile; try again');
    if (input.opId && seen) throw new Duplicate(input.opId);

    if (!Array.isArray(departmentIds)) throw new Error('department ids did not come back as an array');
    let knownDepartments = departmentIds;
    if (input.prepare) {
      await input.prepare(tx);
      // prepare may add departments (an import creating the ones it names).
      const rows = await tx.select({ id: departments.id }).from(departments).where(eq(departments.showId, row.showId));
      knownDepartments = rows.map((d) => d.id);
    }
    const cached = await this.stateAt(tx, scriptId, version - 1, row);
    let result;
    try {
      result = applyOp(cached.state, op, { departmentIds: new Set(knownDepartments) });
    } catch (err) {
      if (err instanceof OpError) throw new AppError(err.code === 'NOT_FOUND' ? 404 : 400, 'BAD_OP', err.message);
      throw err;
    }
    const { patch, prev, state } = result;
    const at = new Date().toISOString();
    const conflicts = input.baseVersion === null ? [] : findConflicts(op, input.baseVersion, actor, cached, prev);

    const meta = new Map(cached.meta);
    for (const el of patch.upserts) {
      const before = prev.elements[el.id];
      const m: FieldMeta = { ...(meta.get(el.id) ?? {}) };
      if (before)
        for (const f of EDITABLE_FIELDS) if (before[f] !== el[f]) m[f] = { v: version, by: publicActor(actor), at };
      meta.set(el.id, m);
    }
    for (const id of patch.deletes) meta.delete(id);

    if (patch.upserts.length > 0) {
      const rows = patch.upserts.map((el) => ({ ...elementValues(scriptId, el), fieldMeta: meta.get(el.id) ?? {} }));
      const written = await tx
        .insert(elements)
        .values(rows)
        .onConflictDoUpdate({
          target: elements.id,
          set: Object.fromEntries(ELEMENT_COLUMNS.map((c) => [c, sql.raw(`excluded.${elements[c].name}`)])),
          setWhere: sql`${elements.scriptId} = excluded.script_id`,
        })
        .returning({ id: elements.id });
      if (written.length !== rows.length)
        throw new AppError(400, 'BAD_OP', 'an element id is already used by another script');
    }
    if (patch.deletes.length > 0)
      await tx.delete(elements).where(and(eq(elements.scriptId, scriptId), inArray(elements.id, patch.deletes)));
    if (patch.info) await tx.update(scripts).set(scriptInfoValues(patch.info)).where(eq(scripts.id, scriptId));

    const entry: LogEntry = { scriptId, version, opId: input.opId, actor, kind: op.kind, patch, prev, at };
    await tx.insert(ops).values({
      scriptId,
      version,
      opId: input.opId,
      actor: { kind: actor.kind, name: actor.name, id: actor.id },
      kind: op.kind,
      op,
      patch,
      prev,
      createdAt: new Date(at),
    });
    return { result: { entry, duplicate: false, conflicts }, cacheValue: { version, state, meta } };
  }

  private async duplicate(scriptId: string, opId: string): Promise<CommitResult> {
    const [row] = await this.db
      .select()
      .from(ops)
      .where(and(eq(ops.scriptId, scriptId), eq(ops.opId, opId)));
    if (!row) throw new AppError(500, 'INTERNAL', 'duplicate op vanished');
    return { entry: toEntry(row), duplicate: true, conflicts: [] };
  }

  /** The state at `version`, from the cache when it holds exactly that version. */
  private async stateAt(
    conn: Conn,
    scriptId: string,
    version: number,
    row: typeof scripts.$inferSelect,
  ): Promise<CachedState> {
    const hit = this.cache.get(scriptId);
    if (hit && hit.version === version) return hit;
    const rows = await conn.select().from(elements).where(eq(elements.scriptId, scriptId));
    return {
      version,
      state: { info: toScriptInfo(row), elements: new Map(rows.map((r) => [r.id, toElement(r)])) },
      meta: new Map(rows.map((r) => [r.id, r.fieldMeta])),
    };
  }

  private remember(scriptId: string, value: CachedState): void {
    this.cache.delete(scriptId);
    this.cache.set(scriptId, value);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Forget a script's cached state (deleted, or changed outside the op log). */
  invalidate(scriptId: string): void {
    this.cache.delete(scriptId);
  }

  /** Script, elements and departments at one consistent version. */
  async snapshot(scriptId: string): Promise<SnapshotData> {
    try {
      return await this.db.transaction(
        async (tx) => {
          const [row] = await tx.select().from(scripts).where(eq(scripts.id, scriptId));
          if (!row) throw new AppError(404, 'NOT_FOUND', 'script not found');
          const { state } = await this.stateAt(tx, scriptId, row.version, row);
          const depts = await tx
            .select()
            .from(departments)
            .where(eq(departments.showId, row.showId))
            .orderBy(asc(departments.createdAt), asc(departments.name));
          return {
            version: row.version,
            script: toScriptHeader(row),
            elements: [...state.elements.values()],
            departments: depts.map(toDepartment),
          };
        },
        { isolationLevel: 'repeatable read' },
      );
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** Committed entries with fromVersion < version ≤ toVersion, in order. */
  async changesSince(scriptId: string, fromVersion: number, toVersion?: number, limit = 10_000): Promise<LogEntry[]> {
    try {
      const rows = await this.db
        .select()
        .from(ops)
        .where(
          and(
            eq(ops.scriptId, scriptId),
            gt(ops.version, fromVersion),
            toVersion === undefined ? undefined : lte(ops.version, toVersion),
          ),
        )
        .orderBy(asc(ops.version))
        .limit(limit);
      return rows.map(toEntry);
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** The script's current version (0 when it has had no op), or null when it does not exist. */
  async currentVersion(scriptId: string): Promise<number | null> {
    const [row] = await this.db.select({ v: scripts.version }).from(scripts).where(eq(scripts.id, scriptId));
    return row ? row.v : null;
  }
}

function toEntry(row: typeof ops.$inferSelect): LogEntry {
  return {
    scriptId: row.scriptId,
    version: row.version,
    opId: row.opId,
    actor: row.actor,
    kind: row.kind,
    patch: row.patch,
    prev: row.prev,
    at: row.createdAt.toISOString(),
  };
}

function publicActor(a: ActorRef): ActorRef {
  return { kind: a.kind, name: a.name, id: a.id, deviceId: a.deviceId ?? null };
}

/** Fields an update op sets explicitly that someone else changed after the writer's base version. */
function findConflicts(op: Op, baseVersion: number, actor: ActorRef, before: CachedState, prev: Prev): ConflictInfo[] {
  const updates = op.kind === 'batch' ? op.ops : [op];
  const out: ConflictInfo[] = [];
  for (const u of updates) {
    if (u.kind !== 'update') continue;
    const meta = before.meta.get(u.id);
    const el = before.state.elements.get(u.id);
    if (!meta || !el || !(u.id in prev.elements)) continue;
    for (const field of Object.keys(u.fields)) {
      const m = meta[field];
      if (!m || m.v <= baseVersion) continue;
      const sameWriter = m.by.id === actor.id && (m.by.deviceId ?? null) === (actor.deviceId ?? null);
      if (sameWriter) continue;
      if ((el as Record<string, unknown>)[field] === (u.fields as Record<string, unknown>)[field]) continue;
      out.push({ elementId: u.id, elementName: el.name, field, other: m.by, otherAt: m.at });
    }
  }
  return out;
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isUnavailable(err)) return new AppError(503, 'UNAVAILABLE', 'the database is unavailable; try again shortly');
  const e = new AppError(500, 'INTERNAL', 'internal error');
  e.cause = err;
  return e;
}
