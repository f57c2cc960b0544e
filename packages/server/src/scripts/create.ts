/**
 * New scripts start with SHOW START and SHOW END notes; a duplicate copies the whole tree with
 * new ids. Both are written at version 0 with no log entries: they are where a history begins.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { keyBetween, type Element, type ScriptStatus } from '@cuebe/protocol';
import type { Conn, Db } from '../db/open';
import { elements, scripts } from '../db/schema';
import { toElement } from './rows';

export const DEFAULT_LENGTH_MS = 2 * 3600 * 1000;

export interface NewScript {
  showId: string;
  name: string;
  status: ScriptStatus;
  notes: string;
  plannedStart: string | null;
  plannedEnd: string | null;
  shared: boolean;
}

/** The planned length when both ends are given and in order, else two hours. */
export function plannedLengthMs(start: string | null, end: string | null): number {
  if (!start || !end) return DEFAULT_LENGTH_MS;
  const ms = Date.parse(end) - Date.parse(start);
  return ms > 0 && ms <= 48 * 3600 * 1000 ? ms : DEFAULT_LENGTH_MS;
}

export function showStartEnd(lengthMs: number): Element[] {
  const first = keyBetween(null, null);
  const note = (name: string, offsetMs: number, orderKey: string): Element => ({
    id: randomUUID(),
    type: 'NOTE',
    name,
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey,
  });
  return [note('SHOW START', 0, first), note('SHOW END', lengthMs, keyBetween(first, null))];
}

async function insertScript(tx: Conn, input: NewScript, els: Element[]) {
  const id = randomUUID();
  const [row] = await tx
    .insert(scripts)
    .values({
      id,
      showId: input.showId,
      name: input.name,
      status: input.status,
      notes: input.notes,
      plannedStart: input.plannedStart ? new Date(input.plannedStart) : null,
      plannedEnd: input.plannedEnd ? new Date(input.plannedEnd) : null,
      shared: input.shared,
      version: 0,
    })
    .returning();
  // In slices: one INSERT may carry at most 65 535 parameters.
  for (let i = 0; i < els.length; i += 1000)
    await tx.insert(elements).values(els.slice(i, i + 1000).map((el) => ({ ...el, scriptId: id })));
  return { script: row!, elements: els };
}

/** A script with the given elements (default: SHOW START and SHOW END). */
export async function createScript(db: Db, input: NewScript, els?: Element[]) {
  const initial = els ?? showStartEnd(plannedLengthMs(input.plannedStart, input.plannedEnd));
  return db.transaction((tx) => insertScript(tx, input, initial));
}

/** Same tree, new ids (parent links follow), status COPY, not shared. */
export async function duplicateScript(db: Db, source: typeof scripts.$inferSelect, name: string) {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(elements).where(eq(elements.scriptId, source.id));
    const ids = new Map(rows.map((r) => [r.id, randomUUID()]));
    const copies = rows.map((r): Element => {
      const el = toElement(r);
      return { ...el, id: ids.get(el.id)!, parentId: el.parentId ? (ids.get(el.parentId) ?? null) : null };
    });
    return insertScript(
      tx,
      {
        showId: source.showId,
        name,
        status: 'COPY',
        notes: source.notes,
        plannedStart: source.plannedStart?.toISOString() ?? null,
        plannedEnd: source.plannedEnd?.toISOString() ?? null,
        shared: false,
      },
      copies,
    );
  });
}
