/** Builds the ops the workspace submits: inserts, moves (drag), groups and shifts. */
import { compareSiblings, keyBetween, type Element, type Op } from '@cuebe/protocol';
import { uuid } from '../lib/uuid';

function siblings(elements: ReadonlyMap<string, Element>, parentId: string | null, except?: string): Element[] {
  const list: Element[] = [];
  for (const el of elements.values()) if (el.parentId === parentId && el.id !== except) list.push(el);
  return list.sort(compareSiblings);
}

/** Where a new row goes: between two siblings of one parent. */
export interface InsertPoint {
  parentId: string | null;
  /** The sibling it follows (null: first of its parent). */
  after: Element | null;
  /** The sibling it precedes (null: last of its parent). */
  before: Element | null;
}

/** The note that closes a script (a new script has one): nothing is added after it at the top level. */
export const isEndNote = (el: Element): boolean =>
  el.type === 'NOTE' && el.parentId === null && el.name.trim().toUpperCase() === 'SHOW END';

/**
 * Where a row added with `anchor` chosen goes (SPEC SC4): just after it, in its parent — a group
 * as a whole is followed, not entered; a row goes into a group only after one of its rows —
 * and never after a top-level SHOW END note (the row goes just before it instead). No anchor: at
 * the top level, after its last cue or group.
 */
export function insertionPoint(elements: ReadonlyMap<string, Element>, anchor: Element | null): InsertPoint {
  const parentId = anchor?.parentId ?? null;
  const sibs = siblings(elements, parentId);
  // No anchor: after the last top-level cue or group (before closing notes), or after the first
  // row (SHOW START) of a script with none yet.
  const lastNonNote = sibs.findLastIndex((s) => s.type !== 'NOTE');
  const i = anchor
    ? sibs.findIndex((s) => s.id === anchor.id)
    : lastNonNote >= 0
      ? lastNonNote
      : Math.min(0, sibs.length - 1);
  let at = i + 1; // the index the new row takes among its siblings
  if (parentId === null) {
    const end = sibs.findIndex(isEndNote);
    if (end >= 0 && at > end) at = end;
  }
  return { parentId, after: sibs[at - 1] ?? null, before: sibs[at] ?? null };
}

/** A new cue or note at `point`. */
export function insertAt(
  point: InsertPoint,
  fields: Pick<Element, 'type' | 'name' | 'departmentId'> & Partial<Element>,
): { op: Op; id: string } {
  const id = uuid();
  const element: Element = {
    id,
    notes: '',
    priority: 'NORMAL',
    offsetMs: point.after?.offsetMs ?? point.before?.offsetMs ?? 0,
    durationMs: null,
    location: '',
    colour: null,
    ...fields,
    parentId: point.parentId,
    orderKey: keyBetween(point.after?.orderKey ?? null, point.before?.orderKey ?? null),
  };
  return { op: { kind: 'create', element }, id };
}

function isInside(elements: ReadonlyMap<string, Element>, id: string, ancestorId: string): boolean {
  for (let p: string | null = id; p; p = elements.get(p)?.parentId ?? null) if (p === ancestorId) return true;
  return false;
}

/**
 * Drag-reorder: `active` dropped on the row `over` in the visible list. Dropping lower puts it
 * after `over`, higher before it, in `over`'s parent. Returns null for a no-op or a drop into itself.
 */
export function moveOnto(
  elements: ReadonlyMap<string, Element>,
  activeId: string,
  overId: string,
  downward: boolean,
): Op | null {
  const active = elements.get(activeId);
  const over = elements.get(overId);
  if (!active || !over || activeId === overId) return null;
  const parentId = over.parentId;
  if (parentId && isInside(elements, parentId, activeId)) return null;
  const sibs = siblings(elements, parentId, activeId);
  const i = sibs.findIndex((s) => s.id === overId);
  const before = downward ? sibs[i] : sibs[i - 1];
  const after = downward ? sibs[i + 1] : sibs[i];
  const orderKey = keyBetween(before?.orderKey ?? null, after?.orderKey ?? null);
  return parentId === active.parentId
    ? { kind: 'move', id: activeId, orderKey }
    : { kind: 'move', id: activeId, orderKey, parentId };
}

/** Group the selected elements that share the first one's level; null when nothing to group. */
export function groupSelected(elements: ReadonlyMap<string, Element>, ids: Iterable<string>, name: string): Op | null {
  const members = [...ids].map((id) => elements.get(id)).filter((e): e is Element => !!e);
  if (members.length === 0) return null;
  const parentId = members.sort(compareSiblings)[0]!.parentId;
  const same = members.filter((m) => m.parentId === parentId).map((m) => m.id);
  return { kind: 'group', groupId: uuid(), ids: same, name };
}

export function ungroupSelected(elements: ReadonlyMap<string, Element>, ids: Iterable<string>): Op | null {
  const groups = [...ids].filter((id) => elements.get(id)?.type === 'GROUP');
  if (groups.length === 0) return null;
  const ops = groups.map((id) => ({ kind: 'ungroup' as const, id }));
  return ops.length === 1 ? ops[0]! : { kind: 'batch', ops };
}

export function deleteSelected(elements: ReadonlyMap<string, Element>, ids: Iterable<string>): Op | null {
  // Deleting a group keeps its children; to remove a whole group with its cues, select them too.
  const list = [...ids].filter((id) => elements.has(id));
  if (list.length === 0) return null;
  const ops = list.map((id) => ({ kind: 'delete' as const, id }));
  return ops.length === 1 ? ops[0]! : { kind: 'batch', ops };
}
