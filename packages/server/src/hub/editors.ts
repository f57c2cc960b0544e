/**
 * The show's team on a script (issue 9): each account connected with an SM socket — owner,
 * editor or viewer — with its device count and the rows its devices are editing, so editors see
 * each other live. Sent to SM sockets only, inside presence.
 */
import type { PresenceEditor, ShowRole } from '@cuebe/protocol';

export interface EditorSocket {
  readonly userId: string;
  readonly name: string;
  /** Absent: the owner (identities made before teams). */
  readonly showRole?: ShowRole;
  readonly deviceId: string;
  readonly editing?: string | null;
}

const ORDER: Record<ShowRole, number> = { owner: 0, editor: 1, viewer: 2 };

export function editorsOf(sockets: Iterable<EditorSocket>): PresenceEditor[] {
  const byUser = new Map<string, { entry: PresenceEditor; devices: Set<string>; editing: Set<string> }>();
  for (const s of sockets) {
    let e = byUser.get(s.userId);
    if (!e) {
      const entry = { userId: s.userId, name: s.name, role: s.showRole ?? 'owner', devices: 0, editing: [] };
      e = { entry, devices: new Set(), editing: new Set() };
      byUser.set(s.userId, e);
    }
    e.devices.add(s.deviceId);
    if (s.editing) e.editing.add(s.editing);
  }
  return [...byUser.values()]
    .map((e) => ({ ...e.entry, devices: e.devices.size, editing: [...e.editing].sort() }))
    .sort((a, b) => ORDER[a.role] - ORDER[b.role] || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}
