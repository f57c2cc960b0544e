import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crew } from '../src/db/schema';
import { backend, startServer, type TestServer } from './harness';
import { api, client, crewApi, element, tokenOf, type SmClient } from './http';

describe(`crew read API (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  let lx: string;
  let snd: string;
  let sharedId: string;
  let unsharedId: string;
  let lxLink: { id: string; link: string };
  let allLink: { id: string; link: string };
  const names = { lxCue: 'LX 5', sndCue: 'SND 3', note: 'Beginners call', group: 'Storm', noDeptCue: 'GO unassigned' };

  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
    const { body } = await sm.post('/api/shows', { name: 'The Tempest' });
    showId = body.show.id;
    [lx, snd] = body.departments.map((d: { id: string }) => d.id);
    sharedId = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Shared book', shared: true })).body.script.id;
    unsharedId = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Private notes' })).body.script.id;
    const group = element({ type: 'GROUP', name: names.group, orderKey: 'a0G' });
    for (const el of [
      group,
      element({ name: names.lxCue, departmentId: lx, parentId: group.id, offsetMs: 1000, notes: 'LX only' }),
      element({ name: names.sndCue, departmentId: snd, parentId: group.id, offsetMs: 2000, notes: 'SND secret' }),
      element({ type: 'NOTE', name: names.note, departmentId: snd, orderKey: 'a0H' }),
      element({ name: names.noDeptCue, orderKey: 'a0I' }),
    ])
      expect((await sm.post(`/api/scripts/${sharedId}/elements`, el)).status).toBe(201);
    lxLink = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Sam', role: 'LX op', departmentIds: [lx] })).body
      .crew;
    allLink = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Deputy SM', allDepartments: true })).body.crew;
  });
  afterAll(() => s.close());

  const asCrew = (link: { link: string }) => crewApi(s, tokenOf(link.link));

  it('tells a crew member who they are, their show, its departments and only its shared scripts', async () => {
    const res = await asCrew(lxLink).get('/api/crew-access/me');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.crew).toEqual({
      id: lxLink.id,
      name: 'Sam',
      role: 'LX op',
      allDepartments: false,
      departmentIds: [lx],
    });
    expect(res.body.show).toMatchObject({ id: showId, name: 'The Tempest' });
    expect(res.body.departments).toHaveLength(6);
    expect(res.body.scripts.map((x: { id: string }) => x.id)).toEqual([sharedId]);
    // Nothing about other crew members or secrets.
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('Deputy SM');
    expect(text).not.toContain(tokenOf(allLink.link));
    expect(text).not.toMatch(/tokenHash|ownerId|generation|email/);
  });

  it('shows a script filtered to the crew member’s departments, with notes and groups', async () => {
    const res = await asCrew(lxLink).get(`/api/crew-access/scripts/${sharedId}`);
    expect(res.status).toBe(200);
    const visible = (res.body.elements as { name: string }[]).map((e) => e.name);
    expect(visible).toEqual(expect.arrayContaining(['SHOW START', 'SHOW END', names.group, names.lxCue, names.note]));
    expect(visible).not.toContain(names.sndCue);
    expect(visible).not.toContain(names.noDeptCue);
    expect(JSON.stringify(res.body)).not.toContain('SND secret');
    expect(res.body.script).toMatchObject({ id: sharedId, shared: true });
  });

  it('shows everything to an all-departments link', async () => {
    const res = await asCrew(allLink).get(`/api/crew-access/scripts/${sharedId}`);
    const visible = (res.body.elements as { name: string }[]).map((e) => e.name);
    expect(visible).toEqual(expect.arrayContaining([names.lxCue, names.sndCue, names.noDeptCue]));
  });

  it('follows a department change at once', async () => {
    const c = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Swing', departmentIds: [lx] })).body.crew;
    await sm.patch(`/api/crew/${c.id}`, { departmentIds: [snd] });
    const res = await asCrew(c).get(`/api/crew-access/scripts/${sharedId}`);
    const visible = (res.body.elements as { name: string }[]).map((e) => e.name);
    expect(visible).toContain(names.sndCue);
    expect(visible).not.toContain(names.lxCue);
  });

  it('P4 answers unshared, other shows’ and unknown scripts alike: 404', async () => {
    const theirs = (await other.post('/api/shows', { name: 'Other show' })).body.show.id;
    const theirScript = (await other.post(`/api/shows/${theirs}/scripts`, { name: 'Theirs', shared: true })).body.script
      .id;
    const unshared = await asCrew(lxLink).get(`/api/crew-access/scripts/${unsharedId}`);
    const foreign = await asCrew(lxLink).get(`/api/crew-access/scripts/${theirScript}`);
    const unknown = await asCrew(lxLink).get('/api/crew-access/scripts/00000000-0000-4000-8000-000000000000');
    for (const res of [unshared, foreign, unknown]) expect(res.status).toBe(404);
    expect(unshared.body).toEqual(unknown.body);
    expect(foreign.body).toEqual(unknown.body);
    expect(JSON.stringify(foreign.body)).not.toContain('Theirs');
  });

  it('P4 stops showing a script once it is unshared', async () => {
    const id = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Soon private', shared: true })).body.script.id;
    expect((await asCrew(lxLink).get(`/api/crew-access/scripts/${id}`)).status).toBe(200);
    await sm.patch(`/api/scripts/${id}`, { shared: false });
    expect((await asCrew(lxLink).get(`/api/crew-access/scripts/${id}`)).status).toBe(404);
  });

  it('answers a missing token 401, a malformed or unknown one 404, each with a message', async () => {
    const none = await client(s, () => ({})).get('/api/crew-access/me');
    expect(none.status).toBe(401);
    expect(none.body.error.message).toMatch(/token/);
    const malformed = await crewApi(s, 'abc').get('/api/crew-access/me');
    expect(malformed.status).toBe(404);
    const unknown = await crewApi(s, 'A'.repeat(43)).get('/api/crew-access/me');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/not valid/);
  });

  it('answers an expired link 401 EXPIRED and a revoked one 403 REVOKED', async () => {
    const expiring = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Temp', departmentIds: [lx] })).body.crew;
    await s.database.db
      .update(crew)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(crew.id, expiring.id));
    const expired = await asCrew(expiring).get(`/api/crew-access/scripts/${sharedId}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatchObject({ code: 'EXPIRED' });
    expect(expired.body.error.message).toMatch(/expired/);
    expect(
      (await sm.get(`/api/shows/${showId}/crew`)).body.crew.find((x: { id: string }) => x.id === expiring.id),
    ).toMatchObject({ status: 'expired' });

    const revoking = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Gone', departmentIds: [lx] })).body.crew;
    await sm.post(`/api/crew/${revoking.id}/revoke`);
    const revoked = await asCrew(revoking).get(`/api/crew-access/scripts/${sharedId}`);
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.code).toBe('REVOKED');
  });

  it('P5 never lets a crew token write anything', async () => {
    const crewClient = asCrew(allLink);
    const before = (await sm.get(`/api/scripts/${sharedId}`)).body;
    for (const res of [
      await crewClient.post(`/api/scripts/${sharedId}/elements`, element()),
      await crewClient.patch(`/api/scripts/${sharedId}`, { name: 'Crew edit' }),
      await crewClient.post(`/api/scripts/${sharedId}/restore`, { version: 0 }),
      await crewClient.del(`/api/scripts/${sharedId}`),
      await crewClient.post('/api/shows', { name: 'Crew show' }),
      await crewClient.post(`/api/shows/${showId}/departments`, { name: 'X', initials: 'X', colour: '#000000' }),
    ]) {
      expect([401, 403]).toContain(res.status);
    }
    const after = (await sm.get(`/api/scripts/${sharedId}`)).body;
    expect(after.script.version).toBe(before.script.version);
    expect(after.elements).toEqual(before.elements);
  });
});
