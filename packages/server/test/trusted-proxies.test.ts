/** P20 forwarding headers count only from configured proxies: real HTTP log-ins over loopback. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { backend, startServer, type TestServer } from './harness';
import { api, client } from './http';

describe(`P20 trusted proxies (${backend})`, () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const loginFrom = (server: TestServer, email: string, forwardedFor: string, password = 'not the password') =>
    client(server, () => ({ 'x-forwarded-for': forwardedFor })).post('/api/auth/login', { email, password });

  /** The `remote` of the log line of every request to the log-in route. */
  const loggedRemotes = (server: TestServer) =>
    server.logs
      .map((l) => JSON.parse(l) as { req?: { url?: string; remote?: string } })
      .filter((l) => l.req?.url === '/api/auth/login')
      .map((l) => l.req?.remote);

  it('P20 without TRUSTED_PROXIES a forged X-Forwarded-For is ignored: the limit holds and the log says the peer', async () => {
    s = await startServer();
    const sm = await api(s);
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) answers.push((await loginFrom(s, sm.email, `203.0.113.${i + 1}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    const remotes = loggedRemotes(s);
    expect(remotes.length).toBeGreaterThanOrEqual(6);
    expect(new Set(remotes)).toEqual(new Set(['127.0.0.1']));
  });

  it('P20 a peer outside TRUSTED_PROXIES is not trusted either', async () => {
    s = await startServer({ env: { TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7' } });
    const sm = await api(s);
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) answers.push((await loginFrom(s, sm.email, `203.0.113.${i + 1}`)).status);
    expect(answers.at(-1)).toBe(429);
    expect(new Set(loggedRemotes(s))).toEqual(new Set(['127.0.0.1']));
  });

  it('P20 from a proxy in TRUSTED_PROXIES the forwarded address counts, for the limit and the log', async () => {
    s = await startServer({ env: { TRUSTED_PROXIES: '127.0.0.0/8' } });
    const sm = await api(s);
    // Five failures from one forwarded client lock that client (and only it) out of the account.
    for (let i = 0; i < 5; i++) expect((await loginFrom(s, sm.email, '203.0.113.9')).status).toBe(401);
    expect((await loginFrom(s, sm.email, '203.0.113.9', sm.password)).status).toBe(429);
    // Another client behind the same proxy still logs in: the key is its address, not the proxy's.
    expect((await loginFrom(s, sm.email, '198.51.100.4', sm.password)).status).toBe(200);
    // A chain: the rightmost address not in TRUSTED_PROXIES is the client.
    expect((await loginFrom(s, sm.email, '198.51.100.77, 127.0.0.5')).status).toBe(401);
    const remotes = loggedRemotes(s);
    expect(remotes).toContain('203.0.113.9');
    expect(remotes).toContain('198.51.100.4');
    expect(remotes).toContain('198.51.100.77');
    expect(remotes).not.toContain('127.0.0.1');
  });

  it.each(['10.0.0.0/33', 'not-an-ip', '::1/129', '10.0.0.1/x', '300.1.1.1'])(
    'P20 TRUSTED_PROXIES=%s stops the start with a message naming it',
    (value) => {
      expect(() => loadConfig({ TRUSTED_PROXIES: value })).toThrow(/TRUSTED_PROXIES/);
    },
  );

  it('P20 TRUSTED_PROXIES accepts addresses, CIDR ranges (IPv4 and IPv6) and named ranges', () => {
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.11, 10.0.0.0/24,fd00::/8, ::1, loopback ' }).trustedProxies).toEqual([
      '10.0.0.11',
      '10.0.0.0/24',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
    expect(loadConfig({}).trustedProxies).toEqual([]);
  });
});
