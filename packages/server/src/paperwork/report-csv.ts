/**
 * The show report as CSV (issue 8): one table a spreadsheet opens, a "Section" column first so
 * run times, cues, holds, standbys and notes sit in one file and sort apart.
 */
import Papa from 'papaparse';
import type { ShowReport } from '@cuebe/protocol';
import { escapeCell, formatTime } from './columns';

const HEADER = [
  'Section',
  'Name',
  'Planned',
  'Actual',
  'Difference (s)',
  'Late',
  'At (UTC)',
  'Duration',
  'Who',
  'Detail',
];

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
const time = (ms: number | null) => (ms === null ? '' : formatTime(Math.round(ms)));
/** Seconds, a number a spreadsheet sums (positive: late). */
const seconds = (ms: number | null): string | number => (ms === null ? '' : Math.round(ms) / 1000);

export function reportToCsv(r: ShowReport): string {
  const rows: string[][] = [];
  const add = (cells: (string | number)[]) =>
    rows.push(cells.map((c) => (typeof c === 'number' ? String(c) : escapeCell(c))));
  add([
    'Run',
    `Performance ${r.performance.number}`,
    '',
    '',
    '',
    '',
    iso(r.performance.startedAtServerMs),
    '',
    r.performance.calledBy.name,
    '',
  ]);
  if (r.houseOpenAtServerMs !== null)
    add(['Run', 'House open', '', '', '', '', iso(r.houseOpenAtServerMs), '', '', '']);
  add(['Run', 'Total', '', '', '', '', iso(r.startAtServerMs), time(r.totalMs), '', `held ${time(r.heldMs)}`]);
  for (const p of r.parts)
    add(['Run', p.label, '', '', '', '', iso(p.startAtServerMs), time(p.durationMs), '', p.kind]);
  for (const c of r.cues)
    add([
      'Cue',
      c.name,
      time(c.plannedMs),
      time(c.actualMs),
      seconds(c.deltaMs),
      c.late ? 'late' : c.early ? 'early' : '',
      iso(c.goAtServerMs),
      '',
      c.by ?? '',
      c.actualMs === null ? 'not called' : '',
    ]);
  for (const h of r.holds)
    add(['Hold', h.kind, '', time(h.showMs), '', '', iso(h.atServerMs), time(h.durationMs), h.by, h.reason ?? '']);
  for (const s of r.standbys)
    add([
      'Standby',
      s.name,
      '',
      '',
      '',
      '',
      iso(s.standbyAtServerMs),
      '',
      s.acked.map((a) => `${a.name}${a.afterMs === null ? '' : ` (${(a.afterMs / 1000).toFixed(1)} s)`}`).join('; '),
      s.unacknowledged.length ? `not acknowledged: ${s.unacknowledged.map((u) => u.name).join('; ')}` : '',
    ]);
  for (const n of r.notes) add(['Note', '', '', time(n.showMs), '', '', iso(n.atServerMs), '', n.by, n.text]);
  if (r.performance.notes) add(['Note', 'After the show', '', '', '', '', '', '', '', r.performance.notes]);
  return Papa.unparse({ fields: HEADER, data: rows }, { newline: '\r\n' });
}
