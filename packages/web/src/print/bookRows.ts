/**
 * The rows of a printed book, by the same rules as the server's PDF: the calling script is the
 * whole tree in script order; a department's cue sheet is its cues and notes in time order, each
 * with the groups it sits in.
 */
import { timeOrder, treeOrder, type Department, type Element } from '@cuebe/protocol';

export const PATTERNS = ['solid', 'diagonal', 'dots', 'horizontal', 'cross', 'vertical', 'outline'] as const;
export type Pattern = (typeof PATTERNS)[number];

export interface Mark {
  department: Department;
  pattern: Pattern;
}

export interface PrintRow {
  element: Element;
  depth: number;
  groupPath: string;
}

export function marks(departments: readonly Department[]): Map<string, Mark> {
  return new Map(departments.map((d, i) => [d.id, { department: d, pattern: PATTERNS[i % PATTERNS.length]! }]));
}

export function bookRows(elements: readonly Element[], departmentId: string | null): PrintRow[] {
  const byId = new Map(elements.map((e) => [e.id, e]));
  const pathOf = (el: Element): string => {
    const names: string[] = [];
    for (let p = el.parentId ? byId.get(el.parentId) : undefined; p; p = p.parentId ? byId.get(p.parentId) : undefined)
      names.unshift(p.name);
    return names.join(' > ');
  };
  if (departmentId)
    return timeOrder(elements.filter((e) => e.type !== 'GROUP' && e.departmentId === departmentId)).map((element) => ({
      element,
      depth: 0,
      groupPath: pathOf(element),
    }));
  return treeOrder(elements).map(({ element, depth }) => ({ element, depth, groupPath: pathOf(element) }));
}

/** [-]H:MM:SS with .mmm only when there are milliseconds (as in the CSV and the PDF). */
export function bookTime(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const f = abs % 1000;
  const base = `${sign}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return f ? `${base}.${String(f).padStart(3, '0')}` : base;
}
