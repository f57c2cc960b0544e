/**
 * The insertion anchor (docs/SPEC.md SC4): + Cue and Ctrl+Enter add after the row just added or
 * explicitly selected — never after whatever row focus last passed through — and the table shows
 * where with a line, the toolbar in words (naming the group when the row would go into one).
 */
import { useMemo, useRef, useState } from 'react';
import type { Element } from '@cuebe/protocol';
import { insertionPoint, type InsertPoint } from './edits';
import type { TableRow } from './rows';

export interface InsertAnchor {
  /** Make `id` the anchor (a row just added, or checked in the selection). */
  choose(id: string): void;
  /** `id` is no longer chosen: back to the default place, unless another row is the anchor. */
  release(id: string): void;
  /** Where a row added now goes; an anchor that was deleted counts as none. */
  point(elements: ReadonlyMap<string, Element>): InsertPoint;
}

/** Stable functions (rows memoised on them do not re-render); the state only re-renders the page. */
export function useInsertAnchor(): InsertAnchor {
  const [, setAnchor] = useState<string | null>(null);
  const ref = useRef<string | null>(null);
  return useMemo(
    () => ({
      choose(id) {
        ref.current = id;
        setAnchor(id);
      },
      release(id) {
        if (ref.current !== id) return;
        ref.current = null;
        setAnchor(null);
      },
      point(elements) {
        const anchor = ref.current === null ? null : (elements.get(ref.current) ?? null);
        return insertionPoint(elements, anchor);
      },
    }),
    [],
  );
}

/** "New rows go after “LX 5”, inside group “Storm”" — said next to + Cue. */
export function describeInsertPoint(p: InsertPoint, elements: ReadonlyMap<string, Element>): string {
  const group = p.parentId === null ? null : (elements.get(p.parentId) ?? null);
  const inside = group ? `, inside group “${group.name}”` : '';
  if (p.after) return `New rows go after ${p.after.type === 'GROUP' ? 'group ' : ''}“${p.after.name}”${inside}`;
  if (p.before) return `New rows go before “${p.before.name}”`;
  return 'New rows go at the end';
}

export interface InsertLine {
  id: string;
  edge: 'before' | 'after';
}

/** The row edge the insertion line is drawn on: above the row it precedes, else below what it follows. */
export function insertLine(p: InsertPoint, rows: readonly TableRow[]): InsertLine | null {
  if (p.before && rows.some((r) => r.element.id === p.before!.id)) return { id: p.before.id, edge: 'before' };
  if (!p.after) return null;
  const i = rows.findIndex((r) => r.element.id === p.after!.id);
  if (i < 0) return null;
  // Below a group's last visible descendant: the new row follows the whole group.
  let last = i;
  while (rows[last + 1] && rows[last + 1]!.depth > rows[i]!.depth) last++;
  return { id: rows[last]!.element.id, edge: 'after' };
}
