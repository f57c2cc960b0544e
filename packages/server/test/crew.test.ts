import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crew } from '../src/db/schema';
import type { FanoutMessage } from '../src/hub/fanout';
import { backend, startServer, type TestServer } from './harness';
import { api, crewApi, tokenOf, type SmClient } from './http';
import { Wire } from './hub-wire';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe(`crew links (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  let lx: string;
  let snd: string;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s), api(s)]);
    const { body } = await sm.post('/api/shows', { name: 'Crewed' });
    showId = body.show.id;
    [lx, snd] = body.departments.map((d: { id: string }) => d.id);
  });
  afterAll(() => s.close());

  const add = async (body: Record<string, unknown> = {}) =>
    (await sm.post(`/api/shows/${showId}/crew`, { name: 'Sam', role: 'LX operator', departmentIds: [lx], ...body }))
      .body.crew;
  const watch = () => {
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    return { seen, off };
  };

  it('creates a crew member with a 30-day link carrying a 256-bit token in the fragment', async () => {
    const res = await sm.post(`/api/shows/${showId}/crew`, {
      name: 'Sam',
      email: 'sam@example.com',
      role: 'LX operator',
      departmentIds: [lx],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const c = res.body.crew;
    expect(c).toMatchObject({ showId, name: 'Sam', email: 'sam@example.com', status: 'active', revokedAt: null });
    expect(c.departmentIds).toEqual([lx]);
    const days = (Date.parse(c.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(c.link.startsWith(`${s.origin}/c#`)).toBe(true);
    const token = tokenOf(c.link);
    expect(token).toMatch(TOKEN); // 43 base64url characters = 256 bits
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('stores only a digest of the token, never the token', async () => {
    const c = await add();
    const token = tokenOf(c.link);
    const [row] = await s.database.db.select().from(crew).where(eq(crew.id, c.id));
    expect(row!.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('gives every link a different token', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 8; i++) tokens.add(tokenOf((await add({ name: `Op ${i}` })).link));
    expect(tokens.size).toBe(8);
  });

  it('shows the same link again, never a new one', async () => {
    const c = await add();
    const list = (await sm.get(`/api/shows/${showId}/crew`)).body.crew;
    const show = (await sm.get(`/api/shows/${showId}`)).body.crew;
    expect(list.find((x: { id: string }) => x.id === c.id).link).toBe(c.link);
    expect(show.find((x: { id: string }) => x.id === c.id).link).toBe(c.link);
    const renamed = (await sm.patch(`/api/crew/${c.id}`, { name: 'Samira' })).body.crew;
    expect(renamed.link).toBe(c.link);
    expect((await crewApi(s, tokenOf(c.link)).get('/api/crew-access/me')).status).toBe(200);
  });

  it('uses PUBLIC_URL for links when it is set', async () => {
    const pub = await startServer({ env: { PUBLIC_URL: 'https://cuebe.example.com/' } });
    try {
      const owner = await api(pub);
      const show = (await owner.post('/api/shows', { name: 'Public' })).body.show;
      const c = (await owner.post(`/api/shows/${show.id}/crew`, { name: 'A', allDepartments: true })).body.crew;
      expect(c.link).toMatch(/^https:\/\/cuebe\.example\.com\/c#[A-Za-z0-9_-]{43}$/);
    } finally {
      await pub.close();
    }
  });

  it('P6 rotates: a new link, the old token stops working, open sockets are told', async () => {
    const c = await add();
    const w = watch();
    const res = await sm.post(`/api/crew/${c.id}/rotate`);
    w.off();
    expect(res.status).toBe(200);
    expect(res.body.crew.link).not.toBe(c.link);
    expect(tokenOf(res.body.crew.link)).toMatch(TOKEN);
    expect((await crewApi(s, tokenOf(c.link)).get('/api/crew-access/me')).status).toBe(404);
    expect((await crewApi(s, tokenOf(res.body.crew.link)).get('/api/crew-access/me')).status).toBe(200);
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'rotated', crewId: c.id }));
  });

  it('P6 revokes: status revoked, no link shown, the token gets 403, sockets are told', async () => {
    const c = await add();
    const w = watch();
    const res = await sm.post(`/api/crew/${c.id}/revoke`);
    w.off();
    expect(res.body.crew).toMatchObject({ status: 'revoked', link: null });
    expect(res.body.crew.revokedAt).not.toBeNull();
    const denied = await crewApi(s, tokenOf(c.link)).get('/api/crew-access/me');
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/revoked/);
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'revoked', crewId: c.id }));
    expect((await sm.get(`/api/crew/${c.id}/qr.svg`)).status).toBe(409);
    // Rotating makes a fresh working link again.
    const fresh = (await sm.post(`/api/crew/${c.id}/rotate`)).body.crew;
    expect(fresh.status).toBe('active');
    expect((await crewApi(s, tokenOf(fresh.link)).get('/api/crew-access/me')).status).toBe(200);
  });

  it('P6 deletes: the token is unknown (404) and sockets are told', async () => {
    const c = await add();
    const w = watch();
    expect((await sm.del(`/api/crew/${c.id}`)).status).toBe(204);
    w.off();
    expect((await crewApi(s, tokenOf(c.link)).get('/api/crew-access/me')).status).toBe(404);
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'removed', crewId: c.id }));
  });

  it('P6 changing departments or shortening the link makes open sockets reconnect; other edits do not', async () => {
    const c = await add();
    const w = watch();
    // A later expiry: open sockets re-read it when the old one comes (no reconnect needed).
    const renamed = await sm.patch(`/api/crew/${c.id}`, { role: 'Follow spot', expiresInDays: 60 });
    expect(renamed.status).toBe(200);
    expect(renamed.body.crew.role).toBe('Follow spot');
    expect(w.seen.filter((m) => m.type === 'access')).toHaveLength(0);
    // A sooner one: every node's sockets armed their close at the old one, so they reconnect.
    const shortened = await sm.patch(`/api/crew/${c.id}`, { expiresInDays: 2 });
    expect(Date.parse(shortened.body.crew.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
    expect(w.seen.filter((m) => m.type === 'access')).toEqual([
      expect.objectContaining({ type: 'access', reason: 'changed', crewId: c.id }),
    ]);
    w.seen.length = 0;
    const moved = await sm.patch(`/api/crew/${c.id}`, { departmentIds: [lx, snd] });
    w.off();
    expect(moved.body.crew.departmentIds.sort()).toEqual([lx, snd].sort());
    expect(w.seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'changed', crewId: c.id }));
  });

  it('P6 an exact expiry (expiresAt, with its offset) is kept to the second; one already past expires the link at once', async () => {
    const tonight = new Date(Date.now() + 5 * 3_600_000);
    tonight.setUTCSeconds(0, 0);
    const withOffset = tonight.toISOString().replace('Z', '+00:00');
    const c = await add({ expiresAt: withOffset });
    expect(c.expiresAt).toBe(tonight.toISOString());
    expect(c.status).toBe('active');
    const crewClient = crewApi(s, tokenOf(c.link));
    expect((await crewClient.get('/api/crew-access/me')).status).toBe(200);

    const scriptId: string = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Tonight', shared: true })).body
      .script.id;
    const wire = await Wire.hello(s, scriptId, { token: tokenOf(c.link) });
    await wire.next('welcome');
    const past = await sm.patch(`/api/crew/${c.id}`, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(200);
    expect(past.body.crew.status).toBe('expired');
    // Its open socket reconnects for the new expiry (4010), and the link no longer opens anything.
    expect((await wire.closed).code).toBe(4010);
    const again = await Wire.hello(s, scriptId, { token: tokenOf(c.link) });
    expect(await again.closed).toEqual({ code: 1008, reason: 'expired' });
    const me = await crewClient.get('/api/crew-access/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('EXPIRED');
  });

  it('draws the link as a QR code (SVG)', async () => {
    const c = await add();
    const res = await sm.get(`/api/crew/${c.id}/qr.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(res.text).not.toContain(tokenOf(c.link));
  });

  it.each([
    [{ departmentIds: [] }, 'departmentIds'],
    [{ departmentIds: ['00000000-0000-4000-8000-000000000000'] }, 'departmentIds'],
    [{ departmentIds: ['LX'] }, 'departmentIds.0'],
    [{ name: '' }, 'name'],
    [{ email: 'not an email' }, 'email'],
    [{ expiresInDays: 0 }, 'expiresInDays'],
    [{ expiresInDays: 'forever' }, 'expiresInDays'],
    [{ token: 'chosen' }, 'token'],
    [{ expiresAt: 'tonight 23:30' }, 'expiresAt'],
    [{ expiresAt: '2026-12-04T23:30:00' }, 'expiresAt'],
    [{ expiresAt: new Date(Date.now() + 3651 * 86_400_000).toISOString() }, 'expiresAt'],
    [{ expiresAt: new Date(Date.now() + 86_400_000).toISOString(), expiresInDays: 2 }, 'expiresAt'],
  ])('bad crew body %j → 400 naming %s, nothing written', async (override, field) => {
    const before = await s.database.db.select().from(crew);
    const res = await sm.post(`/api/shows/${showId}/crew`, { name: 'X', departmentIds: [lx], ...override });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(await s.database.db.select().from(crew)).toHaveLength(before.length);
  });

  it('refuses another show’s departments (even the same owner’s)', async () => {
    const second = (await sm.post('/api/shows', { name: 'Second' })).body;
    const res = await sm.post(`/api/shows/${showId}/crew`, { name: 'X', departmentIds: [second.departments[0].id] });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('departmentIds');
  });

  it('hides another owner’s crew (404) and refuses crew tokens', async () => {
    const c = await add();
    for (const res of [
      await other.get(`/api/shows/${showId}/crew`),
      await other.post(`/api/shows/${showId}/crew`, { name: 'Spy', allDepartments: true }),
      await other.patch(`/api/crew/${c.id}`, { name: 'Spy' }),
      await other.post(`/api/crew/${c.id}/rotate`),
      await other.post(`/api/crew/${c.id}/revoke`),
      await other.del(`/api/crew/${c.id}`),
      await other.get(`/api/crew/${c.id}/qr.svg`),
    ])
      expect(res.status).toBe(404);
    const self = crewApi(s, tokenOf(c.link));
    for (const res of [
      await self.post(`/api/crew/${c.id}/rotate`),
      await self.patch(`/api/crew/${c.id}`, { allDepartments: true }),
      await self.post(`/api/shows/${showId}/crew`, { name: 'Friend', allDepartments: true }),
      await self.get(`/api/shows/${showId}/crew`),
    ])
      expect([401, 403]).toContain(res.status);
    const me = await self.get('/api/crew-access/me');
    expect(me.status).toBe(200);
    expect(me.body.crew).toMatchObject({ name: 'Sam', allDepartments: false, departmentIds: [lx] });
  });

  it('P10 never writes a crew token to the log', async () => {
    const c = await add();
    const token = tokenOf(c.link);
    await crewApi(s, token).get('/api/crew-access/me');
    await sm.get(`/api/crew/${c.id}/qr.svg`);
    await crewApi(s, token).post(`/api/crew/${c.id}/rotate`);
    const log = s.logs.join('');
    expect(log).toContain('/api/crew-access/me');
    expect(log).not.toContain(token);
  });
});
