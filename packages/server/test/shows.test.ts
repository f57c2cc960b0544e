import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shows } from '../src/db/schema';
import type { FanoutMessage } from '../src/hub/fanout';
import { backend, startServer, type TestServer } from './harness';
import { api, client, crewApi, tokenOf, type SmClient } from './http';

describe(`shows (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
  });
  afterAll(() => s.close());

  it('creates a show with the usual departments in distinct colours', async () => {
    const res = await sm.post('/api/shows', { name: 'Twelfth Night', venue: 'The Globe' });
    expect(res.status).toBe(201);
    expect(res.body.show).toMatchObject({ name: 'Twelfth Night', venue: 'The Globe', notes: '', endsAt: null });
    const initials = res.body.departments.map((d: { initials: string }) => d.initials);
    expect(initials).toEqual(['LX', 'SND', 'FLY', 'DECK', 'VID', 'SM']);
    const colours = new Set(res.body.departments.map((d: { colour: string }) => d.colour));
    expect(colours.size).toBe(6);
  });

  it('can create a show without departments', async () => {
    const res = await sm.post('/api/shows', { name: 'Bare', defaultDepartments: false });
    expect(res.status).toBe(201);
    expect(res.body.departments).toEqual([]);
  });

  it('lists only the owner’s shows, newest first', async () => {
    const a = await sm.post('/api/shows', { name: 'Older' });
    const b = await sm.post('/api/shows', { name: 'Newer' });
    await other.post('/api/shows', { name: 'Not yours' });
    const list = (await sm.get('/api/shows')).body.shows as { id: string; name: string }[];
    const ids = list.map((x) => x.id);
    expect(ids.indexOf(b.body.show.id)).toBeLessThan(ids.indexOf(a.body.show.id));
    expect(list.map((x) => x.name)).not.toContain('Not yours');
  });

  it('reads a show with its departments, scripts and crew (links included)', async () => {
    const { body } = await sm.post('/api/shows', { name: 'Macbeth', firstPerformanceAt: '2030-03-01T19:30:00+01:00' });
    const showId = body.show.id;
    expect(body.show.firstPerformanceAt).toBe('2030-03-01T18:30:00.000Z');
    await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' });
    await sm.post(`/api/shows/${showId}/crew`, { name: 'Ola', allDepartments: true });
    const res = await sm.get(`/api/shows/${showId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.show.id).toBe(showId);
    expect(res.body.departments).toHaveLength(6);
    expect(res.body.scripts.map((x: { name: string }) => x.name)).toEqual(['Book']);
    expect(res.body.crew[0]).toMatchObject({ name: 'Ola', status: 'active' });
    expect(res.body.crew[0].link).toMatch(/\/c#[A-Za-z0-9_-]{43}$/);
  });

  it('updates a show', async () => {
    const { body } = await sm.post('/api/shows', { name: 'Draft name' });
    const res = await sm.patch(`/api/shows/${body.show.id}`, {
      name: 'Final name',
      notes: 'Opening soon',
      endsAt: null,
    });
    expect(res.status).toBe(200);
    expect(res.body.show).toMatchObject({ name: 'Final name', notes: 'Opening soon', venue: '' });
    expect((await sm.get(`/api/shows/${body.show.id}`)).body.show.name).toBe('Final name');
  });

  it('deletes a show with everything in it and tells the fan-out to close its sockets', async () => {
    const { body } = await sm.post('/api/shows', { name: 'Doomed' });
    const showId = body.show.id;
    const script = await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book', shared: true });
    const member = await sm.post(`/api/shows/${showId}/crew`, { name: 'Kit', allDepartments: true });
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    const res = await sm.del(`/api/shows/${showId}`);
    off();
    expect(res.status).toBe(204);
    expect((await sm.get(`/api/shows/${showId}`)).status).toBe(404);
    expect((await sm.get(`/api/scripts/${script.body.script.id}`)).status).toBe(404);
    expect((await crewApi(s, tokenOf(member.body.crew.link)).get('/api/crew-access/me')).status).toBe(404);
    expect(seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'deleted', showId }));
    expect(seen).toContainEqual(
      expect.objectContaining({ type: 'access', reason: 'deleted', scriptId: script.body.script.id }),
    );
  });

  it('hides another owner’s show: read, change and delete are 404 and change nothing', async () => {
    const { body } = await other.post('/api/shows', { name: 'Private' });
    const id = body.show.id;
    expect((await sm.get(`/api/shows/${id}`)).status).toBe(404);
    expect((await sm.patch(`/api/shows/${id}`, { name: 'Mine now' })).status).toBe(404);
    expect((await sm.del(`/api/shows/${id}`)).status).toBe(404);
    expect((await sm.get(`/api/shows/${id}/departments`)).status).toBe(404);
    expect((await sm.get(`/api/shows/${id}/scripts`)).status).toBe(404);
    expect((await sm.get(`/api/shows/${id}/crew`)).status).toBe(404);
    expect((await sm.post(`/api/shows/${id}/scripts`, { name: 'Sneaky' })).status).toBe(404);
    const still = await other.get(`/api/shows/${id}`);
    expect(still.body.show.name).toBe('Private');
    expect(still.body.scripts).toHaveLength(0);
    // An id that does not exist at all answers exactly the same.
    const missing = await sm.get(`/api/shows/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual((await sm.get(`/api/shows/${id}`)).body);
  });

  it('requires a session', async () => {
    const anon = client(s, () => ({}));
    expect((await anon.get('/api/shows')).status).toBe(401);
    expect((await anon.post('/api/shows', { name: 'X' })).status).toBe(401);
  });

  it('refuses a crew token for every write', async () => {
    const { body } = await sm.post('/api/shows', { name: 'Crewed' });
    const member = await sm.post(`/api/shows/${body.show.id}/crew`, { name: 'Jo', allDepartments: true });
    const crew = crewApi(s, tokenOf(member.body.crew.link));
    for (const res of [
      await crew.post('/api/shows', { name: 'By crew' }),
      await crew.patch(`/api/shows/${body.show.id}`, { name: 'By crew' }),
      await crew.del(`/api/shows/${body.show.id}`),
      await crew.get(`/api/shows/${body.show.id}`),
    ]) {
      expect([401, 403]).toContain(res.status);
    }
    expect((await sm.get(`/api/shows/${body.show.id}`)).body.show.name).toBe('Crewed');
  });

  it.each([
    [{}, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'OK', venue: 7 }, 'venue'],
    [{ name: 'OK', firstPerformanceAt: 'next tuesday' }, 'firstPerformanceAt'],
    [{ name: 'OK', notes: 'n'.repeat(4001) }, 'notes'],
    [{ name: 'OK', owner: 'someone else' }, 'owner'],
  ])('bad show body %# → 400 naming %s, nothing written', async (body, field) => {
    const before = await s.database.db.select().from(shows);
    const res = await sm.post('/api/shows', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_MESSAGE', field });
    expect(res.body.error.message).toContain(field);
    expect(await s.database.db.select().from(shows)).toHaveLength(before.length);
  });

  it('refuses a bad update and a malformed id without changing anything', async () => {
    const { body } = await sm.post('/api/shows', { name: 'Steady' });
    const bad = await sm.patch(`/api/shows/${body.show.id}`, { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('name');
    const badId = await sm.get('/api/shows/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.error.field).toBe('showId');
    expect((await sm.get(`/api/shows/${body.show.id}`)).body.show.name).toBe('Steady');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await sm.post('/api/shows', { name: 'Big', notes: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('TOO_LARGE');
  });
});
