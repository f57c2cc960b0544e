/**
 * Reading a CSV into a plan: every row checked (each problem with its line number), departments
 * matched by initials or name (or planned for creation), groups built from the Group Path column,
 * and the one batch op that makes it so. Pure: nothing here touches the database.
 */
import { randomUUID } from 'node:crypto';
import Papa from 'papaparse';
import {
  nextDepartmentColour,
  ELEMENT_TYPES,
  ElementFields,
  PRIORITIES,
  keysBetween,
  treeOrder,
  type Department,
  type Element,
  type ElementType,
  type Priority,
  type SimpleOp,
} from '@cuebe/protocol';
import { CSV_COLUMNS, GROUP_SEPARATOR, columnOf, parseTime, unescapeCell, type CsvColumn } from './columns';

/** Rows one import may hold (one batch op; its broadcast stays well under a socket's send cap). */
export const MAX_IMPORT_ROWS = 2000;

export interface RowProblem {
  /** 1-based line of the file where the row starts. */
  line: number;
  column: CsvColumn | null;
  message: string;
}

export interface NewDepartment {
  id: string;
  /** The text in the Department column it was made for. */
  value: string;
  name: string;
  initials: string;
  colour: string;
}

export interface ImportPlan {
  /** Data rows read (not counting the header and blank lines). */
  rows: number;
  errors: RowProblem[];
  warnings: RowProblem[];
  counts: { cues: number; notes: number; groups: number };
  departments: {
    matched: { value: string; id: string; initials: string; name: string }[];
    created: NewDepartment[];
  };
  /** The elements to create, parents before children. Empty when there are errors. */
  elements: Element[];
}

export type ImportMode = 'replace' | 'append';

interface ParsedRow {
  line: number;
  cells: string[];
}

/** Rows with the line each starts on (quoted cells may span lines). */
function readRows(text: string): { rows: ParsedRow[]; problems: RowProblem[] } {
  const body = text.replace(/^\uFEFF/, '');
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  let start = 0;
  let line = 1;
  Papa.parse<string[]>(body, {
    skipEmptyLines: false,
    step: (result) => {
      const end = result.meta.cursor;
      const rowLine = line;
      for (let i = start; i < end; i++) if (body.charCodeAt(i) === 10) line++;
      start = end;
      for (const e of result.errors)
        if (e.code !== 'UndetectableDelimiter')
          problems.push({ line: rowLine, column: null, message: `cannot read this row: ${e.message}` });
      const cells = result.data;
      if (cells.length === 1 && cells[0]!.trim() === '') return;
      rows.push({ line: rowLine, cells });
    },
  });
  return { rows, problems };
}

function deptKey(s: string): string {
  return s.trim().toLowerCase();
}

/** Initials for a new department named `name`: its words' first letters, made unique. */
function initialsFor(name: string, taken: Set<string>): string {
  const clean = name.replace(/[^A-Za-z0-9 ]/g, ' ').trim();
  const words = clean.split(/\s+/).filter(Boolean);
  let base =
    /^[A-Za-z0-9]{1,5}$/.test(name.trim()) && words.length === 1
      ? name.trim().toUpperCase()
      : (words.length > 1 ? words.map((w) => w[0]).join('') : (words[0] ?? 'D').slice(0, 3)).toUpperCase();
  base = base.slice(0, 5) || 'D';
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 5 - String(n).length)}${n}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

