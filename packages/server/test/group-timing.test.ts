/**
 * S17 A partial view's group timing comes from what that view may see: a group of sound cues
 * shows a lighting crew no offset or duration, in the snapshot, live changes, a catch-up, the
 * crew REST read and the sync client's own state.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@cuebe/protocol';
import { waitFor } from '@cuebe/client/testing';
import { backend, startServer, type TestServer } from './harness';
import { connect, databaseState, expectConverged, newScript, settle, stage, type Stage } from './client-setup';
import { crewApi, element } from './http';
import { Wire } from './hub-wire';

describe(`S17 group timing per view (${backend})`, () => {
  let s: TestServer;
  let st: Stage;
  beforeAll(async () => {
    s = await startServer();
    st = await stage(s);
  });
  afterAll(() => s?.close());

  const byId = (list: Element[], id: string) => list.find((e) => e.id === id)!;

  it('S17 a group of hidden cues carries no timing to crew; a mixed group only its visible cues’ — in every path', async () => {
    const scriptId = await newScript(st);
    const sndOnly = randomUUID();
    const mixed = randomUUID();
    const s1 = element({ name: 'SND 1', departmentId: st.SND, offsetMs: 60_000, durationMs: 5_000, orderKey: 'a0V' });
    const s2 = element({ name: 'SND 2', departmentId: st.SND, offsetMs: 90_000, orderKey: 'a0W' });
    const s3 = element({ name: 'SND 3', departmentId: st.SND, offsetMs: 10_000, durationMs: 400_000, orderKey: 'a0X' });
    const l1 = element({ name: 'LX 1', departmentId: st.LX, offsetMs: 200_000, durationMs: 3_000, orderKey: 'a0Y' });
    const made = await st.sm.post(`/api/scripts/${scriptId}/ops`, {
      opId: randomUUID(),
      baseVersion: 0,
      op: {
        kind: 'batch',
        ops: [
          ...[s1, s2, s3, l1].map((e) => ({ kind: 'create', element: e })),
          { kind: 'group', groupId: sndOnly, ids: [s1.id, s2.id], name: 'Storm sound' },
          { kind: 'group', groupId: mixed, ids: [s3.id, l1.id], name: 'Storm' },
        ],
      },
    });
    expect(made.status).toBe(200);
    const full = await databaseState(s, scriptId);
    // The SM sees the timing of everything.
    expect(byId(full.elements, sndOnly)).toMatchObject({ offsetMs: 60_000, durationMs: 30_000 });
    expect(byId(full.elements, mixed)).toMatchObject({ offsetMs: 10_000, durationMs: 400_000 });
    const lxTiming = (list: Element[]) => ({
      sndOnly: { offsetMs: byId(list, sndOnly).offsetMs, durationMs: byId(list, sndOnly).durationMs },
      mixed: { offsetMs: byId(list, mixed).offsetMs, durationMs: byId(list, mixed).durationMs },
    });
    const expected = { sndOnly: { offsetMs: 0, durationMs: null }, mixed: { offsetMs: 200_000, durationMs: 3_000 } };

    // Snapshot.
    const lx = await Wire.hello(s, scriptId, { token: st.crew.LX.token });
    const snap = await lx.next('snapshot');
    expect(lxTiming(snap.elements)).toEqual(expected);
    // REST (the crew page and its print read this).
    const rest = await crewApi(s, st.crew.LX.token).get(`/api/crew-access/scripts/${scriptId}`);
    expect(rest.status).toBe(200);
    expect(lxTiming(rest.body.elements)).toEqual(expected);

    // A sync client on the link keeps the derived timing as changes arrive.
    const crewClient = connect(() => s, scriptId, st.crew.LX);
    try {
      await waitFor(() => crewClient.client.getSnapshot().status === 'live', 'crew live', 10_000);
      // Live: moving a hidden cue changes the SM's group timing; the crew's patch has no timing in it.
      const shifted = await st.sm.post(`/api/scripts/${scriptId}/ops`, {
        opId: randomUUID(),
        baseVersion: 0,
        op: { kind: 'shift', ids: [s1.id, s3.id], deltaMs: -5_000 },
      });
      expect(shifted.status).toBe(200);
      const live = await lx.next('changes', (m) => m.changes.some((c) => c.version === shifted.body.version));
      for (const c of live.changes)
        for (const up of c.patch.upserts)
          if (up.type === 'GROUP')
            expect({ offsetMs: up.offsetMs, durationMs: up.durationMs }).toEqual(expected.sndOnly);
      // A visible cue moving changes what the crew derives.
      const moved = await st.sm.patch(`/api/scripts/${scriptId}/elements/${l1.id}`, { offsetMs: 250_000 });
      expect(moved.status).toBe(200);
      const db = await settle(s, scriptId, [crewClient], 10_000);
      expectConverged(db, [crewClient]);
      const mine = [...crewClient.client.getSnapshot().elements.values()];
      expect(lxTiming(mine)).toEqual({ ...expected, mixed: { offsetMs: 250_000, durationMs: 3_000 } });

      // Catch-up from before the changes: every group in it is untimed too.
      const back = await Wire.hello(s, scriptId, { token: st.crew.LX.token, lastVersion: snap.version });
      const caught = await back.next('changes');
      const groups = caught.changes.flatMap((c) => c.patch.upserts).filter((e) => e.type === 'GROUP');
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect({ offsetMs: g.offsetMs, durationMs: g.durationMs }).toEqual(expected.sndOnly);
      // The SND crew sees the sound timing it may see.
      const snd = await crewApi(s, st.crew.SND.token).get(`/api/crew-access/scripts/${scriptId}`);
      expect(byId(snd.body.elements, sndOnly)).toMatchObject({ offsetMs: 55_000, durationMs: 35_000 });
      expect(byId(snd.body.elements, mixed)).toMatchObject({ offsetMs: 5_000, durationMs: 400_000 });
      for (const w of [lx, back]) w.close();
    } finally {
      crewClient.client.close();
    }
  });
});
