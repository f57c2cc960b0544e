/** A script as CSV, in tree order: groups before their children, so it reads back the same. */
import Papa from 'papaparse';
import { treeOrder, type Department, type Element } from '@cuebe/protocol';
import { CSV_COLUMNS, GROUP_SEPARATOR, escapeCell, formatTime } from './columns';

/** The Group Path of every element: the names of its groups, outermost first. */
export function groupPaths(elements: readonly Element[]): Map<string, string[]> {
  const byId = new Map(elements.map((e) => [e.id, e]));
  const paths = new Map<string, string[]>();
  const pathOf = (el: Element): string[] => {
    const known = paths.get(el.id);
    if (known) return known;
    const parent = el.parentId ? byId.get(el.parentId) : undefined;
    const path = parent ? [...pathOf(parent), parent.name] : [];
    paths.set(el.id, path);
    return path;
  };
  for (const el of elements) pathOf(el);
  return paths;
}

export function scriptToCsv(elements: readonly Element[], departments: readonly Department[]): string {
  const depts = new Map(departments.map((d) => [d.id, d]));
  const paths = groupPaths(elements);
  const data = treeOrder(elements).map(({ element: el }) => [
    formatTime(el.offsetMs),
    el.type,
    escapeCell(el.name),
    escapeCell(el.notes),
    escapeCell(paths.get(el.id)!.join(GROUP_SEPARATOR)),
    el.departmentId ? (depts.get(el.departmentId)?.initials ?? '') : '',
    el.priority,
    escapeCell(el.location),
    el.durationMs === null ? '' : formatTime(el.durationMs),
    el.colour ?? '',
  ]);
  // A byte-order mark, so spreadsheet programs read the file as UTF-8.
  return '\uFEFF' + Papa.unparse({ fields: [...CSV_COLUMNS], data }, { newline: '\r\n' });
}
