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
import type { Conn, Database, Db } from '../db/open';
import type { Param, PreparedStatement } from '../db/prepared';
import { departments, elements, ops, scripts, type FieldMeta } from '../db/schema';
import { AppError, isDataException, isUnavailable, isUniqueViolation } from '../errors';
import { monotonicWallClock } from '../clock/reference';
import { mayHaveCommitted, settle } from '../db/outcome';
import { toDepartment, toElement, toScriptHeader, toScriptInfo } from './rows';

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

/** A script's elements and their field metadata at one version. */
interface LoadedState {
  version: number;
  state: ScriptState;
  meta: Map<string, FieldMeta>;
}

/** What the store keeps per script: the state after its last commit, and the show's departments then. */
interface CachedState extends LoadedState {
  departmentIds: ReadonlySet<string>;
}

/** An op applied to a known state: what to write, to answer and to cache. */
interface Committed {
  result: CommitResult;
  cacheValue: CachedState;
  /** Rows (with field metadata) of the elements the op creates, and of those it changes. */
  created: ElementRow[];
  updated: ElementRow[];
  /** Departments the op assigns to an element: they must still exist when it is written. */
  assigns: string[];
}

type ElementRow = Element & { fieldMeta: FieldMeta };

class Duplicate {
  constructor(readonly opId: string) {}
}

export class ScriptStore {
  private readonly cache = new Map<string, CachedState>();
  private readonly db: Db;
  /** COMMIT_SQL prepared once, for the cached path (outside any transaction). */
  private readonly commitStatement: PreparedStatement;

  constructor(
    database: Pick<Database, 'db' | 'prepare'>,
    /** The reference clock every node shares (ms): the op log's times come from it (F5). */
    private readonly now: () => number = monotonicWallClock,
    private readonly cacheSize = 500,
  ) {
    this.db = database.db;
    this.commitStatement = database.prepare('cuebe_commit', COMMIT_SQL);
  }

  async commit(input: CommitInput): Promise<CommitResult> {
    try {
      const fast = input.prepare ? null : await this.commitOnCached(input);
      if (fast) {
        this.remember(input.scriptId, fast.cacheValue);
        return fast.result;
      }
      const { result, cacheValue } = await this.db.transaction((tx) => this.commitLocked(tx, input));
      // The cache moves on only once the commit is certain; after a failed commit the next
      // one finds the version mismatch and reloads from the database.
      this.remember(input.scriptId, cacheValue);
      return result;
    } catch (err) {
      if (err instanceof Duplicate) return this.duplicate(input.scriptId, err.opId);
      if (isUniqueViolation(err) && constraintOf(err) === 'elements_pkey')
        throw new AppError(400, 'BAD_OP', 'an element id is already used by another script');
      // A value the database cannot hold: this op would fail the same way on every retry (S16).
      if (isDataException(err)) throw new AppError(400, 'BAD_OP', 'the database cannot store a value in this op');
      if (input.opId && mayHaveCommitted(err)) {
        const { scriptId, opId } = input;
        const entry = await settle(() => this.committedEntry(scriptId, opId));
        // Committed, though its reply was lost: answered (and published by the caller) as the
        // commit it is (SPEC W3). Its conflict notices are not recovered.
        return { entry, duplicate: false, conflicts: [] };
      }
      throw toAppError(err);
    }
  }

