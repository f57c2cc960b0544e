/**
 * Presence across nodes (DESIGN §6). Each node publishes, per script, a full snapshot of the
 * sockets it holds (on joins and leaves, coalesced; as a heartbeat; empty when the room empties
 * or the node stops). Every other node keeps the latest snapshot per (node, script) — for every
 * script, not only the rooms it has open, so a room opened later starts with the whole picture —
 * and forgets it `ttlMs` after receipt unless a newer one came. A node that dies (SIGKILL, power)
 * sends nothing more, so its entries go within the TTL; one that stops cleanly empties them at once.
 *
 * Snapshots rather than join/leave deltas: a lost message (Redis restart) is healed by the next
 * heartbeat instead of leaving a ghost or a hole forever.
 *
 * Receipt times are on this node's monotonic clock: node wall clocks may differ, so the sender's
 * time is never compared with ours.
 */
import type { FanoutMessage, PresenceMemberWire } from './fanout';
import type { PresenceMember } from './presence';

/** How long a snapshot counts after it arrived. */
export const PRESENCE_TTL_MS = 10_000;
/** How often a node repeats its snapshot of every non-empty room (well inside the TTL). */
export const PRESENCE_HEARTBEAT_MS = 3_000;
/** How often expired snapshots are looked for. */
export const PRESENCE_SWEEP_MS = 1_000;

type PresenceMessage = Extract<FanoutMessage, { type: 'presence' }>;

interface Snapshot {
  members: PresenceMember[];
  /** Canonical form, to tell a heartbeat that changes nothing from a real change. */
  key: string;
  expiresAt: number;
}

/** The sockets a node holds, as a snapshot entry for the others. */
export function toWire(members: Iterable<PresenceMember>): PresenceMemberWire[] {
  const out: PresenceMemberWire[] = [];
  for (const { identity: id, deviceId, editing } of members) {
    out.push(
      id.role === 'sm'
        ? { role: 'sm', userId: id.userId, name: id.name, deviceId, showRole: id.showRole, editing: editing ?? null }
        : {
            role: 'crew',
            crewId: id.crewId,
            name: id.name,
            crewRole: id.crewRole,
            allDepartments: id.allDepartments,
            departmentIds: [...id.departmentIds],
            deviceId,
          },
    );
  }
  return out;
}

function fromWire(w: PresenceMemberWire): PresenceMember {
  if (w.role === 'sm') {
    const { deviceId, editing, ...identity } = w;
    return { identity, deviceId, editing };
  }
  const { deviceId, ...identity } = w;
  return { identity, deviceId };
}

function keyOf(members: PresenceMemberWire[]): string {
  // An SM device's row being edited is part of the picture too (issue 9).
  const ids = members.map(
    (m) => `${m.role === 'sm' ? `s:${m.userId}:${m.editing ?? ''}` : `c:${m.crewId}`}/${m.deviceId}`,
  );
  // Names and departments change only with a reconnect (access 'changed'), which changes the set.
  return ids.sort().join('\n');
}

/** Other nodes' snapshots, per script and node. */
export class RemotePresence {
  private readonly byScript = new Map<string, Map<string, Snapshot>>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Keep a snapshot; true when the script's remote presence changed (not a mere heartbeat). */
  receive(msg: PresenceMessage): boolean {
    let nodes = this.byScript.get(msg.scriptId);
    const before = nodes?.get(msg.origin);
    if (msg.members.length === 0) {
      if (!nodes || !before) return false;
      nodes.delete(msg.origin);
      if (nodes.size === 0) this.byScript.delete(msg.scriptId);
      return true;
    }
    const key = keyOf(msg.members);
    if (!nodes) {
      nodes = new Map();
      this.byScript.set(msg.scriptId, nodes);
    }
    const expiresAt = this.now() + msg.ttlMs;
    if (before && before.key === key) {
      before.expiresAt = expiresAt;
      return false;
    }
    nodes.set(msg.origin, { members: msg.members.map(fromWire), key, expiresAt });
    return true;
  }

  /** Every other node's sockets on a script. */
  members(scriptId: string): PresenceMember[] {
    const nodes = this.byScript.get(scriptId);
    if (!nodes) return [];
    const out: PresenceMember[] = [];
    for (const s of nodes.values()) out.push(...s.members);
    return out;
  }

  /** Forget snapshots past their TTL; returns the scripts whose presence changed. */
  expire(): string[] {
    const now = this.now();
    const changed: string[] = [];
    for (const [scriptId, nodes] of this.byScript) {
      let dropped = false;
      for (const [node, s] of nodes)
        if (s.expiresAt <= now) {
          nodes.delete(node);
          dropped = true;
        }
      if (nodes.size === 0) this.byScript.delete(scriptId);
      if (dropped) changed.push(scriptId);
    }
    return changed;
  }

  /** Nodes with a live snapshot of this script (for tests and diagnostics). */
  nodes(scriptId: string): string[] {
    return [...(this.byScript.get(scriptId)?.keys() ?? [])];
  }
}
