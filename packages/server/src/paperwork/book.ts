/**
 * What a printed book holds, apart from how it is drawn: the calling script (the whole tree, in
 * script order) or one department's cue sheet (its cues and notes in time order, each with the
 * groups it sits in). The PDF renderer draws this; the web's print view follows the same rules.
 */
import { timeOrder, treeOrder, type Department, type Element, type Priority } from '@cuebe/protocol';
import { GROUP_SEPARATOR, formatTime } from './columns';
import { groupPaths } from './csv-export';

export const PAPER_SIZES = { a4: 'A4', letter: 'LETTER' } as const;
export type Paper = keyof typeof PAPER_SIZES;

/**
 * Fills that tell departments apart on a black-and-white printout, next to their initials:
 * the department's place in the show's list picks one, so neighbours never share a pattern.
 */
export const DEPT_PATTERNS = ['solid', 'diagonal', 'dots', 'horizontal', 'cross', 'vertical', 'outline'] as const;
export type DeptPattern = (typeof DEPT_PATTERNS)[number];

export interface DeptMark {
  initials: string;
  name: string;
  colour: string;
  pattern: DeptPattern;
}

export interface BookRow {
  kind: 'group' | 'cue' | 'note';
  depth: number;
  time: string;
  name: string;
  notes: string;
  location: string;
  duration: string;
  priority: Priority;
  dept: DeptMark | null;
  /** Cue sheets: the groups the element sits in ("Act 1 > Storm"). */
  groupPath: string;
}

export interface Book {
  /** "Calling script" or "Lighting (LX) cue sheet". */
  title: string;
  showName: string;
  venue: string;
  scriptName: string;
  version: number;
  printedOn: string;
  kind: 'script' | 'department';
  rows: BookRow[];
  departments: DeptMark[];
}

export interface BookInput {
  show: { name: string; venue: string };
  script: { name: string; version: number };
  elements: readonly Element[];
  departments: readonly Department[];
  /** Only this department's cue sheet. */
  departmentId?: string | null;
  now?: Date;
  timeZone?: string;
}

export function deptMarks(departments: readonly Department[]): Map<string, DeptMark> {
  return new Map(
    departments.map((d, i) => [
      d.id,
      { initials: d.initials, name: d.name, colour: d.colour, pattern: DEPT_PATTERNS[i % DEPT_PATTERNS.length]! },
    ]),
  );
}

/** "1 May 2026, 19:30" in the reader's time zone (UTC unless given). */
export function printedOn(now: Date, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now);
}

export function buildBook(input: BookInput): Book {
  const marks = deptMarks(input.departments);
  const paths = groupPaths(input.elements);
  const row = (el: Element, depth: number): BookRow => ({
    kind: el.type === 'GROUP' ? 'group' : el.type === 'CUE' ? 'cue' : 'note',
    depth,
    time: formatTime(el.offsetMs),
    name: el.name,
    notes: el.notes,
    location: el.location,
    duration: el.durationMs === null ? '' : formatTime(el.durationMs),
    priority: el.priority,
    dept: el.departmentId ? (marks.get(el.departmentId) ?? null) : null,
    groupPath: paths.get(el.id)!.join(GROUP_SEPARATOR),
  });
  const base = {
    showName: input.show.name,
    venue: input.show.venue,
    scriptName: input.script.name,
    version: input.script.version,
    printedOn: printedOn(input.now ?? new Date(), input.timeZone),
    departments: [...marks.values()],
  };
  if (input.departmentId) {
    const mark = marks.get(input.departmentId)!;
    const rows = timeOrder(input.elements.filter((e) => e.type !== 'GROUP' && e.departmentId === input.departmentId));
    return {
      ...base,
      kind: 'department',
      title: `${mark.name} (${mark.initials}) cue sheet`,
      rows: rows.map((el) => row(el, 0)),
    };
  }
  return {
    ...base,
    kind: 'script',
    title: 'Calling script',
    rows: treeOrder(input.elements).map(({ element, depth }) => row(element, depth)),
  };
}
