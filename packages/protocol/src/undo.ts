/**
 * Undo is a new op built from an ack's previous values (DESIGN §3), so it syncs, is logged and
 * can itself be undone.
 */
import type { Element } from './domain';
import { EDITABLE_FIELDS } from './domain';
import type { Prev, ScriptState } from './apply';
import type { Op, SimpleOp } from './ops';

/**
 * The op that puts every element in `prev` back as it was, against the current state.
 * Returns null when there is nothing to undo any more.
 */
export function inverseOp(current: ScriptState, prev: Prev): Op | null {
  const creates: Element[] = [];
  const changes: SimpleOp[] = [];
  const deletes: string[] = [];
  const late: SimpleOp[] = [];
  for (const [id, before] of Object.entries(prev.elements)) {
    const now = current.elements.get(id);
    if (!before) {
      if (now) deletes.push(id);
    } else if (!now) {
      creates.push(before);
    } else {
      const fields: Record<string, unknown> = {};
      for (const f of EDITABLE_FIELDS) {
        if (before.type === 'GROUP' && (f === 'offsetMs' || f === 'durationMs')) {
          // A group's timing follows from its children, but an empty group's offset is its own:
          // set it last, once the group is back to having no children (else it would shift them).
          if (f === 'offsetMs' && before.offsetMs !== now.offsetMs && !hadChildren(current, prev, id))
            late.push({ kind: 'update', id, fields: { offsetMs: before.offsetMs } });
          continue;
        }
        if (before[f] !== now[f]) fields[f] = before[f];
      }
      if (Object.keys(fields).length > 0) changes.push({ kind: 'update', id, fields } as SimpleOp);
      if (before.orderKey !== now.orderKey || before.parentId !== now.parentId)
        changes.push({ kind: 'move', id, orderKey: before.orderKey, parentId: before.parentId });
    }
  }
  // Parents before children, so a re-created group exists before its children move back in.
  const depth = (el: Element): number => {
    let d = 0;
    for (let p = el.parentId; p; d++) p = (prev.elements[p] ?? current.elements.get(p))?.parentId ?? null;
    return d;
  };
  creates.sort((a, b) => depth(a) - depth(b));
  const ops: SimpleOp[] = [
    ...creates.map((element): SimpleOp => ({ kind: 'create', element: { ...element, parentId: null } })),
    ...creates
      .filter((el) => el.parentId !== null)
      .map((el): SimpleOp => ({ kind: 'move', id: el.id, orderKey: el.orderKey, parentId: el.parentId })),
    ...changes,
    ...deletes.map((id): SimpleOp => ({ kind: 'delete', id })),
    ...late,
  ];
  if (prev.info) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(prev.info))
      if (current.info[k as keyof typeof current.info] !== v) fields[k] = v;
    if (Object.keys(fields).length > 0) ops.push({ kind: 'scriptInfo', fields } as SimpleOp);
  }
  if (ops.length === 0) return null;
  return ops.length === 1 ? ops[0]! : { kind: 'batch', ops };
}

/** Whether the group had children before the op: children it still has, or touched ones that were its. */
function hadChildren(current: ScriptState, prev: Prev, groupId: string): boolean {
  for (const before of Object.values(prev.elements)) if (before?.parentId === groupId) return true;
  for (const el of current.elements.values()) if (el.parentId === groupId && !(el.id in prev.elements)) return true;
  return false;
}
