import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startServer, type TestServer } from './harness';
import { api, crewApi, tokenOf } from './http';

describe(`account notification preferences (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('defaults, then keeps what the SM sets, per account, across sessions', async () => {
    const sm = await api(s);
    const first = await sm.get('/api/auth/me/preferences');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ preferences: { notify: { changes: 'all', departmentIds: [], sound: false } } });
    const dept = randomUUID();
    const set = await sm.patch('/api/auth/me/preferences', {
      notify: { changes: 'departments', departmentIds: [dept] },
    });
    expect(set.status).toBe(200);
    expect(set.body.preferences.notify).toEqual({ changes: 'departments', departmentIds: [dept], sound: false });
    // Only the fields sent change.
    await sm.patch('/api/auth/me/preferences', { notify: { sound: true } });
    // A new session (another device) of the same account sees them.
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: sm.email, password: sm.password }),
    });
    const cookie = /^(cuebe_session=[^;]*)/.exec(login.headers.getSetCookie()[0]!)![1]!;
    const other = await fetch(`${s.url}/api/auth/me/preferences`, { headers: { cookie } });
    expect(((await other.json()) as { preferences: unknown }).preferences).toEqual({
      notify: { changes: 'departments', departmentIds: [dept], sound: true },
    });
    // Another account has its own.
    const jane = await api(s);
    expect((await jane.get('/api/auth/me/preferences')).body.preferences.notify.changes).toBe('all');
  });

  it('refuses bad values with the field named, and anyone not logged in', async () => {
    const sm = await api(s);
    const bad = await sm.patch('/api/auth/me/preferences', { notify: { changes: 'sometimes' } });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'notify.changes']);
    const extra = await sm.patch('/api/auth/me/preferences', { notify: { sound: true }, theme: 'dark' });
    expect([extra.status, extra.body.error.field]).toEqual([400, 'theme']);
    expect((await sm.get('/api/auth/me/preferences')).body.preferences.notify.sound).toBe(false);
    expect((await fetch(`${s.url}/api/auth/me/preferences`)).status).toBe(401);
    // A crew link is not an account.
    const { body } = await sm.post('/api/shows', { name: 'P' });
    const crew = await sm.post(`/api/shows/${body.show.id}/crew`, { name: 'Sam', allDepartments: true });
    const c = crewApi(s, tokenOf(crew.body.crew.link));
    expect((await c.get('/api/auth/me/preferences')).status).toBe(401);
  });
});
