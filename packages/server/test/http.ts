/**
 * A logged-in stage manager for tests: `const sm = await api(server)` registers a fresh account
 * (its session cookie kept) and gives get/post/patch/del that answer {status, body, headers}.
 * `crewApi(server, token)` does the same with a crew link's Bearer token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Element, User } from '@cuebe/protocol';
import type { TestServer } from './harness';

export interface Res<T> {
  status: number;
  // Tests read whatever JSON a route answers; each test checks the fields it relies on.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: T extends undefined ? any : T;
  headers: Headers;
  text: string;
}

export interface Client {
  get<T = undefined>(path: string, headers?: Record<string, string>): Promise<Res<T>>;
  post<T = undefined>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Res<T>>;
  patch<T = undefined>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Res<T>>;
  del<T = undefined>(path: string, headers?: Record<string, string>): Promise<Res<T>>;
}

export interface SmClient extends Client {
  /** `cuebe_session=…`, ready for a Cookie header (sockets, raw fetch). */
  cookie: string;
  user: User;
  email: string;
  password: string;
}

export function client(server: Pick<TestServer, 'url'>, baseHeaders: () => Record<string, string>): Client {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...baseHeaders(), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, headers: res.headers, text } as Res<T>;
  }
  return {
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    patch: (path, body, headers) => call('PATCH', path, body, headers),
    del: (path, headers) => call('DELETE', path, undefined, headers),
  };
}

/** Register a new SM account (random email unless given) and keep its session cookie. */
export async function api(
  server: Pick<TestServer, 'url'>,
  opts: { email?: string; password?: string; displayName?: string } = {},
): Promise<SmClient> {
  const email = opts.email ?? `sm-${randomBytes(6).toString('hex')}@example.com`;
  const password = opts.password ?? 'correct horse battery';
  const displayName = opts.displayName ?? 'Test SM';
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, displayName }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const { user } = (await res.json()) as { user: User };
  const cookie = sessionCookie(res.headers);
  if (!cookie) throw new Error('register set no session cookie');
  const c = client(server, () => ({ cookie }));
  return { ...c, cookie, user, email, password };
}

/** A crew member's client: every request carries the link's token as a Bearer header. */
export function crewApi(server: Pick<TestServer, 'url'>, token: string): Client {
  return client(server, () => ({ authorization: `Bearer ${token}` }));
}

/** The token in a crew link (`…/c#<token>`). */
export const tokenOf = (link: string): string => link.slice(link.indexOf('#') + 1);

/** `cuebe_session=<value>` from a response's Set-Cookie, or null. */
export function sessionCookie(headers: Headers): string | null {
  for (const c of headers.getSetCookie()) {
    const m = /^(cuebe_session=[^;]*)/.exec(c);
    if (m && m[1] !== 'cuebe_session=') return m[1]!;
  }
  return null;
}

/** A valid element for create bodies and ops; override what the test cares about. */
export function element(overrides: Partial<Element> = {}): Element {
  return {
    id: randomUUID(),
    type: 'CUE',
    name: 'LX 1',
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: 0,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: 'a0V',
    ...overrides,
  };
}
