/**
 * Who sees what (DESIGN §4): the SM sees everything; crew see notes, groups and the cues of
 * their departments. The hub filters per recipient, and an element moved into or out of a
 * view arrives as an upsert or a delete for that view.
 */
import type { Element } from './domain';
import type { Patch, Prev } from './apply';

export type View =
  | { readonly kind: 'full' }
  | { readonly kind: 'crew'; readonly allDepartments: boolean; readonly departmentIds: ReadonlySet<string> };

export const FULL_VIEW: View = { kind: 'full' };

export function crewView(allDepartments: boolean, departmentIds: Iterable<string>): View {
  return { kind: 'crew', allDepartments, departmentIds: new Set(departmentIds) };
}

export function isVisible(view: View, el: Element): boolean {
  if (view.kind === 'full' || view.allDepartments || el.type !== 'CUE') return true;
  return el.departmentId !== null && view.departmentIds.has(el.departmentId);
}

/** Sockets with the same key see exactly the same stream: encode a broadcast once per key. */
export function viewKey(view: View): string {
  if (view.kind === 'full') return 'full';
  if (view.allDepartments) return 'crew:*';
  return 'crew:' + [...view.departmentIds].sort().join(',');
}

/**
 * What one view holds: the visible elements, and — for a partial view — each group's offset and
 * duration derived from the children that view sees (S17), so the timing of hidden cues never
 * reaches it through a group. Snapshots, catch-ups, REST and print all come through here.
 */
export function filterElements(view: View, elements: Iterable<Element>): Element[] {
  const out: Element[] = [];
  for (const el of elements) if (isVisible(view, el)) out.push(el);
  return view.kind === 'full' ? out : deriveGroupTimings(out);
}

/**
 * Every group's timing from the children present in `elements` (innermost groups first): the
 * earliest child offset, and the span to the latest child end, as applyOp derives it. A group with
 * no child here has no timing of its own to show: offsetMs 0, durationMs null. A partial view's
 * client runs this after each change (groups in its patches carry no timing, S17).
 */
export function deriveGroupTimings(elements: readonly Element[]): Element[] {
  const byId = new Map(elements.map((e) => [e.id, e]));
  const kids = new Map<string, Element[]>();
  for (const el of elements)
    if (el.parentId !== null && byId.has(el.parentId)) {
      const list = kids.get(el.parentId);
      if (list) list.push(el);
      else kids.set(el.parentId, [el]);
    }
  const done = new Map<string, Element>();
  const derive = (group: Element, depth: number): Element => {
    const had = done.get(group.id);
    if (had) return had;
    // A parent cycle cannot be committed; the bound only keeps a malformed stream from looping.
    const children = depth > 64 ? [] : (kids.get(group.id) ?? []);
    let start = Infinity;
    let end = -Infinity;
    for (const child of children) {
      const c = child.type === 'GROUP' ? derive(child, depth + 1) : child;
      // A nested group with nothing here has no timing to pass up.
      if (c.type === 'GROUP' && !kids.get(c.id)?.length) continue;
      start = Math.min(start, c.offsetMs);
      end = Math.max(end, c.offsetMs + (c.durationMs ?? 0));
    }
    const timing =
      start === Infinity ? { offsetMs: 0, durationMs: null } : { offsetMs: start, durationMs: end - start };
    const out =
      timing.offsetMs === group.offsetMs && timing.durationMs === group.durationMs ? group : { ...group, ...timing };
    done.set(group.id, out);
    return out;
  };
  return elements.map((el) => (el.type === 'GROUP' ? derive(el, 0) : el));
}

/** A group as a partial view's patch carries it: no timing (the receiver derives it, S17). */
const untimed = (el: Element): Element =>
  el.type === 'GROUP' && (el.offsetMs !== 0 || el.durationMs !== null) ? { ...el, offsetMs: 0, durationMs: null } : el;

/** The part of a committed patch one view may see. */
export function filterPatch(view: View, patch: Patch, prev: Prev): Patch {
  if (view.kind === 'full') return patch;
  const out: Patch = { upserts: [], deletes: [] };
  if (patch.info) out.info = patch.info;
  for (const el of patch.upserts) {
    if (isVisible(view, el)) out.upserts.push(untimed(el));
    else {
      const before = prev.elements[el.id];
      if (before && isVisible(view, before)) out.deletes.push(el.id);
    }
  }
  for (const id of patch.deletes) {
    const before = prev.elements[id];
    if (before && isVisible(view, before)) out.deletes.push(id);
  }
  return out;
}
