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

export function filterElements(view: View, elements: Iterable<Element>): Element[] {
  const out: Element[] = [];
  for (const el of elements) if (isVisible(view, el)) out.push(el);
  return out;
}

/** The part of a committed patch one view may see. */
export function filterPatch(view: View, patch: Patch, prev: Prev): Patch {
  if (view.kind === 'full') return patch;
  const out: Patch = { upserts: [], deletes: [] };
  if (patch.info) out.info = patch.info;
  for (const el of patch.upserts) {
    if (isVisible(view, el)) out.upserts.push(el);
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
