/** Reading a script as a calling script: tree order, depth, and time order. */
import type { Element } from './domain';
import { compareSiblings } from './apply';

export interface Row {
  element: Element;
  depth: number;
}

/** Depth-first, siblings by order key. Elements whose parent is missing (filtered views) sit at top level. */
export function treeOrder(elements: Iterable<Element>): Row[] {
  const byParent = new Map<string | null, Element[]>();
  const all = new Map<string, Element>();
  for (const el of elements) all.set(el.id, el);
  for (const el of all.values()) {
    const parent = el.parentId && all.has(el.parentId) ? el.parentId : null;
    let list = byParent.get(parent);
    if (!list) byParent.set(parent, (list = []));
    list.push(el);
  }
  const rows: Row[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const el of (byParent.get(parent) ?? []).sort(compareSiblings)) {
      rows.push({ element: el, depth });
      if (el.type === 'GROUP') walk(el.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/** Time order for a crew's running list: offset, then script order. */
export function timeOrder(elements: Iterable<Element>): Element[] {
  const rows = treeOrder(elements);
  const position = new Map(rows.map((r, i) => [r.element.id, i]));
  return rows
    .map((r) => r.element)
    .sort((a, b) => a.offsetMs - b.offsetMs || position.get(a.id)! - position.get(b.id)!);
}
