/**
 * The spreadsheet columns stage managers keep cue lists in, and how times are written in them.
 * Export writes exactly these; import matches them by name (case-insensitive, "Colour" too).
 */
import { MAX_OFFSET_MS } from '@cuebe/protocol';

export const CSV_COLUMNS = [
  'Time',
  'Type',
  'Element Name',
  'Description',
  'Group Path',
  'Department',
  'Priority',
  'Location',
  'Duration',
  'Color',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const ALIASES: Record<string, CsvColumn> = {
  colour: 'Color',
  name: 'Element Name',
  notes: 'Description',
  group: 'Group Path',
  dept: 'Department',
};

/** The column a header cell names, or null. */
export function columnOf(header: string): CsvColumn | null {
  const h = header.trim().toLowerCase();
  return CSV_COLUMNS.find((c) => c.toLowerCase() === h) ?? ALIASES[h] ?? null;
}

/** Between the names of nested groups in the Group Path column: "Act 1 > The storm". */
export const GROUP_SEPARATOR = ' > ';

/** [-]H:MM:SS, with .mmm only when there are milliseconds. */
export function formatTime(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const frac = abs % 1000;
  const base = `${sign}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return frac ? `${base}.${String(frac).padStart(3, '0')}` : base;
}

/**
 * [-]H:MM:SS[.mmm], [-]M:SS[.mmm] or plain [-]seconds[.fraction]. null when it is none of these or
 * outside ±48 h.
 */
export function parseTime(text: string): number | null {
  const t = text.trim();
  let ms: number;
  const clock = /^(-)?(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(t);
  if (clock) {
    const [, neg, h, m, s, f] = clock;
    if (Number(s) > 59 || (h !== undefined && Number(m) > 59)) return null;
    ms = (Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s)) * 1000 + Number((f ?? '').padEnd(3, '0'));
    if (neg) ms = -ms;
  } else if (/^-?\d+(\.\d{1,3})?$/.test(t)) {
    ms = Math.round(Number(t) * 1000);
  } else return null;
  return Math.abs(ms) <= MAX_OFFSET_MS ? ms : null;
}

/**
 * Spreadsheets run a cell that starts with = + - @ as a formula. Text cells that do are written
 * with a leading ' (what spreadsheets themselves do) and read back without it.
 */
export function escapeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
export function unescapeCell(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}
