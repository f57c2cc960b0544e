import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import type { FanoutMessage } from '../src/hub/fanout';
import { backend, startServer, type TestServer } from './harness';
import { api, client, sessionCookie } from './http';

const json = { 'content-type': 'application/json' };

describe(`auth (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  const anon = () => client(s, () => ({}));
  const register = (body: unknown) => anon().post('/api/auth/register', body);

  it('registers, sets an httpOnly SameSite=Lax session cookie, and knows the user', async () => {
    const res = await register({ email: 'Prue@Example.com', password: 'long enough', displayName: 'Prue' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'prue@example.com', displayName: 'Prue' });
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/cuebe_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = sessionCookie(res.headers)!;
    const me = await client(s, () => ({ cookie })).get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);
  });

  it('stores only a salted scrypt hash of the password', async () => {
    const a = await api(s, { password: 'same password' });
    const b = await api(s, { password: 'same password' });
    const rows = await s.database.db.select().from(users);
    const ha = rows.find((r) => r.id === a.user.id)!.passwordHash;
    const hb = rows.find((r) => r.id === b.user.id)!.passwordHash;
    expect(ha).toMatch(/^scrypt\$/);
    expect(ha).not.toContain('same password');
    expect(ha).not.toBe(hb);
  });

  it('refuses a second account with the same email (any case): 409 naming email', async () => {
    await register({ email: 'twice@example.com', password: 'long enough', displayName: 'One' });
    const res = await register({ email: 'TWICE@example.com', password: 'long enough', displayName: 'Two' });
    expect(res.status).toBe(409);
    expect(res.body.error.field).toBe('email');
  });

  it.each([
    [{ password: 'long enough', displayName: 'X' }, 'email'],
    [{ email: 'not-an-email', password: 'long enough', displayName: 'X' }, 'email'],
    [{ email: 'a@example.com', password: 'short', displayName: 'X' }, 'password'],
    [{ email: 'a@example.com', password: 'long enough', displayName: 42 }, 'displayName'],
    [{ email: 'a@example.com', password: 'long enough', displayName: 'x'.repeat(121) }, 'displayName'],
    [{ email: 'a@example.com', password: 'long enough', displayName: 'X', admin: true }, 'admin'],
  ])('bad register body %j → 400 naming %s, nothing written', async (body, field) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_MESSAGE', field });
    const rows = await s.database.db.select().from(users).where(eq(users.email, 'a@example.com'));
    expect(rows).toHaveLength(0);
  });

  it('logs in with the right password and refuses a wrong one or an unknown email alike', async () => {
    const sm = await api(s);
    const ok = await anon().post('/api/auth/login', { email: sm.email.toUpperCase(), password: sm.password });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(sm.user.id);
    expect(sessionCookie(ok.headers)).not.toBe(sm.cookie);
    const wrong = await anon().post('/api/auth/login', { email: sm.email, password: 'not it at all' });
    const unknown = await anon().post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(sessionCookie(wrong.headers)).toBeNull();
  });

  it('rate-limits failed log-ins per IP and email: 429 with Retry-After, even for the right password', async () => {
    const sm = await api(s);
    for (let i = 0; i < 5; i++) {
      const res = await anon().post('/api/auth/login', { email: sm.email, password: `wrong ${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await anon().post('/api/auth/login', { email: sm.email, password: sm.password });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    const retry = Number(blocked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    // Another account from the same address is not locked out by it.
    const other = await api(s);
    const fine = await anon().post('/api/auth/login', { email: other.email, password: other.password });
    expect(fine.status).toBe(200);
  });

  it('logs out: the session is gone, the cookie cleared, and the fan-out told to close its sockets', async () => {
    const sm = await api(s);
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    const res = await sm.post('/api/auth/logout');
    off();
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/cuebe_session=;/);
    expect((await sm.get('/api/auth/me')).status).toBe(401);
    expect(seen).toContainEqual(expect.objectContaining({ type: 'access', reason: 'logged-out', userId: sm.user.id }));
  });

  it('answers /me without a session with 401', async () => {
    const res = await anon().get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('P1 refuses state-changing requests from a foreign Origin (exact match only)', async () => {
    const sm = await api(s);
    for (const origin of ['https://evil.example', `${s.origin}.evil.com`, 'null']) {
      const res = await sm.post('/api/shows', { name: 'Cross-site' }, { origin });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const login = await anon().post(
      '/api/auth/login',
      { email: sm.email, password: sm.password },
      {
        origin: 'https://evil.example',
      },
    );
    expect(login.status).toBe(403);
    expect((await sm.get('/api/shows')).body.shows).toHaveLength(0);
    const same = await sm.post('/api/shows', { name: 'Same-site' }, { origin: s.origin });
    expect(same.status).toBe(201);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: json, body: '{"email":' });
    expect(res.status).toBe(400);
  });

  it('P10 never writes passwords or session tokens to the log', async () => {
    const sm = await api(s, { password: 'a very secret passphrase' });
    await anon().post('/api/auth/login', { email: sm.email, password: 'a very secret passphrase' });
    await sm.get('/api/auth/me');
    const log = s.logs.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain('a very secret passphrase');
    expect(log).not.toContain(sm.cookie.split('=')[1]);
  });
});

describe(`auth with COOKIE_SECURE (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ env: { COOKIE_SECURE: 'true' } });
  });
  afterAll(() => s.close());

  it('marks the session cookie Secure', async () => {
    const res = await fetch(`${s.url}/api/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'secure@example.com', password: 'long enough', displayName: 'S' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/;\s*Secure/i);
  });
});
