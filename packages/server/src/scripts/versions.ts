/**
 * Saved versions: a BACKUP script that is a snapshot of a live script at one version. Element ids
 * are unique across scripts, so the snapshot's elements get ids of their own, and `idMap` takes
 * each back to the source element: versions are compared and restored by the source's ids.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { EDITABLE_FIELDS, type Element, type ScriptState } from '@cuebe/protocol';
import type { Db } from '../db/open';
import { elements, scripts, scriptVersions } from '../db/schema';
import { z } from 'zod';
import { mayHaveCommitted, settle } from '../db/outcome';
import { AppError, isSerializationFailure, isUniqueViolation, notFound } from '../errors';
import { storedReply, storeReply } from './replies';
import { toAppError, type ActorRef } from './store';
import { toElement, toScript, toScriptInfo } from './rows';

export interface VersionInfo {
  /** The BACKUP script that holds it. */
  id: string;
  name: string;
  sourceScriptId: string | null;
  sourceVersion: number;
  elementCount: number;
  createdBy: { kind: string; name: string };
  createdAt: string;
}

/**
 * Snapshot `scriptId` as it is now into a new BACKUP script, in one transaction that also stores
 * the answer under `key`: a retry with the key gets the same version back, never a second one
 * (SPEC W1, W2), and a lost reply is settled by looking for the key (SPEC W3).
 */
export async function saveVersion(
  db: Db,
  scriptId: string,
  name: string,
  actor: ActorRef,
  key: string,
): Promise<VersionInfo> {
  const saved = () => storedVersion(db, scriptId, key);
  try {
    return (await saved()) ?? (await saveVersionRetried(db, scriptId, name, actor, key));
  } catch (err) {
    if (isUniqueViolation(err)) {
      // The same key, committed meanwhile by a request running beside this one.
      const first = await saved().catch((e: unknown) => {
        throw toAppError(e);
      });
      if (first) return first;
    }
    if (mayHaveCommitted(err)) return settle(saved);
    throw toAppError(err);
  }
}

async function storedVersion(db: Db, scriptId: string, key: string): Promise<VersionInfo | null> {
  const reply = await storedReply(db, scriptId, key, 'saveVersion');
  if (reply === null) return null;
  const parsed = StoredVersion.safeParse(reply);
  if (!parsed.success) throw new Error('a stored saved-version answer does not parse');
  return parsed.data;
}

const StoredVersion = z.object({
  id: z.string(),
  name: z.string(),
  sourceScriptId: z.string().nullable(),
  sourceVersion: z.number(),
  elementCount: z.number(),
  createdBy: z.object({ kind: z.enum(['sm', 'crew', 'system']), name: z.string() }),
  createdAt: z.string(),
});

/** The snapshot's reference to the script meets a commit to it made meanwhile: take it again. */
async function saveVersionRetried(
  db: Db,
  scriptId: string,
  name: string,
  actor: ActorRef,
  key: string,
): Promise<VersionInfo> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await saveVersionOnce(db, scriptId, name, actor, key);
    } catch (err) {
      if (attempt >= 4 || !isSerializationFailure(err)) throw err;
    }
  }
}

async function saveVersionOnce(
  db: Db,
  scriptId: string,
  name: string,
  actor: ActorRef,
  key: string,
): Promise<VersionInfo> {
  return db.transaction(
    async (tx) => {
      const [source] = await tx.select().from(scripts).where(eq(scripts.id, scriptId));
      if (!source) throw notFound('script');
      if (source.status === 'BACKUP')
        throw new AppError(400, 'BAD_MESSAGE', 'this is a saved version already; save versions of the live script');
      const rows = await tx.select().from(elements).where(eq(elements.scriptId, scriptId));
      const ids = new Map(rows.map((r) => [r.id, randomUUID()]));
      const id = randomUUID();
      await tx.insert(scripts).values({
        id,
        showId: source.showId,
        name,
        status: 'BACKUP',
        notes: source.notes,
        plannedStart: source.plannedStart,
        plannedEnd: source.plannedEnd,
        shared: false,
        version: 0,
      });
      const copies = rows.map((r) => ({
        ...toElement(r),
        id: ids.get(r.id)!,
        parentId: r.parentId ? (ids.get(r.parentId) ?? null) : null,
        scriptId: id,
      }));
      // In slices: one INSERT may carry at most 65 535 parameters.
      for (let i = 0; i < copies.length; i += 1000) await tx.insert(elements).values(copies.slice(i, i + 1000));
      const idMap = Object.fromEntries([...ids].map(([src, copy]) => [copy, src]));
      const [v] = await tx
        .insert(scriptVersions)
        .values({
          scriptId: id,
          sourceScriptId: scriptId,
          sourceVersion: source.version,
          idMap,
          createdBy: { kind: actor.kind, name: actor.name, id: actor.id },
        })
        .returning();
      const info: VersionInfo = {
        id,
        name,
        sourceScriptId: scriptId,
        sourceVersion: source.version,
        elementCount: rows.length,
        createdBy: { kind: actor.kind, name: actor.name },
        createdAt: v!.createdAt.toISOString(),
      };
      await storeReply(tx, scriptId, key, 'saveVersion', info);
      return info;
    },
    { isolationLevel: 'repeatable read' },
  );
}

