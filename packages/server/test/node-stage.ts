/**
 * A stage on a node process, made through its REST API as an SM would (an account, a show with
 * a department, a shared script with cues, a crew link), and a raw socket client that records
 * every message — for tests that cannot reach into the node's database handle.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import { PROTOCOL_VERSION, ServerMessage, type ClientMessage, type Element } from '@cuebe/protocol';
import { waitFor } from './wait';

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** One request; a request the node did not answer (reset, refused, timed out) throws. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { cookie?: string; token?: string; json?: unknown; csv?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: base };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = opts.csv;
  }
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const Json = z.record(z.string(), z.unknown());

function field(text: string, ...path: string[]): string {
  let v: unknown = JSON.parse(text);
  for (const k of path) v = Json.parse(v)[k];
  return z.string().parse(v);
}

function expectStatus(r: Answer, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text}`);
}

export interface NodeStage {
  base: string;
  cookie: string;
  showId: string;
  scriptId: string;
  cueIds: string[];
  crewToken: string;
  crewId: string;
}

export function cueElement(i: number, departmentId: string | null): Element {
  return {
    id: randomUUID(),
    type: 'CUE',
    name: `Q ${i}`,
    notes: '',
    departmentId,
    priority: 'NORMAL',
    offsetMs: i * 1000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: `m${String(i).padStart(13, '0')}`,
  };
}

export async function makeNodeStage(
  base: string,
  cues = 10,
  crew: { expiresInDays?: number } = {},
): Promise<NodeStage> {
  const email = `sm-${randomBytes(6).toString('hex')}@example.com`;
  const reg = await call(base, 'POST', '/api/auth/register', {
    json: { email, password: 'correct horse battery staple', displayName: 'Test SM' },
  });
  expectStatus(reg, 201, 'register');
  const cookie = reg.headers
    .getSetCookie()
    .map((c) => /^(cuebe_session=[^;]+)/.exec(c)?.[1])
    .find(Boolean);
  if (!cookie) throw new Error('register set no cookie');
  const show = await call(base, 'POST', '/api/shows', { cookie, json: { name: 'Faults', defaultDepartments: false } });
  expectStatus(show, 201, 'show');
  const showId = field(show.text, 'show', 'id');
  const dept = await call(base, 'POST', `/api/shows/${showId}/departments`, {
    cookie,
    json: { name: 'Lighting', initials: 'LX', colour: '#ffcc00' },
  });
  expectStatus(dept, 201, 'department');
  const LX = field(dept.text, 'department', 'id');
  const script = await call(base, 'POST', `/api/shows/${showId}/scripts`, {
    cookie,
    json: { name: 'Act 1', shared: true },
  });
  expectStatus(script, 201, 'script');
  const scriptId = field(script.text, 'script', 'id');
  const elements = Array.from({ length: cues }, (_, i) => cueElement(i + 1, LX));
  const seeded = await call(base, 'POST', `/api/scripts/${scriptId}/ops`, {
    cookie,
    json: {
      opId: randomUUID(),
      baseVersion: 0,
      op: { kind: 'batch', ops: elements.map((element) => ({ kind: 'create', element })) },
    },
  });
  expectStatus(seeded, 200, 'seed cues');
  const link = await call(base, 'POST', `/api/shows/${showId}/crew`, {
    cookie,
    json: { name: 'Crew', allDepartments: true, departmentIds: [], ...crew },
  });
  expectStatus(link, 201, 'crew link');
  const url = field(link.text, 'crew', 'link');
  return {
    base,
    cookie,
    showId,
    scriptId,
    cueIds: elements.map((e) => e.id),
    crewToken: url.slice(url.indexOf('#') + 1),
    crewId: field(link.text, 'crew', 'id'),
  };
}

/** A socket that says hello and records every message and how it closed. */
export class NodeSocket {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string; at: number } | null = null;
  readonly openedAt = performance.now();
  private readonly ws: WebSocket;

  constructor(
    base: string,
    scriptId: string,
    who: { cookie?: string; token?: string },
    lastVersion: number | null = null,
  ) {
    const headers: Record<string, string> = { origin: base };
    if (who.cookie) headers.cookie = who.cookie;
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/script/${scriptId}`, {
      headers,
      perMessageDeflate: false,
    });
    this.ws.on('open', () =>
      this.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        lastVersion,
        deviceId: randomUUID(),
        ...(who.token ? { token: who.token } : {}),
      }),
    );
    this.ws.on('message', (data: Buffer) => {
      const parsed = ServerMessage.safeParse(JSON.parse(String(data)));
      if (parsed.success) this.messages.push(parsed.data);
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason), at: Date.now() }));
    this.ws.on('error', () => {});
  }

  send(msg: ClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  all<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  async until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitFor(pred, timeoutMs, what);
  }

  /** The answer to one op or command (ack / commandAck, or an error naming it). */
  answerTo(id: string): ServerMessage | undefined {
    return this.messages.find(
      (m) =>
        (m.type === 'ack' && m.opId === id) ||
        (m.type === 'error' && m.opId === id) ||
        ((m.type === 'commandAck' || m.type === 'commandError') && m.commandId === id),
    );
  }

  close(): void {
    this.ws.terminate();
  }
}
