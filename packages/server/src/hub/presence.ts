/**
 * Presence (issue 3): the SM sees who is connected — each crew member with name, role,
 * departments and device count; crew see only whether the SM is connected. Devices are counted
 * by their deviceId, so two tabs on one phone are one device.
 */
import type { Presence, PresenceCrew, PresenceDevice, SyncQualityMessage } from '@cuebe/protocol';
import { deviceTag } from './device-label';
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
  /** The device's last clock-sync report (live show), with the server time it arrived; local sockets only. */
  readonly sync?: (SyncQualityMessage & { at: number }) | null;
  /** What the device is ("iPhone · Safari"); local sockets only. */
  readonly device?: string;
}

type CrewSync = NonNullable<PresenceCrew['sync']>;

/**
 * Fold one device's report into its crew member's: the worst of each (for clients before
 * protocol 5). The sync age counts the time since the report arrived too (K3): a device that
 * stopped reporting does not stay fresh at the age it last said.
 */
function foldSync(acc: CrewSync | undefined, q: SyncQualityMessage & { at: number }, now: number): CrewSync {
  const worst = (a: number | null | undefined, b: number | null) =>
    a === null || b === null ? null : a === undefined ? b : Math.max(a, b);
  const age = q.lastSyncAgeMs === null ? null : q.lastSyncAgeMs + Math.max(0, now - q.at);
  return {
    worstErrorMs: worst(acc?.worstErrorMs, q.errorMs),
    oldestSyncAgeMs: worst(acc?.oldestSyncAgeMs, age),
    hidden: (acc?.hidden ?? 0) + (q.hidden ? 1 : 0),
    reported: (acc?.reported ?? 0) + 1,
  };
}

/** One local device for the SM's board (K3): its clock as server times, so the board ages them itself. */
function deviceEntry(m: PresenceMember): PresenceDevice {
  const q = m.sync ?? null;
  return {
    tag: deviceTag(m.deviceId),
    label: m.device ?? 'device',
    errorMs: q?.errorMs ?? null,
    syncedAtServerMs: q && q.lastSyncAgeMs !== null ? q.at - q.lastSyncAgeMs : null,
    reportedAtServerMs: q?.at ?? null,
    hidden: q?.hidden ?? false,
  };
}

export interface PresenceState {
  /** Sent to SM sockets (protocol 5 on: with each crew member's devices). */
  full: Presence;
  /** Sent to SM sockets before protocol 5 (which refuse unknown fields). */
  fullLegacy: Presence;
  /** Sent to crew sockets: the SM part only. */
  crew: Presence;
  /** Identifies the SM part, to skip crew sends when it did not change. */
  smKey: string;
}

/** `now`: server reference time, to age the devices' reports (default: no ageing). */
export function computePresence(members: Iterable<PresenceMember>, now?: number): PresenceState {
  const smDevices = new Set<string>();
  const crew = new Map<
    string,
    { entry: PresenceCrew; devices: Set<string>; synced: Set<string>; list: Map<string, PresenceDevice> }
  >();
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
        list: new Map(),
      };
      crew.set(id.crewId, c);
    }
    c.devices.add(m.deviceId);
    // Two tabs on one phone report one device (the first seen).
    if (m.sync && !c.synced.has(m.deviceId)) {
      c.synced.add(m.deviceId);
      c.entry.sync = foldSync(c.entry.sync, m.sync, now ?? m.sync.at);
    }
    // Local sockets only (another node's carry no clock): sync is null there, not absent.
    if (m.sync !== undefined && !c.list.has(m.deviceId)) c.list.set(m.deviceId, deviceEntry(m));
  }
  const sm = { connected: smDevices.size > 0, devices: smDevices.size };
  const sorted = [...crew.values()].sort(
    (a, b) => a.entry.name.localeCompare(b.entry.name) || a.entry.crewId.localeCompare(b.entry.crewId),
  );
  const legacy = sorted.map((c) => ({ ...c.entry, devices: c.devices.size }));
  const list = sorted.map((c) => ({
    ...c.entry,
    devices: c.devices.size,
    ...(c.list.size > 0 ? { deviceList: [...c.list.values()].slice(0, 50) } : {}),
  }));
  const editors = editorsOf(team);
  return {
    full: { type: 'presence', sm, crew: list, editors },
    fullLegacy: { type: 'presence', sm, crew: legacy, editors },
    crew: { type: 'presence', sm },
    smKey: `${sm.connected}:${sm.devices}`,
  };
}
