/** One line for a crew toast: "Jane updated LX 5", "Jane added 3 cues", "Jane moved LX 7". */
import type { Change, Element } from '@cuebe/protocol';

const VERB: Record<string, string> = {
  create: 'added',
  update: 'updated',
  delete: 'removed',
  move: 'moved',
  group: 'grouped',
  ungroup: 'ungrouped',
  shift: 'retimed',
  scriptInfo: 'updated the script details',
  batch: 'changed',
  restore: 'restored an earlier version',
};

export function describeChange(change: Change, before: ReadonlyMap<string, Element>): string {
  const who = change.actor.name || 'The stage manager';
  const verb = VERB[change.kind] ?? 'changed';
  if (change.kind === 'scriptInfo' || change.kind === 'restore') return `${who} ${verb}`;
  const names = [
    ...change.patch.upserts.filter((e) => e.type !== 'GROUP' || change.kind === 'group').map((e) => e.name),
    ...change.patch.deletes.map((id) => before.get(id)?.name).filter((n): n is string => !!n),
  ];
  const unique = [...new Set(names)];
  if (unique.length === 0) return `${who} ${verb} the script`;
  if (unique.length === 1) return `${who} ${verb} ${unique[0]}`;
  if (unique.length === 2) return `${who} ${verb} ${unique[0]} and ${unique[1]}`;
  return `${who} ${verb} ${unique[0]} and ${unique.length - 1} more`;
}
