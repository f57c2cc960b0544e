/** Conflict notices (DESIGN §3): both editors are told when a field they set was overwritten. */
import type { Conflict } from '@cuebe/protocol';
import type { ActorRef, ConflictInfo, LogEntry } from '../scripts/store';

/** "3 s", "4 min", "2 h": how long before `at` the replaced change was made. */
export function ago(fromIso: string, toIso: string): string {
  const s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

/** To the writer whose op overwrote someone else's change. */
export function conflictForWriter(entry: LogEntry, c: ConflictInfo): Conflict {
  return {
    type: 'conflict',
    version: entry.version,
    elementId: c.elementId,
    elementName: c.elementName,
    field: c.field,
    yoursWon: true,
    other: { kind: c.other.kind, name: c.other.name },
    otherAt: c.otherAt,
    message: `Your change to ${c.elementName} ${c.field} replaced ${c.other.name}'s from ${ago(c.otherAt, entry.at)} ago`,
  };
}

/** To the editor whose change was overwritten. otherAt stays the time of the replaced change. */
export function conflictForOther(entry: LogEntry, c: ConflictInfo): Conflict {
  return {
    type: 'conflict',
    version: entry.version,
    elementId: c.elementId,
    elementName: c.elementName,
    field: c.field,
    yoursWon: false,
    other: { kind: entry.actor.kind, name: entry.actor.name },
    otherAt: c.otherAt,
    message: `${entry.actor.name}'s change to ${c.elementName} ${c.field} replaced yours from ${ago(c.otherAt, entry.at)} ago`,
  };
}

/** Is this socket's identity the editor a conflict names? */
export function isEditor(other: ActorRef, userId: string, deviceId: string): boolean {
  if (other.kind !== 'sm' || other.id !== userId) return false;
  return other.deviceId == null || other.deviceId === deviceId;
}
