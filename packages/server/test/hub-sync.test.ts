/** Sync over real sockets: ops, acks, broadcasts, filtering, catch-up. Rule ids: docs/SPEC.md. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

describe(`hub sync (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const open: Wire[] = [];
  const track = (w: Wire) => (open.push(w), w);

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
    for (const w of open) expect(w.invalid).toEqual([]);
  });

  it('S1 SM op: ack with prev, then the change reaches crew and the other SM device', async () => {
    const lx = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [lx] });
    const crew = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const a = track(await Wire.hello(s, scriptId, { cookie: sm.cookie }));
    const b = track(await Wire.hello(s, scriptId, { cookie: sm.cookie }));
    const c = track(await Wire.hello(s, scriptId, { token: crew.token }));
    for (const w of [a, b, c]) {
      const welcome = await w.next('welcome');
      expect(welcome.version).toBe(0);
      await w.next('snapshot');
    }
    const opId = a.op({ kind: 'update', id: lx.id, fields: { notes: 'go on the bow' } }, 0);
    const ack = await a.next('ack');
    expect(ack).toMatchObject({ opId, version: 1, duplicate: false });
    expect(ack.prev.elements[lx.id]?.notes).toBe('');
    for (const w of [a, b]) {
      const ch = await w.next('changes');
      expect(ch.changes).toHaveLength(1);
      expect(ch.changes[0]).toMatchObject({ version: 1, opId, actor: { kind: 'sm', name: sm.displayName } });
      expect(ch.changes[0]!.patch.upserts[0]!.notes).toBe('go on the bow');
    }
    const crewCh = await c.next('changes');
    expect(crewCh.changes[0]).toMatchObject({ version: 1, opId: null });
    expect(crewCh.changes[0]!.patch.upserts[0]!.notes).toBe('go on the bow');
  });
});
