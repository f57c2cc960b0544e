import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDED_DEPARTMENT_COLOURS, DEFAULT_DEPARTMENT_COLOURS } from '@cuebe/protocol';
import { departments } from '../src/db/schema';
import { backend, startServer, type TestServer } from './harness';
import { api, crewApi, element, tokenOf, type SmClient } from './http';

describe(`departments (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
    showId = (await sm.post('/api/shows', { name: 'Depts', defaultDepartments: false })).body.show.id;
  });
  afterAll(() => s.close());

  it('creates, lists, updates and deletes a department', async () => {
    const made = await sm.post(`/api/shows/${showId}/departments`, {
      name: 'Pyrotechnics',
      initials: 'PYRO',
      colour: '#ff6600',
    });
    expect(made.status).toBe(201);
    expect(made.body.department).toMatchObject({ showId, name: 'Pyrotechnics', initials: 'PYRO', colour: '#ff6600' });
    const id = made.body.department.id;
    const list = await sm.get(`/api/shows/${showId}/departments`);
    expect(list.body.departments.map((d: { id: string }) => d.id)).toContain(id);
    const changed = await sm.patch(`/api/departments/${id}`, { colour: '#aa3300', name: 'Pyro' });
    expect(changed.status).toBe(200);
    expect(changed.body.department).toMatchObject({ name: 'Pyro', colour: '#aa3300', initials: 'PYRO' });
    expect((await sm.del(`/api/departments/${id}`)).status).toBe(204);
    const after = await sm.get(`/api/shows/${showId}/departments`);
    expect(after.body.departments.map((d: { id: string }) => d.id)).not.toContain(id);
  });

  it('D1 a department added without a colour gets the next free one, in order, distinct from the defaults', async () => {
    const show = (await sm.post('/api/shows', { name: 'Colours' })).body.show.id;
    const add = (initials: string, colour?: string) =>
      sm.post(`/api/shows/${show}/departments`, { name: initials, initials, ...(colour ? { colour } : {}) });
    const got: string[] = [];
    for (const initials of ['PROPS', 'AUTO', 'WARD']) got.push((await add(initials)).body.department.colour);
    // A colour given is kept; the palette skips a colour already in use.
    expect((await add('PYRO', ADDED_DEPARTMENT_COLOURS[3])).body.department.colour).toBe(ADDED_DEPARTMENT_COLOURS[3]);
    for (const initials of ['WIGS', 'BAND', 'SFX']) got.push((await add(initials)).body.department.colour);
    expect(got).toEqual([0, 1, 2, 4, 5, 6].map((i) => ADDED_DEPARTMENT_COLOURS[i]));
    const all = (await sm.get(`/api/shows/${show}/departments`)).body.departments.map(
      (d: { colour: string }) => d.colour,
    );
    expect(all.slice(0, 6)).toEqual(Object.values(DEFAULT_DEPARTMENT_COLOURS));
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps initials unique within a show (409 naming initials)', async () => {
    await sm.post(`/api/shows/${showId}/departments`, { name: 'Automation', initials: 'AUTO', colour: '#123456' });
    const clash = await sm.post(`/api/shows/${showId}/departments`, {
      name: 'Auto 2',
      initials: 'auto',
      colour: '#123456',
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error.field).toBe('initials');
  });

  it('refuses to delete a department that elements or crew links still use (409)', async () => {
    const dept = (
      await sm.post(`/api/shows/${showId}/departments`, { name: 'Sound', initials: 'SND', colour: '#2f80ed' })
    ).body.department;
    const script = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body.script;
    const cue = element({ name: 'SND 1', departmentId: dept.id });
    await sm.post(`/api/scripts/${script.id}/elements`, cue);
    const used = await sm.del(`/api/departments/${dept.id}`);
    expect(used.status).toBe(409);
    expect(used.body.error.code).toBe('CONFLICT');
    await sm.del(`/api/scripts/${script.id}/elements/${cue.id}`);
    const member = await sm.post(`/api/shows/${showId}/crew`, { name: 'Ed', departmentIds: [dept.id] });
    expect((await sm.del(`/api/departments/${dept.id}`)).status).toBe(409);
    await sm.del(`/api/crew/${member.body.crew.id}`);
    expect((await sm.del(`/api/departments/${dept.id}`)).status).toBe(204);
  });

  it.each([
    [{ initials: 'LX', colour: '#ffffff' }, 'name'],
    [{ name: 'Lighting', initials: 'TOOLONG', colour: '#ffffff' }, 'initials'],
    [{ name: 'Lighting', initials: 'L X', colour: '#ffffff' }, 'initials'],
    [{ name: 'Lighting', initials: 'LX', colour: 'yellow' }, 'colour'],
    [{ name: 'Lighting', initials: 'LX', colour: '#ffffff', showId: '00000000-0000-4000-8000-000000000000' }, 'showId'],
  ])('bad department %# → 400 naming %s, nothing written', async (body, field) => {
    const before = await s.database.db.select().from(departments);
    const res = await sm.post(`/api/shows/${showId}/departments`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(await s.database.db.select().from(departments)).toHaveLength(before.length);
  });

  it('hides another owner’s departments (404) and refuses crew tokens', async () => {
    const theirs = (await other.post('/api/shows', { name: 'Theirs' })).body;
    const dept = theirs.departments[0];
    expect((await sm.get(`/api/shows/${theirs.show.id}/departments`)).status).toBe(404);
    expect(
      (await sm.post(`/api/shows/${theirs.show.id}/departments`, { name: 'X', initials: 'X', colour: '#000000' }))
        .status,
    ).toBe(404);
    expect((await sm.patch(`/api/departments/${dept.id}`, { name: 'Hacked' })).status).toBe(404);
    expect((await sm.del(`/api/departments/${dept.id}`)).status).toBe(404);
    const link = (await other.post(`/api/shows/${theirs.show.id}/crew`, { name: 'C', allDepartments: true })).body.crew
      .link;
    const crew = crewApi(s, tokenOf(link));
    expect([401, 403]).toContain((await crew.patch(`/api/departments/${dept.id}`, { name: 'Hacked' })).status);
    expect([401, 403]).toContain((await crew.del(`/api/departments/${dept.id}`)).status);
    const still = (await other.get(`/api/shows/${theirs.show.id}/departments`)).body.departments;
    expect(still.find((d: { id: string }) => d.id === dept.id).name).toBe(dept.name);
  });
});
