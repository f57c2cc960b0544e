/**
 * The sync client's reactions to the real hub: a revoked link, a crew write, rights that change
 * under an open socket, conflict notices, a resync after a lost broadcast, ping.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Conflict } from '@cuebe/protocol';
import { cue, waitFor } from '@cuebe/client/testing';
import type { SyncEvents } from '@cuebe/client';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import {
  connect,
  databaseState,
  expectConverged,
  loggedOpIds,
  newScript,
  settle,
  stage,
  type ClientHandle,
  type Stage,
} from './client-setup';

describe(`sync client against the hub (${backend})`, () => {
  let s: TestServer;
  let st: Stage;
  const handles: ClientHandle[] = [];
  const open = (...args: Parameters<typeof connect>) => {
    const h = connect(...args);
    handles.push(h);
    return h;
  };
  const live = (h: ClientHandle) => waitFor(() => h.client.getSnapshot().status === 'live', 'live', 10_000);

  beforeAll(async () => {
    s = await startServer();
    st = await stage(s);
  });
  afterAll(async () => {
    for (const h of handles) h.client.close();
    await s?.close();
  });

  it('P6 a revoked link closes the crew client for good, with the reason, and it does not reconnect', async () => {
    const scriptId = await newScript(st);
    const extra = await st.sm.post(`/api/shows/${st.showId}/crew`, { name: 'Temp', departmentIds: [st.LX] });
    const token = String(extra.body.crew.link).split('#')[1]!;
    const crew = open(() => s, scriptId, { token, view: st.crew.LX.view });
    await live(crew);
    const statuses: SyncEvents['status'][] = [];
    crew.client.on('status', (e) => statuses.push(e));
    const revoked = await st.sm.post(`/api/crew/${extra.body.crew.id}/revoke`);
    expect(revoked.status).toBe(200);
    await waitFor(() => crew.client.getSnapshot().status === 'closed', 'closed', 2_000);
    expect(crew.client.getSnapshot().closeReason).toEqual({ code: 1008, reason: 'revoked' });
    expect(statuses).toEqual([{ status: 'closed', closeReason: { code: 1008, reason: 'revoked' } }]);
    expect(crew.sockets).toHaveLength(1);
  });

  it('S15 department changes reach every open client of the show at once; a new one is usable without a reload', async () => {
    const scriptId = await newScript(st);
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    const crew = open(() => s, scriptId, st.crew.LX);
    const elsewhere = await stage(s); // another SM's show
    const otherScript = await newScript(elsewhere);
    const other = open(() => s, otherScript, { cookie: elsewhere.sm.cookie });
    await Promise.all([live(sm), live(crew), live(other)]);
    const otherBefore = other.client.getSnapshot().departments;

    const made = await st.sm.post(`/api/shows/${st.showId}/departments`, {
      name: 'Flys',
      initials: 'FLY',
      colour: '#aa00ff',
    });
    expect(made.status).toBe(201);
    const fly: string = made.body.department.id;
    const has = (h: ClientHandle, colour: string) =>
      h.client.getSnapshot().departments.some((d) => d.id === fly && d.colour === colour);
    await waitFor(() => has(sm, '#aa00ff') && has(crew, '#aa00ff'), 'the new department on both clients', 2_000);

    // The SM's client applies ops with the show's department rule: the new one passes at once.
    const el = cue({ name: 'Fly out the moon', departmentId: fly });
    sm.client.submit({ kind: 'create', element: el });
    await settle(s, scriptId, [sm]);
    expect((await databaseState(s, scriptId)).elements.find((e) => e.id === el.id)?.departmentId).toBe(fly);

    expect((await st.sm.patch(`/api/departments/${fly}`, { colour: '#00aa55' })).status).toBe(200);
    await waitFor(() => has(sm, '#00aa55') && has(crew, '#00aa55'), 'the new colour on both clients', 2_000);
    expect(other.client.getSnapshot().departments).toEqual(otherBefore);
  });

  it('P5 a crew edit is refused by the server and dropped with FORBIDDEN; the view goes back', async () => {
    const scriptId = await newScript(st);
    const crew = open(() => s, scriptId, st.crew.LX);
    await live(crew);
    const dropped: SyncEvents['dropped'][] = [];
    crew.client.on('dropped', (e) => dropped.push(e));
    const el = cue({ name: 'sneaky', departmentId: st.LX });
    const opId = crew.client.submit({ kind: 'create', element: el });
    expect(crew.client.getSnapshot().elements.has(el.id)).toBe(true);
    await waitFor(() => dropped.length === 1, 'dropped');
    expect(dropped[0]).toMatchObject({ opId, code: 'FORBIDDEN' });
    expect(crew.client.getSnapshot().elements.has(el.id)).toBe(false);
    expect((await databaseState(s, scriptId)).elements.some((e) => e.id === el.id)).toBe(false);
  });

  it('P6 when a link’s departments change, the client reconnects at once and shows the new view', async () => {
    const scriptId = await newScript(st);
    const extra = await st.sm.post(`/api/shows/${st.showId}/crew`, { name: 'Mover', departmentIds: [st.LX] });
    const token = String(extra.body.crew.link).split('#')[1]!;
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    await live(sm);
    const lxCue = cue({ name: 'LX 1', departmentId: st.LX });
    const sndCue = cue({ name: 'SND 1', departmentId: st.SND, orderKey: 'a1' });
    sm.client.submit({
      kind: 'batch',
      ops: [
        { kind: 'create', element: lxCue },
        { kind: 'create', element: sndCue },
      ],
    });
    await settle(s, scriptId, [sm]);
    const crew = open(() => s, scriptId, { token, view: st.crew.SND.view });
    await live(crew);
    expect(crew.client.getSnapshot().elements.has(lxCue.id)).toBe(true);
    const patched = await st.sm.patch(`/api/crew/${extra.body.crew.id}`, { departmentIds: [st.SND] });
    expect(patched.status).toBe(200);
    await waitFor(() => crew.client.getSnapshot().elements.has(sndCue.id), 'SND cue arrives', 5_000);
    expect(crew.client.getSnapshot().elements.has(lxCue.id)).toBe(false);
    expect(crew.sockets).toHaveLength(2);
    expect(crew.client.getSnapshot().status).toBe('live');
    expectConverged(await settle(s, scriptId, [sm, crew]), [sm, crew]);
  });

  it('S8 an edit made offline on a field someone changed meanwhile: both editors hear of the conflict', async () => {
    const scriptId = await newScript(st);
    let offline = false;
    const server = () => {
      if (offline) throw new Error('no network');
      return s;
    };
    const a = open(() => s, scriptId, { cookie: st.sm.cookie });
    const b = open(server, scriptId, { cookie: st.sm.cookie });
    await Promise.all([live(a), live(b)]);
    const el = cue({ name: 'LX 5', departmentId: st.LX });
    a.client.submit({ kind: 'create', element: el });
    await settle(s, scriptId, [a, b]);
    const conflicts: { who: string; c: Conflict }[] = [];
    a.client.on('conflict', (c) => conflicts.push({ who: 'a', c }));
    b.client.on('conflict', (c) => conflicts.push({ who: 'b', c }));

    offline = true;
    b.sockets.at(-1)!.kill();
    await waitFor(() => b.client.getSnapshot().status !== 'live', 'b offline');
    b.client.submit({ kind: 'update', id: el.id, fields: { notes: 'from b' } });
    a.client.submit({ kind: 'update', id: el.id, fields: { notes: 'from a' } });
    await settle(s, scriptId, [a]);
    offline = false;

    const db = await settle(s, scriptId, [a, b]);
    // Server order: b's write came last and wins; b rebased its edit on a's and kept it.
    expect(db.elements.find((e) => e.id === el.id)!.notes).toBe('from b');
    expectConverged(db, [a, b]);
    await waitFor(() => conflicts.length === 2, 'both notices');
    const byWho = Object.fromEntries(conflicts.map((x) => [x.who, x.c]));
    expect(byWho.b).toMatchObject({ elementId: el.id, field: 'notes', yoursWon: true });
    expect(byWho.a).toMatchObject({ elementId: el.id, field: 'notes', yoursWon: false });
  });

  it('S3 an op committed while its ack was lost is acked before the snapshot: never shown applied twice', async () => {
    const hub = hubOf(s.app);
    const before = hub.options.maxCatchUpChanges;
    try {
      // Rooms take it when made: a few versions behind is far enough for a snapshot.
      hub.options.maxCatchUpChanges = 2;
      const scriptId = await newScript(st);
      const a = open(() => s, scriptId, { cookie: st.sm.cookie });
      const b = open(() => s, scriptId, { cookie: st.sm.cookie });
      await Promise.all([live(a), live(b)]);
      const el = cue({ name: 'LX 9', departmentId: st.LX, offsetMs: 10_000 });
      a.client.submit({ kind: 'create', element: el });
      await settle(s, scriptId, [a, b]);
      // a's network goes dead one way: what the server sends it is lost, its ack included.
      let deaf = true;
      const first = a.sockets.at(-1)!;
      const hear = first.onmessage!;
      first.onmessage = (ev) => {
        if (!deaf) hear(ev);
      };
      const opId = a.client.submit({ kind: 'shift', ids: [el.id], deltaMs: 500 });
      await vi.waitFor(async () => expect(await loggedOpIds(s, scriptId)).toContain(opId), { timeout: 5_000 });
      // b edits meanwhile: a comes back too far behind for changes, and past any snapshot
      // read for its first connection (one a few versions old is reused, followed by changes).
      for (let i = 0; i < 20; i++) b.client.submit({ kind: 'update', id: el.id, fields: { notes: `b${i}` } });
      await settle(s, scriptId, [b]);
      const seen: number[] = [];
      a.client.subscribe(() => {
        const e = a.client.getSnapshot().elements.get(el.id);
        if (e) seen.push(e.offsetMs);
      });
      deaf = false;
      first.kill();
      const db = await settle(s, scriptId, [a, b]);
      expect(db.elements.find((e) => e.id === el.id)!.offsetMs).toBe(10_500);
      expectConverged(db, [a, b]);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((o) => o !== 10_500)).toEqual([]);
    } finally {
      hub.options.maxCatchUpChanges = before;
    }
  });

  it('C2 C6 a burst of 250 edits: none refused, every one committed once, in order', async () => {
    const scriptId = await newScript(st);
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    await live(sm);
    const sock = sm.sockets[0]!;
    const handler = sock.onmessage!;
    let refused = 0;
    sock.onmessage = (ev) => {
      if (String(ev.data).includes('"type":"error"')) refused++;
      handler(ev);
    };
    const made: string[] = [];
    for (let i = 0; i < 250; i++)
      made.push(sm.client.submit({ kind: 'create', element: cue({ name: `Q ${i}`, departmentId: st.LX }) }));
    await settle(s, scriptId, [sm], 20_000);
    expect(refused).toBe(0);
    expect(sm.sockets).toHaveLength(1);
    expect((await loggedOpIds(s, scriptId)).filter((id) => id !== null && made.includes(id))).toEqual(made);
  }, 30_000);

  it('S13 presence: the SM client sees who watches, the crew client sees the SM', async () => {
    const scriptId = await newScript(st);
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    await live(sm);
    let offline = false;
    const server = () => {
      if (offline) throw new Error('no network');
      return s;
    };
    const crew = open(server, scriptId, st.crew.SND);
    await live(crew);
    await waitFor(
      () => sm.client.getSnapshot().presence?.crew?.some((c) => c.name === 'Kim SND' && c.devices === 1) === true,
      'crew in the SM presence',
    );
    await waitFor(() => crew.client.getSnapshot().presence?.sm.connected === true, 'SM in the crew presence');
    expect(crew.client.getSnapshot().presence?.crew).toBeUndefined();
    // Cut off, the crew client no longer claims to know whether the SM is there; back, it knows.
    offline = true;
    crew.sockets.at(-1)!.kill();
    await waitFor(() => crew.client.getSnapshot().status !== 'live', 'crew offline');
    expect(crew.client.getSnapshot().presence).toBeNull();
    offline = false;
    await live(crew);
    await waitFor(() => crew.client.getSnapshot().presence?.sm.connected === true, 'SM in the crew presence again');
    crew.client.close();
    await waitFor(() => sm.client.getSnapshot().presence?.crew?.length === 0, 'crew gone');
  });

  it('S14 ping answers with a round trip on the real server', async () => {
    const scriptId = await newScript(st);
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    await live(sm);
    const r = await sm.client.ping();
    expect(r.rtt).toBeGreaterThanOrEqual(0);
    expect(r.rtt).toBeLessThan(1_000);
    expect(r.t2).toBeGreaterThanOrEqual(r.t1);
  });
});
