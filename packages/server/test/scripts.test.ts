import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ops, playback, scripts } from '../src/db/schema';
import type { FanoutMessage } from '../src/hub/fanout';
import { createDemoScript, seedDemoIfEmpty } from '../src/seed/demo';
import { backend, startServer, type TestServer } from './harness';
import { api, client, crewApi, element, sessionCookie, tokenOf, type SmClient } from './http';

type El = {
  id: string;
  name: string;
  type: string;
  parentId: string | null;
  offsetMs: number;
  durationMs: number | null;
};

describe(`scripts (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  let lx: string;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
    const { body } = await sm.post('/api/shows', { name: 'The Tempest' });
    showId = body.show.id;
    lx = body.departments[0].id;
  });
  afterAll(() => s.close());

  const newScript = async (body: Record<string, unknown> = {}) =>
    (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book', ...body })).body;
  const watch = () => {
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    return { seen, off };
  };

  it('creates a script with SHOW START and SHOW END notes at version 0 and no history', async () => {
    const res = await sm.post(`/api/shows/${showId}/scripts`, { name: 'Prompt book' });
    expect(res.status).toBe(201);
    expect(res.body.script).toMatchObject({ name: 'Prompt book', status: 'DRAFT', shared: false, version: 0 });
    const els = res.body.elements as El[];
    expect(els.map((e) => [e.name, e.type, e.offsetMs])).toEqual([
      ['SHOW START', 'NOTE', 0],
      ['SHOW END', 'NOTE', 2 * 3600 * 1000],
    ]);
    const logged = await s.database.db.select().from(ops).where(eq(ops.scriptId, res.body.script.id));
    expect(logged).toHaveLength(0);
    const read = await sm.get(`/api/scripts/${res.body.script.id}`);
    expect(read.body.elements).toEqual(res.body.elements);
    expect(read.body.departments).toHaveLength(6);
  });

  it('puts SHOW END at the planned length when start and end are given', async () => {
    const { elements } = await newScript({
      plannedStart: '2030-01-01T19:30:00Z',
      plannedEnd: '2030-01-01T22:15:00Z',
    });
    expect((elements as El[]).find((e) => e.name === 'SHOW END')!.offsetMs).toBe(165 * 60 * 1000);
  });

  it('lists a show’s scripts', async () => {
    const a = await newScript({ name: 'Listed' });
    const list = await sm.get(`/api/shows/${showId}/scripts`);
    expect(list.status).toBe(200);
    expect(list.body.scripts.map((x: { id: string }) => x.id)).toContain(a.script.id);
  });

  it('commits info changes as a scriptInfo op that sockets see, and changes `shared` directly', async () => {
    const { script } = await newScript();
    const w = watch();
    const res = await sm.patch(`/api/scripts/${script.id}`, { name: 'Renamed', status: 'FINAL', shared: true });
    w.off();
    expect(res.status).toBe(200);
    expect(res.body.script).toMatchObject({ name: 'Renamed', status: 'FINAL', shared: true, version: 1 });
    const entry = w.seen.find((m) => m.type === 'entry');
    expect(entry).toMatchObject({ type: 'entry', entry: { scriptId: script.id, version: 1, kind: 'scriptInfo' } });
    // Nothing changed: no new version.
    const same = await sm.patch(`/api/scripts/${script.id}`, { name: 'Renamed', shared: true });
    expect(same.body.script.version).toBe(1);
  });

  it('unsharing tells the fan-out to close the script’s crew sockets', async () => {
    const { script } = await newScript({ shared: true });
    const w = watch();
    const res = await sm.patch(`/api/scripts/${script.id}`, { shared: false });
    w.off();
    expect(res.body.script.shared).toBe(false);
    expect(res.body.script.version).toBe(0);
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'unshared', scriptId: script.id }));
  });

  it('deletes a script and closes its sockets', async () => {
    const { script } = await newScript();
    const w = watch();
    expect((await sm.del(`/api/scripts/${script.id}`)).status).toBe(204);
    w.off();
    expect((await sm.get(`/api/scripts/${script.id}`)).status).toBe(404);
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'deleted', scriptId: script.id }));
  });

  it('duplicates a script: same tree, new ids, status COPY, version 0', async () => {
    const { script } = await newScript({ shared: true });
    const group = element({ type: 'GROUP', name: 'Storm', orderKey: 'a0V' });
    const cue = element({ name: 'LX 4', departmentId: lx, parentId: group.id, offsetMs: 5000, orderKey: 'a0' });
    await sm.post(`/api/scripts/${script.id}/elements`, group);
    await sm.post(`/api/scripts/${script.id}/elements`, cue);
    const res = await sm.post(`/api/scripts/${script.id}/duplicate`, {});
    expect(res.status).toBe(201);
    expect(res.body.script).toMatchObject({ name: 'Book (copy)', status: 'COPY', version: 0, shared: false });
    const original = (await sm.get(`/api/scripts/${script.id}`)).body.elements as El[];
    const copy = (await sm.get(`/api/scripts/${res.body.script.id}`)).body.elements as El[];
    expect(copy.map((e) => e.name)).toEqual(original.map((e) => e.name));
    const originalIds = new Set(original.map((e) => e.id));
    expect(copy.some((e) => originalIds.has(e.id))).toBe(false);
    const copiedGroup = copy.find((e) => e.name === 'Storm')!;
    expect(copy.find((e) => e.name === 'LX 4')!.parentId).toBe(copiedGroup.id);
    const named = await sm.post(`/api/scripts/${script.id}/duplicate`, { name: 'Backup' });
    expect(named.body.script.name).toBe('Backup');
  });

  it('commits ops through the same path as the socket: once per opId, bad ops refused', async () => {
    const { script } = await newScript();
    const cue = element({ name: 'LX 1', departmentId: lx });
    const body = { opId: randomUUID(), baseVersion: 0, op: { kind: 'create', element: cue } };
    const w = watch();
    const first = await sm.post(`/api/scripts/${script.id}/ops`, body);
    const again = await sm.post(`/api/scripts/${script.id}/ops`, body);
    w.off();
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ version: 1, prev: { elements: { [cue.id]: null } }, duplicate: false });
    expect(again.body).toMatchObject({ version: 1, duplicate: true });
    // The retry publishes version 1 again (SPEC W4: it may be the first publish, if the first
    // attempt's reply was lost); rooms and devices keep each version once.
    const published = w.seen.flatMap((m) => (m.type === 'entry' ? [m.entry.version] : []));
    expect(published).toEqual([1, 1]);

    const unknown = await sm.post(`/api/scripts/${script.id}/ops`, {
      opId: randomUUID(),
      baseVersion: 1,
      op: { kind: 'update', id: randomUUID(), fields: { notes: 'x' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('BAD_OP');
    const foreignDept = await sm.post(`/api/scripts/${script.id}/ops`, {
      opId: randomUUID(),
      baseVersion: 1,
      op: { kind: 'update', id: cue.id, fields: { departmentId: randomUUID() } },
    });
    expect(foreignDept.status).toBe(400);
    expect(foreignDept.body.error.code).toBe('BAD_OP');
    const malformed = await sm.post(`/api/scripts/${script.id}/ops`, {
      opId: randomUUID(),
      baseVersion: 1,
      op: { kind: 'update', id: cue.id, fields: { offsetMs: 'soon' } },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('op.fields.offsetMs');
    expect((await sm.get(`/api/scripts/${script.id}`)).body.script.version).toBe(1);
  });

  it.each([
    [{}, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'OK', status: 'PUBLISHED' }, 'status'],
    [{ name: 'OK', shared: 'yes' }, 'shared'],
    [{ name: 'OK', plannedStart: 'tonight' }, 'plannedStart'],
    [{ name: 'OK', version: 5 }, 'version'],
  ])('bad script body %# → 400 naming %s, nothing written', async (body, field) => {
    const before = await s.database.db.select().from(scripts);
    const res = await sm.post(`/api/shows/${showId}/scripts`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(await s.database.db.select().from(scripts)).toHaveLength(before.length);
  });

  it('refuses a bad update with the field named and no new version', async () => {
    const { script } = await newScript();
    const res = await sm.patch(`/api/scripts/${script.id}`, { name: 'Fine', notes: 7 });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('notes');
    const after = (await sm.get(`/api/scripts/${script.id}`)).body.script;
    expect(after).toMatchObject({ name: 'Book', version: 0 });
  });

  it('hides another owner’s scripts (404) and refuses crew tokens for every write', async () => {
    const { script } = await newScript({ shared: true });
    for (const res of [
      await other.get(`/api/scripts/${script.id}`),
      await other.patch(`/api/scripts/${script.id}`, { name: 'Mine' }),
      await other.del(`/api/scripts/${script.id}`),
      await other.post(`/api/scripts/${script.id}/duplicate`, {}),
      await other.post(`/api/scripts/${script.id}/ops`, {
        opId: randomUUID(),
        baseVersion: 0,
        op: { kind: 'scriptInfo', fields: { name: 'Mine' } },
      }),
    ])
      expect(res.status).toBe(404);
    const link = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Lee', allDepartments: true })).body.crew.link;
    const crew = crewApi(s, tokenOf(link));
    for (const res of [
      await crew.patch(`/api/scripts/${script.id}`, { name: 'Crew' }),
      await crew.del(`/api/scripts/${script.id}`),
      await crew.post(`/api/scripts/${script.id}/duplicate`, {}),
      await crew.post(`/api/shows/${showId}/scripts`, { name: 'Crew' }),
      await crew.post(`/api/scripts/${script.id}/ops`, {
        opId: randomUUID(),
        baseVersion: 0,
        op: { kind: 'scriptInfo', fields: { name: 'Crew' } },
      }),
    ])
      expect([401, 403]).toContain(res.status);
    const after = (await sm.get(`/api/scripts/${script.id}`)).body.script;
    expect(after).toMatchObject({ name: 'Book', version: 0 });
  });
});

describe(`demo data (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('seeds once on an empty database: an SM who can log in, a 40-odd element script, an LX-only link', async () => {
    const seeded = await seedDemoIfEmpty(s.ctx, s.url);
    expect(seeded).not.toBeNull();
    const text = seeded!.lines.join('\n');
    const [, email, password] = /log-in: (\S+) \/ (\S+)/.exec(text)!;
    const link = /(http\S+\/c#[A-Za-z0-9_-]{43})/.exec(text)![1]!;
    expect(await seedDemoIfEmpty(s.ctx, s.url)).toBeNull();

    const login = await client(s, () => ({})).post('/api/auth/login', { email, password });
    expect(login.status).toBe(200);
    const sm = client(s, () => ({ cookie: sessionCookie(login.headers)! }));
    const shows = (await sm.get('/api/shows')).body.shows;
    expect(shows.map((x: { name: string }) => x.name)).toEqual(['The Tempest']);
    const show = (await sm.get(`/api/shows/${shows[0].id}`)).body;
    expect(show.crew[0]).toMatchObject({ name: 'Sam', role: 'LX operator', link });
    const script = (await sm.get(`/api/scripts/${show.scripts[0].id}`)).body;
    expect(script.script.shared).toBe(true);
    const els = script.elements as El[];
    expect(els.length).toBeGreaterThanOrEqual(35);
    expect(els.filter((e) => e.type === 'GROUP')).toHaveLength(2);
    expect(Math.min(...els.map((e) => e.offsetMs))).toBeLessThan(0);
    expect(Math.max(...els.map((e) => e.offsetMs))).toBeGreaterThanOrEqual(150 * 60 * 1000);
    expect(els.map((e) => e.name)).toEqual(expect.arrayContaining(['SHOW START', 'SHOW END', 'INTERVAL']));

    const crewView = (await crewApi(s, tokenOf(link)).get(`/api/crew-access/scripts/${script.script.id}`)).body;
    const lxId = show.departments.find((d: { initials: string }) => d.initials === 'LX').id;
    const cues = (crewView.elements as (El & { departmentId: string })[]).filter((e) => e.type === 'CUE');
    expect(cues.length).toBeGreaterThan(10);
    expect(cues.every((e) => e.departmentId === lxId)).toBe(true);
    // Ready to call: stopped, at performance speed, the default guards.
    const [row] = await s.ctx.database.db.select().from(playback).where(eq(playback.scriptId, script.script.id));
    expect(row?.state).toMatchObject({ status: 'STOPPED', rate: 1, version: 0, guards: { minGoIntervalMs: 500 } });
  });

  it('exports a demo script builder whose group timing follows from the children', async () => {
    const sm = await api(s);
    const { body } = await sm.post('/api/shows', { name: 'Bench' });
    const { script } = await createDemoScript(s.database.db, body.show.id, body.departments);
    const els = (await sm.get(`/api/scripts/${script.id}`)).body.elements as El[];
    for (const g of els.filter((e) => e.type === 'GROUP')) {
      const kids = els.filter((e) => e.parentId === g.id);
      expect(g.offsetMs).toBe(Math.min(...kids.map((k) => k.offsetMs)));
      expect(g.durationMs).toBe(Math.max(...kids.map((k) => k.offsetMs + (k.durationMs ?? 0))) - g.offsetMs);
    }
  });
});
