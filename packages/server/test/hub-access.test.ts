/**
 * Access changes close live sockets (through the REST API, as an SM would make them), within a
 * second, with the documented code. Rule ids: docs/SPEC.md.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Department } from '@cuebe/protocol';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { api, client, element, sessionCookie, tokenOf, type SmClient } from './http';
import { Wire, type Closed } from './hub-wire';
import { makeCrew } from './hub-fixtures';

describe(`hub access changes (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let showId: string;
  let depts: Department[];
  const open: Wire[] = [];

  beforeAll(async () => {
    s = await startServer();
    sm = await api(s);
    const res = await sm.post('/api/shows', { name: 'Hamlet' });
    expect(res.status).toBe(201);
    showId = res.body.show.id;
    depts = res.body.departments;
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  const lx = () => depts.find((d) => d.initials === 'LX')!.id;

  async function script(shared = true): Promise<string> {
    const res = await sm.post(`/api/shows/${showId}/scripts`, { name: 'Act 1', shared });
    expect(res.status).toBe(201);
    return res.body.script.id;
  }

  async function crewLink(): Promise<{ crewId: string; token: string }> {
    const res = await sm.post(`/api/shows/${showId}/crew`, { name: 'Sam', departmentIds: [lx()] });
    expect(res.status).toBe(201);
    return { crewId: res.body.crew.id, token: tokenOf(res.body.crew.link) };
  }

  async function live(scriptId: string, opts: Parameters<typeof Wire.hello>[2]): Promise<Wire> {
    const w = await Wire.hello(s, scriptId, opts);
    open.push(w);
    await w.next('welcome');
    return w;
  }

  /** The socket still answers (a ping gets its pong). */
  async function stillOpen(w: Wire): Promise<void> {
    const id = Math.floor(Math.random() * 1e9);
    w.send({ type: 'ping', id, t0: 0 });
    await w.next('pong', (m) => m.id === id);
  }

  /** Run the REST call and return how each socket closed, and how long after the call began. */
  async function closesAfter(call: () => Promise<unknown>, ...ws: Wire[]): Promise<(Closed & { ms: number })[]> {
    const t0 = Date.now();
    await call();
    return Promise.all(ws.map(async (w) => ({ ...(await w.closed), ms: Date.now() - t0 })));
  }

  it('P6 revoking a link closes its sockets with 1008 "revoked" within 1 s; other links stay', async () => {
    const scriptId = await script();
    const c = await crewLink();
    const other = await crewLink();
    const a = await live(scriptId, { token: c.token });
    const b = await live(scriptId, { token: c.token });
    const keep = await live(scriptId, { token: other.token });
    const [x, y] = await closesAfter(() => sm.post(`/api/crew/${c.crewId}/revoke`), a, b);
    for (const r of [x!, y!]) {
      expect(r).toMatchObject({ code: 1008, reason: 'revoked' });
      expect(r.ms).toBeLessThan(1000);
    }
    keep.send({ type: 'ping', id: 1, t0: 0 });
    await keep.next('pong');
    const again = await Wire.hello(s, scriptId, { token: c.token });
    open.push(again);
    expect(await again.closed).toEqual({ code: 1008, reason: 'revoked' });
  });

  it('P6 rotating a link closes the old one\'s sockets with 1008 "rotated"; the new link works', async () => {
    const scriptId = await script();
    const c = await crewLink();
    const w = await live(scriptId, { token: c.token });
    let newLink = '';
    const [r] = await closesAfter(async () => {
      newLink = (await sm.post(`/api/crew/${c.crewId}/rotate`)).body.crew.link;
    }, w);
    expect(r).toMatchObject({ code: 1008, reason: 'rotated' });
    expect(r!.ms).toBeLessThan(1000);
    await live(scriptId, { token: tokenOf(newLink) });
  });

  it('P6 removing a member closes 1008 "removed"; changing their departments closes 4010', async () => {
    const scriptId = await script();
    const c1 = await crewLink();
    const c2 = await crewLink();
    const w1 = await live(scriptId, { token: c1.token });
    const w2 = await live(scriptId, { token: c2.token });
    const [r1] = await closesAfter(() => sm.del(`/api/crew/${c1.crewId}`), w1);
    expect(r1).toMatchObject({ code: 1008, reason: 'removed' });
    const snd = depts.find((d) => d.initials === 'SND')!.id;
    const [r2] = await closesAfter(() => sm.patch(`/api/crew/${c2.crewId}`, { departmentIds: [snd] }), w2);
    expect(r2!.code).toBe(4010);
    expect(r2!.ms).toBeLessThan(1000);
  });

  it('P6 unsharing a script closes its crew sockets 1008 "unshared"; the SM stays', async () => {
    const scriptId = await script();
    const c = await crewLink();
    const crew = await live(scriptId, { token: c.token });
    const smWire = await live(scriptId, { cookie: sm.cookie });
    await smWire.until((m) => m.some((x) => x.type === 'sharing'), 5_000, 'sharing after the welcome');
    // A protocol-3 page does not know the message: it is not sent one.
    const old = Wire.connect(s, scriptId, { cookie: sm.cookie });
    open.push(old);
    await old.opened;
    old.sendRaw(JSON.stringify({ type: 'hello', protocol: 3, lastVersion: null, deviceId: 'old-page' }));
    await old.next('welcome');
    const [r] = await closesAfter(() => sm.patch(`/api/scripts/${scriptId}`, { shared: false }), crew);
    expect(r).toMatchObject({ code: 1008, reason: 'unshared' });
    expect(r!.ms).toBeLessThan(1000);
    smWire.send({ type: 'ping', id: 3, t0: 0 });
    await smWire.next('pong');
    // The SM's devices are told, each way; crew are not sent it.
    expect(smWire.all('sharing')).toEqual([
      { type: 'sharing', shared: true },
      { type: 'sharing', shared: false },
    ]);
    await sm.patch(`/api/scripts/${scriptId}`, { shared: true });
    await smWire.until((m) => m.filter((x) => x.type === 'sharing').length === 3, 5_000, 'shared again');
    expect(smWire.all('sharing').at(-1)).toEqual({ type: 'sharing', shared: true });
    expect(crew.all('sharing')).toEqual([]);
    old.send({ type: 'ping', id: 4, t0: 0 });
    await old.next('pong');
    expect(old.all('sharing')).toEqual([]);
    // A device that joins later learns it after its catch-up.
    await sm.patch(`/api/scripts/${scriptId}`, { shared: false });
    const later = await live(scriptId, { cookie: sm.cookie });
    await later.until((m) => m.some((x) => x.type === 'sharing'), 5_000, 'sharing after the welcome');
    expect(later.all('sharing')).toEqual([{ type: 'sharing', shared: false }]);
  });

  it('P6 deleting a script closes every socket on it with 4004', async () => {
    const scriptId = await script();
    const c = await crewLink();
    const crew = await live(scriptId, { token: c.token });
    const smWire = await live(scriptId, { cookie: sm.cookie });
    const rs = await closesAfter(() => sm.del(`/api/scripts/${scriptId}`), crew, smWire);
    for (const r of rs) expect(r.code).toBe(4004);
  });

  it('P6 logging out ends that session only: its sockets close 1008 "logged-out", another session\'s stay open', async () => {
    const other = await api(s);
    const show = await other.post('/api/shows', { name: 'Lear' });
    const sid = (await other.post(`/api/shows/${show.body.show.id}/scripts`, { name: 'Act 1' })).body.script.id;
    // The same account logged in on a second device.
    const login = await client(s, () => ({})).post('/api/auth/login', { email: other.email, password: other.password });
    const tablet = sessionCookie(login.headers)!;
    const here = await live(sid, { cookie: other.cookie });
    const there = await live(sid, { cookie: tablet });
    const [r] = await closesAfter(() => other.post('/api/auth/logout'), here);
    expect(r).toMatchObject({ code: 1008, reason: 'logged-out' });
    await stillOpen(there);
    expect((await client(s, () => ({ cookie: tablet })).get('/api/auth/me')).status).toBe(200);
    expect((await other.get('/api/auth/me')).status).toBe(401);
  });

  it('P6 "log out everywhere" ends every session of the account: all its sockets close 1008 "logged-out"', async () => {
    const other = await api(s);
    const show = await other.post('/api/shows', { name: 'Lear' });
    const sid = (await other.post(`/api/shows/${show.body.show.id}/scripts`, { name: 'Act 1' })).body.script.id;
    const login = await client(s, () => ({})).post('/api/auth/login', { email: other.email, password: other.password });
    const tablet = sessionCookie(login.headers)!;
    const bystander = await live(await script(), { cookie: sm.cookie });
    const here = await live(sid, { cookie: other.cookie });
    const there = await live(sid, { cookie: tablet });
    let answer: { status: number; body: { sessionsEnded?: number } } | undefined;
    const closed = await closesAfter(
      async () => {
        answer = await client(s, () => ({ cookie: tablet })).post('/api/auth/logout-everywhere');
      },
      here,
      there,
    );
    expect(answer).toMatchObject({ status: 200, body: { sessionsEnded: 2 } });
    for (const r of closed) expect(r).toMatchObject({ code: 1008, reason: 'logged-out' });
    expect((await other.get('/api/auth/me')).status).toBe(401);
    expect((await client(s, () => ({ cookie: tablet })).get('/api/auth/me')).status).toBe(401);
    await stillOpen(bystander);
  });

  it('P6 a link that expires while connected is closed 1008 "expired" within 1 s of its expiry', async () => {
    const scriptId = await script();
    // Long enough for the handshake to finish first on a busy machine.
    const expiresAt = new Date(Date.now() + 2_000);
    const c = await makeCrew(s, showId, { departmentIds: [lx()], expiresAt });
    const w = await live(scriptId, { token: c.token });
    const closed = await w.closed;
    expect(closed).toEqual({ code: 1008, reason: 'expired' });
    const late = Date.now() - expiresAt.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1000);
  });

  it('P6 a link extended while connected is not closed at its old expiry', async () => {
    const scriptId = await script();
    const c = await makeCrew(s, showId, { departmentIds: [lx()], expiresAt: new Date(Date.now() + 2_000) });
    const w = await live(scriptId, { token: c.token });
    const hub = hubOf(s.app);
    const checked = new Promise<number | null>((resolve) => {
      const original = hub.crewExpiry.bind(hub);
      vi.spyOn(hub, 'crewExpiry').mockImplementationOnce(async (id) => {
        const v = await original(id);
        resolve(v);
        return v;
      });
    });
    await sm.patch(`/api/crew/${c.crewId}`, { expiresInDays: 2 });
    expect(await checked).toBeGreaterThan(Date.now() + 86_400_000);
    w.send({ type: 'ping', id: 9, t0: 0 });
    await w.next('pong');
    expect(w.ws.readyState).toBe(w.ws.OPEN);
  });

  it('P6 a revocation that lands while the handshake reads the credential still closes the socket', async () => {
    const scriptId = await script();
    const c = await crewLink();
    const hub = hubOf(s.app);
    const original = hub.authenticate.bind(hub);
    const spy = vi.spyOn(hub, 'authenticate').mockImplementationOnce(async (...args) => {
      const identity = await original(...args);
      // The credential was valid when read; the SM revokes it before the socket is registered.
      await sm.post(`/api/crew/${c.crewId}/revoke`);
      return identity;
    });
    const w = await Wire.hello(s, scriptId, { token: c.token });
    open.push(w);
    expect(await w.closed).toEqual({ code: 1008, reason: 'revoked' });
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('S11 a crew device that was away when its departments changed comes back to a snapshot of its new view', async () => {
    const scriptId = await script();
    const snd = depts.find((d) => d.initials === 'SND')!.id;
    const sndCue = element({ departmentId: snd, name: 'SND 1' });
    expect((await sm.post(`/api/scripts/${scriptId}/elements`, sndCue)).status).toBe(201);
    const c = await crewLink();
    const w = await live(scriptId, { token: c.token, deviceId: 'phone' });
    const before = await w.next('snapshot');
    expect(before.elements.map((e) => e.id)).not.toContain(sndCue.id);
    w.close();
    await w.closed;
    expect((await sm.patch(`/api/crew/${c.crewId}`, { departmentIds: [lx(), snd] })).status).toBe(200);
    const back = await Wire.hello(s, scriptId, { token: c.token, deviceId: 'phone', lastVersion: before.version });
    open.push(back);
    const snap = await back.next('snapshot');
    expect(snap.elements.map((e) => e.id)).toContain(sndCue.id);
    // Once refreshed, the device catches up with changes again.
    back.close();
    await back.closed;
    const again = await Wire.hello(s, scriptId, { token: c.token, deviceId: 'phone', lastVersion: snap.version });
    open.push(again);
    await again.next('welcome');
    await again.next('changes');
    expect(again.all('snapshot')).toEqual([]);
  });
});
