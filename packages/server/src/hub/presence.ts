/**
 * Presence (issue 3): the SM sees who is connected — each crew member with name, role,
 * departments and device count; crew see only whether the SM is connected. Devices are counted
 * by their deviceId, so two tabs on one phone are one device.
 */
import type { Presence, PresenceCrew, SyncQualityMessage } from '@cuebe/protocol';
import { editorsOf, type EditorSocket } from './editors';
import type { CrewIdentity, SmIdentity } from './identity';

/**
 * What presence needs of a socket: who and which device. A local Member fits, and so does an
 * entry of another node's snapshot (cluster-presence.ts), so both count in one computation.
 */
export interface PresenceMember {
  readonly identity:
    | Pick<SmIdentity, 'role' | 'userId' | 'name' | 'showRole'>
    | Pick<CrewIdentity, 'role' | 'crewId' | 'name' | 'crewRole' | 'allDepartments' | 'departmentIds'>;
  readonly deviceId: string;
  /** The row an SM device is editing (issue 9). */
  readonly editing?: string | null;
  /** The device's last clock-sync report (live show); local sockets only. */
  readonly sync?: SyncQualityMessage | null;
}

type CrewSync = NonNullable<PresenceCrew['sync']>;

/** Fold one device's report into its crew member's: the worst of each, for the SM's board. */
function foldSync(acc: CrewSync | undefined, q: SyncQualityMessage): CrewSync {
  const worst = (a: number | null | undefined, b: number | null) =>
    a === null || b === null ? null : a === undefined ? b : Math.max(a, b);
  return {
    worstErrorMs: worst(acc?.worstErrorMs, q.errorMs),
    oldestSyncAgeMs: worst(acc?.oldestSyncAgeMs, q.lastSyncAgeMs),
    hidden: (acc?.hidden ?? 0) + (q.hidden ? 1 : 0),
    reported: (acc?.reported ?? 0) + 1,
  };
}

export interface PresenceState {
  /** Sent to SM sockets. */
  full: Presence;
  /** Sent to crew sockets: the SM part only. */
  crew: Presence;
  /** Identifies the SM part, to skip crew sends when it did not change. */
  smKey: string;
}

export function computePresence(members: Iterable<PresenceMember>): PresenceState {
  const smDevices = new Set<string>();
  const crew = new Map<string, { entry: PresenceCrew; devices: Set<string>; synced: Set<string> }>();
  const team: EditorSocket[] = [];
  for (const m of members) {
    const id = m.identity;
    if (id.role === 'sm') {
      smDevices.add(`${id.userId}/${m.deviceId}`);
      team.push({ userId: id.userId, name: id.name, showRole: id.showRole, deviceId: m.deviceId, editing: m.editing });
      continue;
    }
    let c = crew.get(id.crewId);
    if (!c) {
      c = {
        entry: {
          crewId: id.crewId,
          name: id.name,
          role: id.crewRole,
          allDepartments: id.allDepartments,
          departmentIds: [...id.departmentIds],
          devices: 0,
        },
        devices: new Set(),
        synced: new Set(),
      };
      crew.set(id.crewId, c);
    }
    c.devices.add(m.deviceId);
    // Two tabs on one phone report one device (the first seen).
    if (m.sync && !c.synced.has(m.deviceId)) {
      c.synced.add(m.deviceId);
      c.entry.sync = foldSync(c.entry.sync, m.sync);
    }
  }
  const sm = { connected: smDevices.size > 0, devices: smDevices.size };
  const list = [...crew.values()]
    .map((c) => ({ ...c.entry, devices: c.devices.size }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.crewId.localeCompare(b.crewId));
  return {
    full: { type: 'presence', sm, crew: list, editors: editorsOf(team) },
    crew: { type: 'presence', sm },
    smKey: `${sm.connected}:${sm.devices}`,
  };
}
