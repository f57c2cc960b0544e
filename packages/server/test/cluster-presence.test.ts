/**
 * Other nodes' presence snapshots (hub/cluster-presence.ts) on an injected monotonic clock:
 * kept per (node, script), refreshed by heartbeats without counting as a change, dropped when
 * emptied or TTL after their last receipt, and counted with local sockets one device once.
 */
import { describe, expect, it } from 'vitest';
import { RemotePresence, toWire } from '../src/hub/cluster-presence';
import type { PresenceMemberWire } from '../src/hub/fanout';
import { computePresence } from '../src/hub/presence';

const crew = (crewId: string, deviceId: string): PresenceMemberWire => ({
  role: 'crew',
  crewId,
  name: `Crew ${crewId}`,
  crewRole: 'LX',
  allDepartments: true,
  departmentIds: [],
  deviceId,
});
const snap = (origin: string, scriptId: string, members: PresenceMemberWire[]) => ({
  type: 'presence' as const,
  origin,
  scriptId,
  members,
  ttlMs: 10_000,
});

describe('remote presence', () => {
  it('keeps snapshots per node and script; a heartbeat with the same sockets is not a change', () => {
    const r = new RemotePresence(() => 0);
    expect(r.receive(snap('b', 's1', [crew('c1', 'd1')]))).toBe(true);
    expect(r.receive(snap('c', 's1', [crew('c2', 'd2')]))).toBe(true);
    expect(r.receive(snap('b', 's2', [crew('c3', 'd3')]))).toBe(true);
    expect(r.members('s1').map((m) => m.deviceId)).toEqual(['d1', 'd2']);
    expect(r.receive(snap('b', 's1', [crew('c1', 'd1')]))).toBe(false);
    expect(r.receive(snap('b', 's1', [crew('c1', 'd1'), crew('c1', 'd9')]))).toBe(true);
    expect(r.members('s1')).toHaveLength(3);
  });

  it('an empty snapshot removes that node at once; an unknown empty one changes nothing', () => {
    const r = new RemotePresence(() => 0);
    r.receive(snap('b', 's1', [crew('c1', 'd1')]));
    expect(r.receive(snap('b', 's1', []))).toBe(true);
    expect(r.members('s1')).toEqual([]);
    expect(r.receive(snap('z', 's1', []))).toBe(false);
  });

  it('expires a snapshot TTL after its last receipt, heartbeats push it on', () => {
    let now = 1_000;
    const r = new RemotePresence(() => now);
    r.receive(snap('b', 's1', [crew('c1', 'd1')]));
    r.receive(snap('dead', 's1', [crew('c2', 'd2')]));
    now = 9_000;
    r.receive(snap('b', 's1', [crew('c1', 'd1')])); // heartbeat: good until 19,000
    expect(r.expire()).toEqual([]);
    now = 11_000;
    expect(r.expire()).toEqual(['s1']);
    expect(r.nodes('s1')).toEqual(['b']);
    now = 19_000;
    expect(r.expire()).toEqual(['s1']);
    expect(r.members('s1')).toEqual([]);
    expect(r.expire()).toEqual([]);
  });

  it('local and remote sockets count together, one device once', () => {
    const r = new RemotePresence(() => 0);
    r.receive(snap('b', 's1', [crew('c1', 'phone'), crew('c1', 'tablet')]));
    const local = [
      {
        identity: {
          role: 'crew' as const,
          crewId: 'c1',
          name: 'Crew c1',
          crewRole: 'LX',
          allDepartments: true,
          departmentIds: [],
        },
        deviceId: 'phone',
      },
    ];
    const p = computePresence([...local, ...r.members('s1')]);
    expect(p.full.crew).toEqual([expect.objectContaining({ crewId: 'c1', devices: 2 })]);
    // And the wire form of local sockets carries what presence needs.
    expect(toWire(local)).toEqual([crew('c1', 'phone')]);
  });
});
