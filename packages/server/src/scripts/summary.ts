/** One short human line per log entry, for the history list ("updated LX 5: notes"). */
import { Op, type Patch, type Prev, type SimpleOp } from '@cuebe/protocol';

const FIELD_LABELS: Record<string, string> = {
  name: 'name',
  notes: 'notes',
  departmentId: 'department',
  priority: 'priority',
  offsetMs: 'time',
  durationMs: 'duration',
  location: 'location',
  colour: 'colour',
  status: 'status',
  plannedStart: 'planned start',
  plannedEnd: 'planned end',
};

const fieldList = (fields: object) =>
  Object.keys(fields)
    .map((f) => FIELD_LABELS[f] ?? f)
    .join(', ');

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function formatDelta(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', s || (!h && !m) ? `${s} s` : ''].filter(Boolean);
  return sign + parts.join(' ');
}

export interface LoggedChange {
  kind: string;
  op: unknown;
  patch: Patch;
  prev: Prev;
}

export function summarise(change: LoggedChange): string {
  const { patch, prev } = change;
  const names = new Map<string, string>();
  for (const el of Object.values(prev.elements)) if (el) names.set(el.id, el.name);
  for (const el of patch.upserts) names.set(el.id, el.name);
  const name = (id: string) => names.get(id) ?? 'an element';
  const parsed = Op.safeParse(change.op);
  if (!parsed.success) return counts(patch, prev);
  const op = parsed.data;
  if (op.kind === 'batch') {
    if (op.ops.length === 1) return simple(op.ops[0]!, name);
    return counts(patch, prev);
  }
  return simple(op, name);
}

function simple(op: SimpleOp, name: (id: string) => string): string {
  switch (op.kind) {
    case 'create':
      return `added ${op.element.name}`;
    case 'update':
      return `updated ${name(op.id)}: ${fieldList(op.fields)}`;
    case 'delete':
      return `deleted ${name(op.id)}`;
    case 'move':
      return `moved ${name(op.id)}`;
    case 'group':
      return `grouped ${plural(op.ids.length, 'element')} as ${op.name}`;
    case 'ungroup':
      return `ungrouped ${name(op.id)}`;
    case 'shift':
      return `shifted ${op.ids.length === 1 ? name(op.ids[0]!) : plural(op.ids.length, 'element')} by ${formatDelta(op.deltaMs)}`;
    case 'scriptInfo':
      return `changed the script's ${fieldList(op.fields)}`;
  }
}

/** A batch: what it did, by count. */
function counts(patch: Patch, prev: Prev): string {
  const changed = patch.upserts.filter((el) => prev.elements[el.id]).length;
  const added = patch.upserts.length - changed;
  const parts = [
    added ? `${added} added` : '',
    changed ? `${changed} changed` : '',
    patch.deletes.length ? `${patch.deletes.length} deleted` : '',
    patch.info ? 'script details changed' : '',
  ].filter(Boolean);
  const touched = added + changed + patch.deletes.length;
  return parts.length === 0 ? 'no change' : `changed ${plural(touched, 'element')} (${parts.join(', ')})`;
}
