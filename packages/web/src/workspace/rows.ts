/**
 * What the cue table shows, computed from the script state and the viewer's own choices
 * (collapsed groups, department filter, sort). Pure, so it is cheap to reason about and memoise.
 */
import { timeOrder, treeOrder, type Element } from '@cuebe/protocol';

export interface TableRow {
  element: Element;
  depth: number;
  /** For groups: how many elements are inside (all levels). */
  childCount: number;
}

export interface ViewChoices {
  sort: 'script' | 'time';
  /** Empty: every department. Otherwise cues of these departments (notes and groups stay). */
  departments: ReadonlySet<string>;
  collapsed: ReadonlySet<string>;
}

export function tableRows(elements: ReadonlyMap<string, Element>, v: ViewChoices): TableRow[] {
  const counts = new Map<string, number>();
  for (const el of elements.values())
    for (let p = el.parentId; p; p = elements.get(p)?.parentId ?? null) counts.set(p, (counts.get(p) ?? 0) + 1);

  const visible = (el: Element) =>
    v.departments.size === 0 || el.type !== 'CUE' || (el.departmentId !== null && v.departments.has(el.departmentId));

  if (v.sort === 'time') {
    // A running order: every cue and note by time; groups are a script-order idea, so they drop out.
    return timeOrder([...elements.values()].filter((e) => e.type !== 'GROUP' && visible(e))).map((element) => ({
      element,
      depth: 0,
      childCount: 0,
    }));
  }
  const out: TableRow[] = [];
  let hiddenBelow: number | null = null;
  for (const { element, depth } of treeOrder(elements.values())) {
    if (hiddenBelow !== null) {
      if (depth > hiddenBelow) continue;
      hiddenBelow = null;
    }
    if (!visible(element)) continue;
    out.push({ element, depth, childCount: counts.get(element.id) ?? 0 });
    if (element.type === 'GROUP' && v.collapsed.has(element.id)) hiddenBelow = depth;
  }
  return out;
}

/** The next free number for a department's cues: "LX 12" after "LX 11". */
export function nextCueName(elements: Iterable<Element>, initials: string | null): string {
  const prefix = initials ?? 'Cue';
  let max = 0;
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(\\d+)`, 'i');
  for (const el of elements) {
    const m = re.exec(el.name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${prefix} ${max + 1}`;
}