export function planImport(
  text: string,
  existing: { departments: readonly Department[]; elements: readonly Element[] },
  mode: ImportMode,
): ImportPlan {
  const plan: ImportPlan = {
    rows: 0,
    errors: [],
    warnings: [],
    counts: { cues: 0, notes: 0, groups: 0 },
    departments: { matched: [], created: [] },
    elements: [],
  };
  const { rows, problems } = readRows(text);
  plan.errors.push(...problems);
  const [header, ...data] = rows;
  if (!header) {
    plan.errors.push({ line: 1, column: null, message: 'the file is empty: expected a header row' });
    return plan;
  }
  const index = new Map<CsvColumn, number>();
  header.cells.forEach((cell, i) => {
    const col = columnOf(cell);
    if (!col) {
      if (cell.trim())
        plan.warnings.push({ line: header.line, column: null, message: `unknown column "${cell.trim()}" ignored` });
    } else if (index.has(col))
      plan.errors.push({ line: header.line, column: col, message: `column ${col} appears twice` });
    else index.set(col, i);
  });
  if (!index.has('Element Name')) {
    plan.errors.push({
      line: header.line,
      column: 'Element Name',
      message: `no Element Name column (expected columns: ${CSV_COLUMNS.join(', ')})`,
    });
    return plan;
  }
  plan.rows = data.length;
  if (data.length > MAX_IMPORT_ROWS) {
    plan.errors.push({
      line: data[MAX_IMPORT_ROWS]!.line,
      column: null,
      message: `too many rows: at most ${MAX_IMPORT_ROWS} in one import`,
    });
    return plan;
  }

  // Departments by initials first, then by name (both case-insensitive).
  const byInitials = new Map(existing.departments.map((d) => [deptKey(d.initials), d]));
  const byName = new Map(existing.departments.map((d) => [deptKey(d.name), d]));
  const takenInitials = new Set(existing.departments.map((d) => deptKey(d.initials)));
  const resolved = new Map<string, string>();
  const department = (value: string): string => {
    const key = deptKey(value);
    const known = resolved.get(key);
    if (known) return known;
    const found = byInitials.get(key) ?? byName.get(key);
    if (found) {
      plan.departments.matched.push({ value, id: found.id, initials: found.initials, name: found.name });
      resolved.set(key, found.id);
      return found.id;
    }
    const initials = initialsFor(value, takenInitials);
    takenInitials.add(initials.toLowerCase());
    const made: NewDepartment = {
      id: randomUUID(),
      value,
      name: value.trim().slice(0, 60),
      initials,
      // The show's next free colour, as for a department added by hand (SPEC D1).
      colour: nextDepartmentColour([...existing.departments, ...plan.departments.created].map((d) => d.colour)),
    };
    plan.departments.created.push(made);
    resolved.set(key, made.id);
    return made.id;
  };

  // Groups: a path names the latest group of that path above the row (an export lists each
  // group before its children); a path with no such group row makes the group.
  const groupByPath = new Map<string, Element>();
  const out: Element[] = [];
  const pathKey = (names: readonly string[]) => names.join('\u0000');
  const ensureGroup = (names: readonly string[], offsetMs: number): string | null => {
    if (names.length === 0) return null;
    const key = pathKey(names);
    const found = groupByPath.get(key);
    if (found) return found.id;
    const parentId = ensureGroup(names.slice(0, -1), offsetMs);
    const group = newElement('GROUP', names.at(-1)!, parentId, offsetMs);
    groupByPath.set(key, group);
    out.push(group);
    plan.counts.groups++;
    return group.id;
  };

  for (const row of data) {
    const get = (col: CsvColumn): string => {
      const i = index.get(col);
      return i === undefined ? '' : (row.cells[i] ?? '');
    };
    const errorsBefore = plan.errors.length;
    const fail = (column: CsvColumn | null, message: string) => plan.errors.push({ line: row.line, column, message });
    if (row.cells.length > header.cells.length && row.cells.slice(header.cells.length).some((c) => c.trim()))
      fail(null, `more cells (${row.cells.length}) than columns in the header (${header.cells.length})`);

    const typeText = get('Type').trim().toUpperCase();
    const type: ElementType | null =
      typeText === '' ? 'CUE' : ELEMENT_TYPES.includes(typeText as ElementType) ? (typeText as ElementType) : null;
    if (!type) fail('Type', `"${get('Type')}" is not a type (CUE, NOTE or GROUP)`);

    const name = unescapeCell(get('Element Name')).trim();
    const nameCheck = ElementFields.name.safeParse(name);
    if (!nameCheck.success) fail('Element Name', name ? 'longer than 200 characters' : 'Element Name is empty');

    const timeText = get('Time');
    let offsetMs = 0;
    if (timeText.trim() === '') {
      if (type !== 'GROUP') fail('Time', 'Time is empty (write it as H:MM:SS, e.g. 0:12:30)');
    } else {
      const t = parseTime(timeText);
      if (t === null) fail('Time', `"${timeText}" is not a time (H:MM:SS, up to ±48 h)`);
      else offsetMs = t;
    }

    const durationText = get('Duration');
    let durationMs: number | null = null;
    if (durationText.trim() !== '') {
      const d = parseTime(durationText);
      if (d === null || d < 0) fail('Duration', `"${durationText}" is not a duration (H:MM:SS)`);
      else durationMs = d;
    }

    const priorityText = get('Priority').trim().toUpperCase();
    const priority: Priority | null =
      priorityText === ''
        ? 'NORMAL'
        : PRIORITIES.includes(priorityText as Priority)
          ? (priorityText as Priority)
          : null;
    if (!priority) fail('Priority', `"${get('Priority')}" is not a priority (${PRIORITIES.join(', ')})`);

    const colourText = get('Color').trim();
    if (colourText && !/^#[0-9a-fA-F]{6}$/.test(colourText))
      fail('Color', `"${colourText}" is not a colour like #1f6feb`);

    const notes = unescapeCell(get('Description'));
    if (notes.length > 4000) fail('Description', 'longer than 4000 characters');
    const location = unescapeCell(get('Location'));
    if (location.length > 200) fail('Location', 'longer than 200 characters');

    const pathText = unescapeCell(get('Group Path')).trim();
    const path = pathText ? pathText.split(GROUP_SEPARATOR.trim()).map((s) => s.trim()) : [];
    if (path.some((p) => p === '' || p.length > 200))
      fail('Group Path', `"${pathText}" is not a group path (group names joined by "${GROUP_SEPARATOR.trim()}")`);

    const deptText = get('Department').trim();
    if (deptText.length > 60) fail('Department', 'longer than 60 characters');
    if (plan.errors.length > errorsBefore) continue;

    const el = newElement(type!, name, ensureGroup(path, offsetMs), offsetMs);
    out.push({
      ...el,
      notes,
      location,
      priority: priority!,
      durationMs,
      colour: colourText ? colourText.toLowerCase() : null,
      departmentId: deptText ? department(deptText) : null,
    });
    if (type === 'GROUP') groupByPath.set(pathKey([...path, name]), out.at(-1)!);
    plan.counts[type === 'CUE' ? 'cues' : type === 'NOTE' ? 'notes' : 'groups']++;
  }
  if (plan.errors.length > 0) return plan;

  // Order keys in file order within each parent; appended after what is there, or from scratch.
  const lastKey = new Map<string | null, string | null>();
  if (mode === 'append') {
    const top = existing.elements.filter((e) => e.parentId === null).map((e) => e.orderKey);
    lastKey.set(null, top.length ? top.reduce((a, b) => (a > b ? a : b)) : null);
  }
  const byParent = new Map<string | null, Element[]>();
  for (const el of out) {
    const list = byParent.get(el.parentId) ?? [];
    list.push(el);
    byParent.set(el.parentId, list);
  }
  const keyOf = new Map<string, string>();
  for (const [parent, list] of byParent) {
    const keys = keysBetween(lastKey.get(parent) ?? null, null, list.length);
    list.forEach((el, i) => keyOf.set(el.id, keys[i]!));
  }
  plan.elements = out.map((el) => ({ ...el, orderKey: keyOf.get(el.id)! }));
  return plan;
}

function newElement(type: ElementType, name: string, parentId: string | null, offsetMs: number): Element {
  return {
    id: randomUUID(),
    type,
    name,
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs,
    durationMs: null,
    location: '',
    colour: null,
    parentId,
    orderKey: 'a0',
  };
}

/** The batch op of an import: (replace) every current element removed, then the rows created. */
export function importOps(plan: ImportPlan, current: readonly Element[], mode: ImportMode): SimpleOp[] {
  const ops: SimpleOp[] = [];
  if (mode === 'replace')
    // Children before their groups, so no delete moves anything up a level first.
    for (const { element } of treeOrder(current).reverse()) ops.push({ kind: 'delete', id: element.id });
  for (const element of plan.elements) ops.push({ kind: 'create', element });
  return ops;
}