  /**
   * The entry `opId` committed as, or null. Read under the script's row lock (shared), so a
   * commit to this script still in flight on another connection has finished first.
   */
  private async committedEntry(scriptId: string, opId: string): Promise<LogEntry | null> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '1s'`);
      await tx.select({ id: scripts.id }).from(scripts).where(eq(scripts.id, scriptId)).for('share');
      const [row] = await tx
        .select()
        .from(ops)
        .where(and(eq(ops.scriptId, scriptId), eq(ops.opId, opId)));
      return row ? toEntry(row) : null;
    });
  }

  /**
   * The usual case, one round trip: the op is applied to the cached state and written by one
   * statement that takes effect only while the script is still at the cached version, the op id
   * is new and the departments it assigns exist. Null when it did not take effect (another node
   * committed, a retry, a department went) or the op needs the database's own view (the cached
   * departments do not know one it names): the locked path then decides.
   */
  private async commitOnCached(input: CommitInput): Promise<Committed | null> {
    const cached = this.cache.get(input.scriptId);
    if (!cached) return null;
    if (input.onlyOnVersion !== undefined && input.onlyOnVersion !== cached.version) return null;
    let planned: Committed;
    try {
      planned = plan(input, cached, cached.departmentIds, this.now());
    } catch (err) {
      if (err instanceof AppError && err.code === 'BAD_OP') return null;
      throw err;
    }
    const rows = await this.commitStatement(commitParams(input, planned));
    return rows.length === 1 ? planned : null;
  }

  /**
   * The locked path (DESIGN §3): the script's row lock serialises commits to one script across
   * every node; under it the version, the show's departments and whether this op id was applied
   * before (a retry) are read in one statement, then the same write as the cached path.
   */
  private async commitLocked(tx: Conn, input: CommitInput): Promise<Committed> {
    const { scriptId } = input;
    const [row] = await tx
      .select({
        ...getTableColumns(scripts),
        // Table names written out: Drizzle drops the qualifiers of column references here.
        departmentIds: sql<
          string[]
        >`(select coalesce(array_agg(d.id::text), '{}'::text[]) from departments d where d.show_id = scripts.show_id)`,
        seen: input.opId
          ? sql<boolean>`exists (select 1 from ops o where o.script_id = scripts.id and o.op_id = ${input.opId})`
          : sql<boolean>`false`,
      })
      .from(scripts)
      .where(eq(scripts.id, scriptId))
      .for('update');
    if (!row) throw new AppError(404, 'NOT_FOUND', 'script not found');
    const { departmentIds, seen, ...script } = row;
    if (input.onlyOnVersion !== undefined && script.version !== input.onlyOnVersion)
      throw new AppError(409, 'CONFLICT', 'the script changed meanwhile; try again');
    if (input.opId && seen) throw new Duplicate(input.opId);

    if (!Array.isArray(departmentIds)) throw new Error('department ids did not come back as an array');
    let known = departmentIds;
    if (input.prepare) {
      await input.prepare(tx);
      // prepare may add departments (an import creating the ones it names).
      const rows = await tx
        .select({ id: departments.id })
        .from(departments)
        .where(eq(departments.showId, script.showId));
      known = rows.map((d) => d.id);
    }
    const before = await this.stateAt(tx, scriptId, script.version, script);
    const planned = plan(input, before, new Set(known), this.now());
    const written = (await tx._.session
      .prepareQuery({ sql: COMMIT_SQL, params: commitParams(input, planned) }, undefined, undefined, false)
      .execute()) as { rows: unknown[] };
    if (written.rows.length !== 1) throw new Error('the locked commit did not take effect');
    return planned;
  }

  /** The log entries of those of `opIds` committed to this script (any order). */
  async committedOps(scriptId: string, opIds: readonly string[]): Promise<LogEntry[]> {
    if (opIds.length === 0) return [];
    try {
      const rows = await this.db
        .select()
        .from(ops)
        .where(and(eq(ops.scriptId, scriptId), inArray(ops.opId, [...opIds])));
      return rows.map(toEntry);
    } catch (err) {
      throw toAppError(err);
    }
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
  ): Promise<LoadedState> {
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
    // Two commits to one script can finish out of order here (one on the cached path, one
    // locked behind it on another connection): the cache never goes back to an older version.
    const had = this.cache.get(scriptId);
    if (had && had.version > value.version) return;
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
function findConflicts(op: Op, baseVersion: number, actor: ActorRef, before: LoadedState, prev: Prev): ConflictInfo[] {
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

/** Apply `input.op` to the state at `before.version` at reference time `nowMs`: the next version's rows, answer and cache. */
function plan(input: CommitInput, before: LoadedState, departmentIds: ReadonlySet<string>, nowMs: number): Committed {
  const { scriptId, op, actor } = input;
  const version = before.version + 1;
  let applied;
  try {
    applied = applyOp(before.state, op, { departmentIds });
  } catch (err) {
    // applyOp throws only OpError (S16); anything else here is still this op's, on this state.
    if (err instanceof OpError) throw new AppError(err.code === 'NOT_FOUND' ? 404 : 400, 'BAD_OP', err.message);
    throw new AppError(
      400,
      'BAD_OP',
      `this change cannot be applied: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const { patch, prev, state } = applied;
  const at = new Date(nowMs).toISOString();
  const conflicts = input.baseVersion === null ? [] : findConflicts(op, input.baseVersion, actor, before, prev);

  const meta = new Map(before.meta);
  const created: ElementRow[] = [];
  const updated: ElementRow[] = [];
  const assigns = new Set<string>();
  for (const el of patch.upserts) {
    const was = before.state.elements.get(el.id);
    const m: FieldMeta = { ...(meta.get(el.id) ?? {}) };
    if (was) for (const f of EDITABLE_FIELDS) if (was[f] !== el[f]) m[f] = { v: version, by: publicActor(actor), at };
    meta.set(el.id, m);
    (was ? updated : created).push({ ...el, fieldMeta: m });
    if (el.departmentId && el.departmentId !== was?.departmentId) assigns.add(el.departmentId);
  }
  for (const id of patch.deletes) meta.delete(id);

