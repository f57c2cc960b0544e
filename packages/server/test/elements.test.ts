import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elements } from '../src/db/schema';
import type { FanoutMessage } from '../src/hub/fanout';
import { backend, startServer, type TestServer } from './harness';
import { api, crewApi, element, tokenOf, type SmClient } from './http';

describe(`elements (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  let lx: string;
  let scriptId: string;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
    const { body } = await sm.post('/api/shows', { name: 'Elements' });
    showId = body.show.id;
    lx = body.departments[0].id;
    scriptId = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body.script.id;
  });
  afterAll(() => s.close());

  const version = async () => (await sm.get(`/api/scripts/${scriptId}`)).body.script.version as number;
  const stored = (id: string) => s.database.db.select().from(elements).where(eq(elements.id, id));

  it('creates, updates and deletes an element, each one committed op that fans out', async () => {
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    const v0 = await version();
    const cue = element({ name: 'LX 5', departmentId: lx, offsetMs: 60_000, location: 'Rig', priority: 'HIGH' });
    const made = await sm.post(`/api/scripts/${scriptId}/elements`, cue);
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ element: cue, version: v0 + 1 });

    const changed = await sm.patch(`/api/scripts/${scriptId}/elements/${cue.id}`, {
      notes: 'Slow fade',
      offsetMs: 61_000,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ element: { ...cue, notes: 'Slow fade', offsetMs: 61_000 }, version: v0 + 2 });

    const gone = await sm.del(`/api/scripts/${scriptId}/elements/${cue.id}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toEqual({ version: v0 + 3 });
    off();
    expect(await stored(cue.id)).toHaveLength(0);
    const entries = seen.flatMap((m) => (m.type === 'entry' ? [m.entry] : []));
    expect(entries.map((e) => [e.version, e.kind])).toEqual([
      [v0 + 1, 'create'],
      [v0 + 2, 'update'],
      [v0 + 3, 'delete'],
    ]);
    expect(entries[1]!.actor).toMatchObject({ kind: 'sm', name: 'Test SM', id: sm.user.id });
  });

  it('answers a group member change with the group’s recomputed timing', async () => {
    const group = element({ type: 'GROUP', name: 'Storm', orderKey: 'a1' });
    const cue = element({ name: 'LX 4', parentId: group.id, offsetMs: 10_000, durationMs: 5_000 });
    await sm.post(`/api/scripts/${scriptId}/elements`, group);
    await sm.post(`/api/scripts/${scriptId}/elements`, cue);
    const res = await sm.patch(`/api/scripts/${scriptId}/elements/${group.id}`, { name: 'The storm' });
    expect(res.body.element).toMatchObject({ name: 'The storm', offsetMs: 10_000, durationMs: 5_000 });
  });

  it.each([
    [{ name: undefined }, 'name'],
    [{ name: '' }, 'name'],
    [{ offsetMs: '10s' }, 'offsetMs'],
    [{ offsetMs: 49 * 3600 * 1000 }, 'offsetMs'],
    [{ notes: 'n'.repeat(4001) }, 'notes'],
    [{ type: 'LIGHT' }, 'type'],
    [{ id: 'temp-1' }, 'id'],
    [{ colour: 'red' }, 'colour'],
    [{ orderKey: 'a 0' }, 'orderKey'],
    [{ extra: 1 }, 'extra'],
  ])('bad element %j → 400 naming %s, nothing written', async (override, field) => {
    const before = await version();
    const body: Record<string, unknown> = { ...element(), ...override };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const res = await sm.post(`/api/scripts/${scriptId}/elements`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_MESSAGE', field });
    expect(await version()).toBe(before);
  });

  it('refuses a bad patch (empty, wrong type, unknown field) without a new version', async () => {
    const cue = element({ name: 'SND 1' });
    await sm.post(`/api/scripts/${scriptId}/elements`, cue);
    const before = await version();
    for (const [body, field] of [
      [{ priority: 'URGENT' }, 'priority'],
      [{ durationMs: -1 }, 'durationMs'],
      [{ parentId: null }, 'parentId'],
    ] as const) {
      const res = await sm.patch(`/api/scripts/${scriptId}/elements/${cue.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await sm.patch(`/api/scripts/${scriptId}/elements/${cue.id}`, {})).status).toBe(400);
    expect(await version()).toBe(before);
    expect((await stored(cue.id))[0]!.name).toBe('SND 1');
  });

  it('refuses rule-breaking ops with BAD_OP: unknown element, foreign department, id of another script', async () => {
    const before = await version();
    const missing = await sm.patch(`/api/scripts/${scriptId}/elements/${element().id}`, { notes: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('BAD_OP');
    const theirs = (await other.post('/api/shows', { name: 'Other' })).body;
    const foreign = await sm.post(
      `/api/scripts/${scriptId}/elements`,
      element({ departmentId: theirs.departments[0].id }),
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('BAD_OP');
    const otherScript = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Other book' })).body;
    const taken = otherScript.elements[0].id;
    const reused = await sm.post(`/api/scripts/${scriptId}/elements`, element({ id: taken }));
    expect(reused.status).toBe(400);
    expect(await version()).toBe(before);
  });

  it('hides another owner’s script (404) and refuses crew tokens', async () => {
    const cue = element({ name: 'FLY 1' });
    await sm.post(`/api/scripts/${scriptId}/elements`, cue);
    const before = await version();
    expect((await other.post(`/api/scripts/${scriptId}/elements`, element())).status).toBe(404);
    expect((await other.patch(`/api/scripts/${scriptId}/elements/${cue.id}`, { name: 'Mine' })).status).toBe(404);
    expect((await other.del(`/api/scripts/${scriptId}/elements/${cue.id}`)).status).toBe(404);
    const link = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Flo', allDepartments: true })).body.crew.link;
    const crew = crewApi(s, tokenOf(link));
    expect([401, 403]).toContain((await crew.post(`/api/scripts/${scriptId}/elements`, element())).status);
    expect([401, 403]).toContain(
      (await crew.patch(`/api/scripts/${scriptId}/elements/${cue.id}`, { name: 'Crew' })).status,
    );
    expect([401, 403]).toContain((await crew.del(`/api/scripts/${scriptId}/elements/${cue.id}`)).status);
    expect(await version()).toBe(before);
    expect((await stored(cue.id))[0]!.name).toBe('FLY 1');
  });
});
