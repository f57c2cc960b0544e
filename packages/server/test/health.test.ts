import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startServer, type TestServer } from './harness';

describe(`health (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('answers liveness and readiness with the storage kind', async () => {
    const live = await fetch(`${s.url}/healthz`);
    expect(live.status).toBe(200);
    const ready = await (await fetch(`${s.url}/readyz`)).json();
    expect(ready).toEqual({ ok: true, database: backend });
  });

  it('sends security headers', async () => {
    const res = await fetch(`${s.url}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await fetch(`${s.url}/api/nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('NOT_FOUND');
  });
});