export async function listVersions(db: Db, scriptId: string): Promise<VersionInfo[]> {
  const rows = await db
    .select({
      v: scriptVersions,
      name: scripts.name,
      count: sql<number>`(select count(*)::int from ${elements} where ${elements.scriptId} = ${scripts.id})`,
    })
    .from(scriptVersions)
    .innerJoin(scripts, eq(scripts.id, scriptVersions.scriptId))
    .where(eq(scriptVersions.sourceScriptId, scriptId))
    .orderBy(desc(scriptVersions.createdAt), desc(scriptVersions.sourceVersion));
  return rows.map(({ v, name, count }) => ({
    id: v.scriptId,
    name,
    sourceScriptId: v.sourceScriptId,
    sourceVersion: v.sourceVersion,
    elementCount: count,
    createdBy: { kind: v.createdBy.kind, name: v.createdBy.name },
    createdAt: v.createdAt.toISOString(),
  }));
}

/** A saved version of `scriptId`, its elements in the source's ids. 404 for anything else. */
export async function versionState(db: Db, scriptId: string, versionId: string) {
  const [row] = await db
    .select({ v: scriptVersions, script: scripts })
    .from(scriptVersions)
    .innerJoin(scripts, eq(scripts.id, scriptVersions.scriptId))
    .where(and(eq(scriptVersions.scriptId, versionId), eq(scriptVersions.sourceScriptId, scriptId)));
  if (!row) throw notFound('version');
  const els = await db.select().from(elements).where(eq(elements.scriptId, versionId));
  const map = row.v.idMap;
  // Elements added to the snapshot later (it is a script, so it can be edited) keep their ids.
  const back = (id: string) => map[id] ?? id;
  const list: Element[] = els.map((r) => {
    const el = toElement(r);
    return { ...el, id: back(el.id), parentId: el.parentId ? back(el.parentId) : null };
  });
  return {
    info: toScriptInfo(row.script),
    script: toScript(row.script),
    sourceVersion: row.v.sourceVersion,
    elements: list,
  };
}

export const COMPARED_FIELDS = ['type', ...EDITABLE_FIELDS, 'parentId', 'orderKey'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface FieldChange {
  field: ComparedField;
  from: unknown;
  to: unknown;
}

export interface Comparison {
  added: Element[];
  removed: Element[];
  changed: {
    id: string;
    name: string;
    type: Element['type'];
    fields: FieldChange[];
    before: Element;
    after: Element;
  }[];
  unchanged: number;
}

/** What turns `from` into `to`, element by element (by id), field by field. */
export function compareElements(from: readonly Element[], to: readonly Element[]): Comparison {
  const before = new Map(from.map((e) => [e.id, e]));
  const after = new Map(to.map((e) => [e.id, e]));
  const out: Comparison = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const el of to) if (!before.has(el.id)) out.added.push(el);
  for (const el of from) {
    const now = after.get(el.id);
    if (!now) {
      out.removed.push(el);
      continue;
    }
    const fields: FieldChange[] = [];
    for (const f of COMPARED_FIELDS) if (el[f] !== now[f]) fields.push({ field: f, from: el[f], to: now[f] });
    if (fields.length > 0)
      out.changed.push({ id: el.id, name: now.name, type: now.type, fields, before: el, after: now });
    else out.unchanged++;
  }
  return out;
}

/** The state a restore aims for: the version's elements, the live script's own info kept. */
export function restoreTarget(current: ScriptState, versionElements: readonly Element[]): ScriptState {
  return { info: current.info, elements: new Map(versionElements.map((e) => [e.id, e])) };
}
