/**
 * The room without a transport: in-memory sockets and store. Rule ids: docs/SPEC.md.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { crewView, FULL_VIEW, viewKey, type ServerMessage, type View } from '@cuebe/protocol';
import type { CrewIdentity, Identity, SmIdentity } from '../src/hub/identity';
import { Member } from '../src/hub/member';
import { Room, type RoomOptions } from '../src/hub/room';
import { cue } from './hub-fixtures';
import { Gate, MemorySocket, MemoryStore } from './hub-memory';

const LX = randomUUID();
const SND = randomUUID();

function makeRoom(store: MemoryStore, opts: Partial<RoomOptions> = {}) {
  const errors: unknown[] = [];
  const room = new Room(store.scriptId, store, {
    gapMs: 20,
    recentSize: 64,
    maxCatchUpChanges: 50,
    maxBufferedBytes: 1024 * 1024,
    presenceDelayMs: 5,
    onEmpty: () => {},
    onError: (err) => errors.push(err),
    ...opts,
  });
  return { room, errors };
}

const sm = (deviceId = 'd1'): SmIdentity => ({
  role: 'sm',
  // A real user id: SM presence names the account (its team entry), and ids are UUIDs.
  userId: '00000000-0000-4000-8000-000000000001',
  name: 'Jane',
  showId: 's',
  sessionId: deviceId,
});
const crew = (departmentIds: string[], name = 'Sam'): CrewIdentity => ({
  role: 'crew',
  crewId: randomUUID(),
  name,
  crewRole: 'op',
  showId: 's',
  expiresAt: Date.now() + 60_000,
  allDepartments: false,
  departmentIds,
});

function member(identity: Identity, deviceId: string = randomUUID()) {
  const view: View = identity.role === 'sm' ? FULL_VIEW : crewView(false, identity.departmentIds);
  const socket = new MemorySocket();
  return { socket, m: new Member(socket, identity, deviceId, view, viewKey(view)) };
}

const welcome =
  (role: 'sm' | 'crew') =>
  (version: number): ServerMessage => ({
    type: 'welcome',
    protocol: 1,
    role,
    version,
    connectionId: 'c',
    name: 'n',
    serverTime: Date.now(),
  });

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('room (in-memory sockets)', () => {
  it('S2 delivers versions in order when fan-out hands them over out of order', async () => {
    const store = new MemoryStore([LX]);
    const el = cue({ departmentId: LX });
    store.commit({ kind: 'create', element: el });
    const { room } = makeRoom(store);
    const a = member(sm());
    await room.join(a.m, 1, welcome('sm'));
    const e2 = store.commit({ kind: 'update', id: el.id, fields: { notes: 'a' } });
    const e3 = store.commit({ kind: 'update', id: el.id, fields: { notes: 'b' } });
    const e4 = store.commit({ kind: 'update', id: el.id, fields: { notes: 'c' } });
    room.receive(e4);
    room.receive(e3);
    expect(a.socket.versions()).toEqual([]);
    room.receive(e2);
    room.receive(e3); // a duplicate is dropped
    expect(a.socket.versions()).toEqual([2, 3, 4]);
  });

  it('S5 refills a version fan-out lost from the store, then delivers in order', async () => {
    const store = new MemoryStore([LX]);
    const { room } = makeRoom(store);
    const a = member(sm());
    await room.join(a.m, 0, welcome('sm'));
    const e1 = store.commit({ kind: 'create', element: cue() });
    store.commit({ kind: 'create', element: cue() }); // version 2 never reaches the room
    const e3 = store.commit({ kind: 'create', element: cue() });
    room.receive(e1);
    room.receive(e3);
    expect(a.socket.versions()).toEqual([1]);
    await vi.waitFor(() => expect(a.socket.versions()).toEqual([1, 2, 3]));
    expect(room.stats.gapRefills).toBe(1);
  });

  it('S3 catch-up: one changes message with everything since lastVersion, after the welcome', async () => {
    const store = new MemoryStore([LX]);
    for (let i = 0; i < 5; i++) store.commit({ kind: 'create', element: cue() });
    const { room } = makeRoom(store);
    const a = member(sm());
    await room.join(a.m, 2, welcome('sm'));
    const msgs = a.socket.messages();
    expect(msgs.map((m) => m.type)).toEqual(['welcome', 'changes']);
    expect(msgs[0]).toMatchObject({ type: 'welcome', version: 5 });
    expect(a.socket.versions()).toEqual([3, 4, 5]);
  });

  it('S3 catch-up: a snapshot when lastVersion is null, ahead of the script, or too far behind', async () => {
    const store = new MemoryStore([LX]);
    for (let i = 0; i < 60; i++) store.commit({ kind: 'create', element: cue() });
    const { room } = makeRoom(store, { maxCatchUpChanges: 50 });
    for (const last of [null, 61, 5]) {
      const a = member(sm());
      await room.join(a.m, last, welcome('sm'));
      const types = a.socket.messages().map((m) => m.type);
      expect(types, `lastVersion ${last}`).toEqual(['welcome', 'snapshot']);
      expect(a.socket.of('snapshot')[0]!.version).toBe(60);
      expect(a.socket.of('snapshot')[0]!.elements).toHaveLength(60);
    }
    const near = member(sm());
    await room.join(near.m, 20, welcome('sm'));
    expect(near.socket.versions()).toEqual(range(21, 60));
  });

  describe("S3 heavy catch-up: the smaller of the changes and the view's snapshot", () => {
    const big = (i: number) => `${i} `.padEnd(4_000, 'x');
    /** Ten LX cues and ten sound cues, then `edits` rewrites of LX notes (4 KB each). */
    function heavyScript(edits: number, dept = LX) {
      const store = new MemoryStore([LX, SND]);
      const lx = Array.from({ length: 10 }, () => cue({ departmentId: LX }));
      const snd = Array.from({ length: 10 }, () => cue({ departmentId: SND }));
      for (const el of [...lx, ...snd]) store.commit({ kind: 'create', element: el });
      const edited = dept === LX ? lx : snd;
      for (let i = 0; i < edits; i++)
        store.commit({ kind: 'update', id: edited[i % 10]!.id, fields: { notes: big(i) } });
      const { room } = makeRoom(store, { maxCatchUpChanges: 500 });
      return { store, room, lx, snd };
    }

    it('crew 300 large edits behind: their snapshot, then the live stream', async () => {
      const { store, room, lx } = heavyScript(300);
      const c = member(crew([LX]));
      await room.join(c.m, 20, welcome('crew'));
      expect(c.socket.messages().map((m) => m.type)).toEqual(['welcome', 'snapshot']);
      const snap = c.socket.of('snapshot')[0]!;
      expect(snap.version).toBe(320);
      expect(snap.elements).toHaveLength(10);
      expect(snap.elements.find((e) => e.id === lx[9]!.id)?.notes).toBe(big(299));
      room.receive(store.commit({ kind: 'update', id: lx[0]!.id, fields: { notes: 'live' } }));
      expect(c.socket.versions()).toEqual([321]);
    });

    it('an SM device too: its snapshot, after the acks it was given with the welcome', async () => {
      const { room, store } = heavyScript(300);
      const a = member(sm());
      const e = store.log[25]!;
      const ack = { type: 'ack' as const, opId: e.opId!, version: e.version, prev: e.prev, duplicate: true };
      await room.join(a.m, 20, welcome('sm'), [ack]);
      expect(a.socket.messages().map((m) => m.type)).toEqual(['welcome', 'ack', 'snapshot']);
      expect(a.socket.of('snapshot')[0]!.version).toBe(320);
    });

    it('crew whose departments were not edited get the (small) changes', async () => {
      const { room } = heavyScript(300, SND);
      const c = member(crew([LX]));
      await room.join(c.m, 20, welcome('crew'));
      expect(c.socket.messages().map((m) => m.type)).toEqual(['welcome', 'changes']);
      expect(c.socket.versions()).toEqual(range(21, 320));
    });

    it('changes under 256 KiB go as changes, however small the snapshot', async () => {
      const { room } = heavyScript(50);
      const c = member(crew([LX]));
      await room.join(c.m, 20, welcome('crew'));
      expect(c.socket.messages().map((m) => m.type)).toEqual(['welcome', 'changes']);
      expect(c.socket.versions()).toEqual(range(21, 70));
    });

    it('heavy changes smaller than the snapshot go as changes', async () => {
      const store = new MemoryStore([LX]);
      const els = Array.from({ length: 400 }, (_, i) => cue({ departmentId: LX, notes: big(i) }));
      for (const el of els) store.commit({ kind: 'create', element: el });
      for (let i = 0; i < 100; i++) store.commit({ kind: 'update', id: els[i]!.id, fields: { notes: big(i + 1) } });
      const { room } = makeRoom(store, { maxCatchUpChanges: 500 });
      const c = member(crew([LX]));
      await room.join(c.m, 400, welcome('crew'));
      expect(c.socket.messages().map((m) => m.type)).toEqual(['welcome', 'changes']);
      expect(c.socket.versions()).toEqual(range(401, 500));
    });

    it('versions committed while the snapshot is weighed are sent once, in order', async () => {
      const { store, room, lx } = heavyScript(300);
      room.receive(store.commit({ kind: 'update', id: lx[0]!.id, fields: { notes: 'a' } })); // the room is live at 321
      const gate = new Gate();
      store.snapshotGate = gate;
      const c = member(crew([LX]));
      const joined = room.join(c.m, 20, welcome('crew'));
      await vi.waitFor(() => expect(store.reads.snapshots).toBe(1));
      // While the snapshot read is held, two more versions go live.
      room.receive(store.commit({ kind: 'update', id: lx[1]!.id, fields: { notes: 'b' } }));
      room.receive(store.commit({ kind: 'update', id: lx[2]!.id, fields: { notes: 'c' } }));
      gate.open();
      await joined;
      const snap = c.socket.of('snapshot')[0]!;
      const after = c.socket.versions();
      expect([snap.version, ...after]).toEqual(range(snap.version, 323));
      room.receive(store.commit({ kind: 'update', id: lx[3]!.id, fields: { notes: 'd' } }));
      expect(c.socket.versions().at(-1)).toBe(324);
    });
  });

  it('S4 live versions that land during a catch-up read are held back and sent once, in order', async () => {
    const store = new MemoryStore([LX]);
    for (let i = 0; i < 5; i++) store.commit({ kind: 'create', element: cue() });
    const { room } = makeRoom(store);
    const live = member(sm());
    await room.join(live.m, 5, welcome('sm'));
    // A second socket's catch-up read takes its result (up to 5) and is held back…
    store.changesGate = new Gate();
    const late = member(sm());
    const joining = room.join(late.m, 2, welcome('sm'));
    await vi.waitFor(() => expect(store.reads.changes).toBeGreaterThan(1));
    // …while versions 6 and 7 go live.
    for (let i = 0; i < 2; i++) room.receive(store.commit({ kind: 'create', element: cue() }));
    expect(late.socket.sent).toHaveLength(0);
    store.changesGate.open();
    await joining;
    room.receive(store.commit({ kind: 'create', element: cue() }));
    expect(late.socket.versions()).toEqual([3, 4, 5, 6, 7, 8]);
    expect(late.socket.of('welcome')[0]!.version).toBe(7);
    expect(live.socket.versions()).toEqual([6, 7, 8]);
  });

  it('S9 concurrent catch-ups from one version share one read and one encoding', async () => {
    const store = new MemoryStore([LX]);
    for (let i = 0; i < 10; i++) store.commit({ kind: 'create', element: cue({ departmentId: LX }) });
    const { room } = makeRoom(store);
    await room.ready;
    store.changesGate = new Gate();
    const members = Array.from({ length: 50 }, () => member(crew([LX])));
    const joins = members.map((x) => room.join(x.m, 3, welcome('crew')));
    await vi.waitFor(() => expect(store.reads.changes).toBe(1));
    store.changesGate.open();
    await Promise.all(joins);
    expect(store.reads.changes).toBe(1);
    const changes = members.map((x) => x.socket.sent[1]!);
    expect(new Set(changes).size).toBe(1);
    for (const x of members) expect(x.socket.versions()).toEqual(range(4, 10));
  });

  it('S9 concurrent snapshot requests share one snapshot read', async () => {
    const store = new MemoryStore([LX]);
    store.commit({ kind: 'create', element: cue() });
    const { room } = makeRoom(store);
    await room.ready;
    store.snapshotGate = new Gate();
    const members = Array.from({ length: 20 }, () => member(sm()));
    const joins = members.map((x) => room.join(x.m, null, welcome('sm')));
    await vi.waitFor(() => expect(store.reads.snapshots).toBe(1));
    store.snapshotGate.open();
    await Promise.all(joins);
    expect(store.reads.snapshots).toBe(1);
    for (const x of members) expect(x.socket.of('snapshot')).toHaveLength(1);
  });

  it('S12 a broadcast is encoded once per view: every socket of a view gets the same bytes', async () => {
    const store = new MemoryStore([LX, SND]);
    const { room } = makeRoom(store);
    const sms = [member(sm('d1')), member(sm('d2'))];
    const lx = [member(crew([LX])), member(crew([LX]))];
    const snd = [member(crew([SND]))];
    for (const x of [...sms, ...lx, ...snd]) await room.join(x.m, 0, welcome(x.m.identity.role));
    room.receive(store.commit({ kind: 'create', element: cue({ departmentId: LX }) }));
    const last = (x: { socket: MemorySocket }) => x.socket.sent[x.socket.sent.length - 1]!;
    expect(last(sms[0]!)).toBe(last(sms[1]!));
    expect(last(lx[0]!)).toBe(last(lx[1]!));
    expect(new Set([last(sms[0]!), last(lx[0]!), last(snd[0]!)]).size).toBe(3);
  });

  it('S11 crew see only their cues; a cue moved out of or into their department arrives as delete/create', async () => {
    const store = new MemoryStore([LX, SND]);
    const el = cue({ departmentId: LX });
    const { room } = makeRoom(store);
    const lx = member(crew([LX]));
    const snd = member(crew([SND]));
    const full = member(sm());
    for (const x of [lx, snd, full]) await room.join(x.m, 0, welcome(x.m.identity.role));
    room.receive(store.commit({ kind: 'create', element: el }));
    room.receive(store.commit({ kind: 'update', id: el.id, fields: { departmentId: SND } }));
    room.receive(store.commit({ kind: 'update', id: el.id, fields: { notes: 'x' } }));
    // (The first `changes` of each is the empty catch-up from version 0.)
    const live = (x: { socket: MemorySocket }) => x.socket.of('changes').flatMap((m) => m.changes);
    const patches = (x: { socket: MemorySocket }) => live(x).map((c) => c.patch);
    expect(patches(lx)).toEqual([
      { upserts: [el], deletes: [] },
      { upserts: [], deletes: [el.id] },
      { upserts: [], deletes: [] }, // nothing visible changed: still sent, versions stay contiguous
    ]);
    expect(patches(snd).map((p) => [p.upserts.map((u) => u.id), p.deletes])).toEqual([
      [[], []],
      [[el.id], []],
      [[el.id], []],
    ]);
    expect(live(lx).map((c) => c.opId)).toEqual([null, null, null]);
    expect(live(full).every((c) => c.opId !== null)).toBe(true);
  });

  it('P9 a socket over its send-buffer cap is cut off with 1013; the others keep receiving', async () => {
    const store = new MemoryStore([LX]);
    const { room } = makeRoom(store, { maxBufferedBytes: 1000 });
    const slow = member(sm());
    const fine = member(sm());
    for (const x of [slow, fine]) await room.join(x.m, 0, welcome('sm'));
    slow.socket.bufferedAmount = 5000;
    room.receive(store.commit({ kind: 'create', element: cue() }));
    expect(slow.socket.closedWith?.code).toBe(1013);
    expect(room.members.has(slow.m)).toBe(false);
    room.receive(store.commit({ kind: 'create', element: cue() }));
    expect(fine.socket.versions()).toEqual([1, 2]);
  });

  it('S13 presence: the SM sees crew with names and devices; crew see only the SM part', async () => {
    const store = new MemoryStore([LX]);
    const { room } = makeRoom(store);
    const boss = member(sm('tablet'), 'tablet');
    const c = crew([LX], 'Sam');
    const phone = member(c, 'phone');
    const laptop = member(c, 'laptop');
    for (const x of [boss, phone, laptop]) await room.join(x.m, 0, welcome(x.m.identity.role));
    await vi.waitFor(() => {
      const p = boss.socket.of('presence').at(-1);
      expect(p?.crew?.[0]).toMatchObject({ name: 'Sam', devices: 2, departmentIds: [LX] });
      expect(p?.sm).toEqual({ connected: true, devices: 1 });
    });
    await vi.waitFor(() =>
      expect(phone.socket.of('presence').at(-1)).toEqual({ type: 'presence', sm: { connected: true, devices: 1 } }),
    );
    room.leave(boss.m);
    await vi.waitFor(() =>
      expect(laptop.socket.of('presence').at(-1)).toEqual({ type: 'presence', sm: { connected: false, devices: 0 } }),
    );
  });

  it('S12 broadcast of a non-versioned message: built and encoded once per view, skipped where build says so', async () => {
    const store = new MemoryStore([LX, SND]);
    const { room } = makeRoom(store);
    const sms = [member(sm('d1')), member(sm('d2'))];
    const lx = [member(crew([LX])), member(crew([LX]))];
    const snd = member(crew([SND]));
    for (const x of [...sms, ...lx, snd]) await room.join(x.m, 0, welcome(x.m.identity.role));
    const built: string[] = [];
    room.broadcast((view) => {
      built.push(viewKey(view));
      return viewKey(view) === `crew:${SND}` ? null : { type: 'presence', sm: { connected: true, devices: 9 } };
    });
    expect(built.sort()).toEqual(['crew:' + LX, 'crew:' + SND, 'full'].sort());
    const last = (x: { socket: MemorySocket }) => x.socket.sent.at(-1)!;
    expect(last(sms[0]!)).toBe(last(sms[1]!));
    expect(last(lx[0]!)).toBe(last(lx[1]!));
    expect(JSON.parse(String(last(lx[0]!).data))).toMatchObject({ sm: { devices: 9 } });
    expect(snd.socket.messages().some((m) => m.type === 'presence' && m.sm.devices === 9)).toBe(false);
  });
});
