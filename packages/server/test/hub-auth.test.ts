/** Handshake and permissions over real sockets: every refusal's close code. Rule ids: docs/SPEC.md. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

describe(`hub handshake and permissions (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  let scriptId: string;
  const open: Wire[] = [];
  const track = (w: Wire) => (open.push(w), w);

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
    scriptId = await makeScript(s, show.showId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  const hello = (w: Wire, extra: Record<string, unknown> = {}) =>
    w.sendRaw(
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: 'dev', ...extra }),
    );

  it('P8 no hello within the auth timeout closes 4001', async () => {
    const hub = hubOf(s.app);
    const before = hub.options.authTimeoutMs;
    hub.options.authTimeoutMs = 150;
    try {
      const w = track(Wire.connect(s, scriptId));
      expect((await w.closed).code).toBe(4001);
    } finally {
      hub.options.authTimeoutMs = before;
    }
  });

  it('P8 a first message that is not a hello closes 4002, naming what was wrong', async () => {
    const cases: [string, RegExp][] = [
      [JSON.stringify({ type: 'ping', id: 1, t0: 0 }), /hello/],
      ['{not json', /JSON/],
      [JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: 'x', deviceId: 'd' }), /lastVersion/],
    ];
    for (const [frame, reason] of cases) {
      const w = track(Wire.connect(s, scriptId));
      await w.opened;
      w.sendRaw(frame);
      const closed = await w.closed;
      expect(closed.code, frame).toBe(4002);
      expect(closed.reason).toMatch(reason);
    }
  });

  it('P8 a protocol older than the minimum closes 4000', async () => {
    const w = track(Wire.connect(s, scriptId, { cookie: sm.cookie }));
    await w.opened;
    hello(w, { protocol: 0 });
    expect((await w.closed).code).toBe(4000);
  });

  it('P1 the SM session cookie counts only with an allowed Origin', async () => {
    for (const origin of [null, 'https://evil.example', `${s.origin}.evil.com`]) {
      const w = track(Wire.connect(s, scriptId, { cookie: sm.cookie, origin }));
      await w.opened;
      hello(w);
      const closed = await w.closed;
      expect(closed.code, String(origin)).toBe(4003);
    }
    const ok = track(await Wire.hello(s, scriptId, { cookie: sm.cookie }));
    expect((await ok.next('welcome')).role).toBe('sm');
  });

  it("P2 an SM may open only their own shows' scripts; unknown scripts close 4004", async () => {
    const other = await makeSm(s, 'Other SM');
    const w = track(await Wire.hello(s, scriptId, { cookie: other.cookie }));
    expect((await w.closed).code).toBe(4003);
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const x = track(await Wire.hello(s, id, { cookie: sm.cookie }));
      expect((await x.closed).code, id).toBe(4004);
    }
    const nobody = track(await Wire.hello(s, scriptId));
    expect((await nobody.closed).code).toBe(4003);
  });

  it('P3 crew: unknown token 4003; revoked or expired link 1008 with the reason', async () => {
    const unknown = track(await Wire.hello(s, scriptId, { token: 'x'.repeat(43) }));
    expect((await unknown.closed).code).toBe(4003);
    const revoked = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX], revoked: true });
    const r = track(await Wire.hello(s, scriptId, { token: revoked.token }));
    expect(await r.closed).toEqual({ code: 1008, reason: 'revoked' });
    const expired = await makeCrew(s, show.showId, {
      departmentIds: [show.dept.LX],
      expiresAt: new Date(Date.now() - 1),
    });
    const e = track(await Wire.hello(s, scriptId, { token: expired.token }));
    expect(await e.closed).toEqual({ code: 1008, reason: 'expired' });
  });

  it("P4 crew open only their show's shared scripts", async () => {
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const unshared = await makeScript(s, show.showId, { shared: false });
    const u = track(await Wire.hello(s, unshared, { token: c.token }));
    expect(await u.closed).toEqual({ code: 1008, reason: 'unshared' });
    const otherSm = await makeSm(s, 'Other');
    const otherShow = await makeShow(s, otherSm.userId);
    const foreign = await makeScript(s, otherShow.showId);
    const f = track(await Wire.hello(s, foreign, { token: c.token }));
    expect((await f.closed).code).toBe(4003);
    const ok = track(await Wire.hello(s, scriptId, { token: c.token }));
    expect(await ok.next('welcome')).toMatchObject({ role: 'crew', name: c.name });
  });

  it('P7 sockets per crew link are capped: one over closes 4008', async () => {
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const cap = hubOf(s.app).options.maxSocketsPerCrew;
    for (let i = 0; i < cap; i++) await track(await Wire.hello(s, scriptId, { token: c.token })).next('welcome');
    const over = track(await Wire.hello(s, scriptId, { token: c.token }));
    expect((await over.closed).code).toBe(4008);
  });

  it('P10 nothing logged carries a crew token or a session cookie', async () => {
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const w = track(await Wire.hello(s, scriptId, { token: c.token }));
    await w.next('welcome');
    const session = sm.cookie.split('=')[1]!;
    const all = s.logs.join('\n');
    expect(all).not.toContain(c.token);
    expect(all).not.toContain(decodeURIComponent(session));
  });
});