  const entry: LogEntry = { scriptId, version, opId: input.opId, actor, kind: op.kind, patch, prev, at };
  return {
    result: { entry, duplicate: false, conflicts },
    cacheValue: { version, state, meta, departmentIds },
    created,
    updated,
    assigns: [...assigns],
  };
}

/**
 * Everything a commit writes, in one statement (so one round trip, atomic on its own): the
 * version bump — only from the version the op was applied to, only for an op id not logged yet,
 * only while the departments it assigns exist — and, only if that row was bumped, the element
 * inserts, updates and deletes, the script info and the op log row. An element id another
 * script holds fails the insert (elements_pkey) and with it the whole statement.
 */
const ELEMENT_RECORD = `id uuid, type text, name text, notes text, "departmentId" uuid, priority text, "offsetMs" integer,
  "durationMs" integer, location text, colour text, "parentId" uuid, "orderKey" text, "fieldMeta" jsonb`;
const COMMIT_SQL = `
with bumped as (
  update scripts s
     set version = s.version + 1,
         updated_at = $4,
         name = coalesce($5::jsonb ->> 'name', s.name),
         status = coalesce($5::jsonb ->> 'status', s.status),
         notes = coalesce($5::jsonb ->> 'notes', s.notes),
         planned_start = case when $5::jsonb is null then s.planned_start else ($5::jsonb ->> 'plannedStart')::timestamptz end,
         planned_end = case when $5::jsonb is null then s.planned_end else ($5::jsonb ->> 'plannedEnd')::timestamptz end
   where s.id = $1 and s.version = $2
     and ($3::uuid is null or not exists (select 1 from ops o where o.script_id = $1 and o.op_id = $3::uuid))
     and not exists (select 1 from jsonb_array_elements_text($9::jsonb) a(id)
                      where not exists (select 1 from departments d where d.show_id = s.show_id and d.id = a.id::uuid))
  returning s.version
),
created as (
  insert into elements (id, script_id, type, name, notes, department_id, priority, offset_ms, duration_ms, location,
                        colour, parent_id, order_key, field_meta)
  select r.id, $1, r.type, r.name, r.notes, r."departmentId", r.priority, r."offsetMs", r."durationMs", r.location,
         r.colour, r."parentId", r."orderKey", r."fieldMeta"
    from jsonb_to_recordset($6::jsonb) as r(${ELEMENT_RECORD})
   where exists (select 1 from bumped)
),
updated as (
  update elements e
     set type = r.type, name = r.name, notes = r.notes, department_id = r."departmentId", priority = r.priority,
         offset_ms = r."offsetMs", duration_ms = r."durationMs", location = r.location, colour = r.colour,
         parent_id = r."parentId", order_key = r."orderKey", field_meta = r."fieldMeta"
    from jsonb_to_recordset($7::jsonb) as r(${ELEMENT_RECORD})
   where e.id = r.id and e.script_id = $1 and exists (select 1 from bumped)
),
deleted as (
  delete from elements e
   where e.script_id = $1 and e.id in (select a::uuid from jsonb_array_elements_text($8::jsonb) a)
     and exists (select 1 from bumped)
),
logged as (
  -- Never before the previous version's time: two nodes' readings of the reference clock differ
  -- by their error bounds, and the log's times must not go backwards in version order (F5).
  insert into ops (script_id, version, op_id, actor, kind, op, patch, prev, created_at)
  select $1, b.version, $3::uuid, $10::jsonb, $11, $12::jsonb, $13::jsonb, $14::jsonb,
         greatest($4::timestamptz, (select p.created_at from ops p where p.script_id = $1 and p.version = $2))
    from bumped b
)
select version from bumped`;

/** COMMIT_SQL's parameters for `c`, as text. */
function commitParams(input: CommitInput, c: Committed): Param[] {
  const { entry } = c.result;
  const { patch, actor } = entry;
  return [
    input.scriptId,
    entry.version - 1,
    input.opId,
    entry.at,
    patch.info ? JSON.stringify(patch.info) : null,
    JSON.stringify(c.created),
    JSON.stringify(c.updated),
    JSON.stringify(patch.deletes),
    JSON.stringify(c.assigns),
    JSON.stringify({ kind: actor.kind, name: actor.name, id: actor.id }),
    entry.kind,
    JSON.stringify(input.op),
    JSON.stringify(patch),
    JSON.stringify(entry.prev),
  ];
}

/** The constraint a database error names, looking through wrappers. */
function constraintOf(err: unknown): string | undefined {
  for (let e = err as { constraint?: string; cause?: unknown } | null, i = 0; e && i < 5; i++) {
    if (e.constraint) return e.constraint;
    e = e.cause as typeof e;
  }
  return undefined;
}
