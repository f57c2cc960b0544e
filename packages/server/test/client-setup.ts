/**
 * The sync client against a real server: a show, departments, a shared script and crew links
 * made through the REST API, SyncClients on real sockets (the `ws` package, with the Origin and
 * Cookie headers a browser would send), and the database's own view of the script to compare with.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { crewView, filterElements, FULL_VIEW, type Element, type View } from '@cuebe/protocol';
import { SyncClient, type SyncClientOptions, type WebSocketLike } from '@cuebe/client';
import { sortedElements } from '@cuebe/client/testing';
import { elements as elementRows, ops, scripts } from '../src/db/schema';
import { toElement } from '../src/scripts/rows';
import type { TestServer } from './harness';
import { api, tokenOf, type SmClient } from './http';

export interface CrewLink {
  id: string;
  token: string;
  view: View;
}

export interface Stage {
  sm: SmClient;
  showId: string;
  LX: string;
  SND: string;
  /** Crew links: one for lighting, one for sound. */
  crew: { LX: CrewLink; SND: CrewLink };
}

/** An SM account, a show with two departments and two crew links, all through the REST API. */
export async function stage(s: TestServer): Promise<Stage> {
  const sm = await api(s);
  const show = await sm.post('/api/shows', { name: 'Hamlet', defaultDepartments: false });
  if (show.status !== 201) throw new Error(`show: ${show.status} ${show.text}`);
  const showId: string = show.body.show.id;
  const dept = async (name: string, initials: string, colour: string) => {
    const r = await sm.post(`/api/shows/${showId}/departments`, { name, initials, colour });
    if (r.status !== 201) throw new Error(`department: ${r.status} ${r.text}`);
    return r.body.department.id as string;
  };
  const LX = await dept('Lighting', 'LX', '#ffcc00');
  const SND = await dept('Sound', 'SND', '#00ccff');
  const link = async (name: string, departmentId: string) => {
    const r = await sm.post(`/api/shows/${showId}/crew`, { name, departmentIds: [departmentId] });
    if (r.status !== 201) throw new Error(`crew: ${r.status} ${r.text}`);
    return {
      id: r.body.crew.id as string,
      token: tokenOf(r.body.crew.link as string),
      view: crewView(false, [departmentId]),
    };
  };
  return { sm, showId, LX, SND, crew: { LX: await link('Sam LX', LX), SND: await link('Kim SND', SND) } };
}

/** A new shared script (with the SHOW START / SHOW END notes every script begins with). */
export async function newScript(st: Stage): Promise<string> {
  const r = await st.sm.post(`/api/shows/${st.showId}/scripts`, { name: 'Act 1', shared: true });
  if (r.status !== 201) throw new Error(`script: ${r.status} ${r.text}`);
  return r.body.script.id as string;
}

/** A WebSocketLike on the `ws` package, with the headers a browser would send. */
export function nodeSocket(url: string, headers: Record<string, string>): WebSocketLike & { kill(): void } {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const like = {
    get readyState() {
      return ws.readyState;
    },
    send: (data: string) => ws.send(data),
    close: (code?: number, reason?: string) => ws.close(code, reason),
    /** Drop the TCP connection without a closing handshake (a pulled cable). */
    kill: () => ws.terminate(),
    onopen: null as WebSocketLike['onopen'],
    onmessage: null as WebSocketLike['onmessage'],
    onclose: null as WebSocketLike['onclose'],
    onerror: null as WebSocketLike['onerror'],
  };
  ws.on('open', () => like.onopen?.({}));
  ws.on('message', (data, isBinary) => like.onmessage?.({ data: isBinary ? data : data.toString() }));
  ws.on('close', (code, reason) => like.onclose?.({ code, reason: reason.toString() }));
  ws.on('error', (err) => like.onerror?.(err));
  return like;
}

export interface ClientHandle {
  client: SyncClient;
  /** Every socket this client opened, newest last. */
  sockets: ReturnType<typeof nodeSocket>[];
  view: View;
}

/**
 * A SyncClient for the SM (cookie) or a crew link (token). `server()` is read at every connect,
 * so a client follows a restarted server to its new port.
 */
export function connect(
  server: () => TestServer,
  scriptId: string,
  who: { cookie: string } | { token: string; view: View },
  opts: Partial<SyncClientOptions> = {},
): ClientHandle {
  const sockets: ReturnType<typeof nodeSocket>[] = [];
  const client = new SyncClient({
    url: `ws/script/${scriptId}`,
    deviceId: randomUUID(),
    ...('token' in who ? { token: who.token } : {}),
    createSocket: () => {
      const s = server();
      const headers: Record<string, string> = { origin: s.origin };
      if ('cookie' in who) headers.cookie = who.cookie;
      const sock = nodeSocket(`${s.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`, headers);
      sockets.push(sock);
      return sock;
    },
    backoff: { baseMs: 5, capMs: 100 },
    retryBackoff: { baseMs: 5, capMs: 100 },
    heartbeatMs: 0,
    ...opts,
  });
  void client.start();
  return { client, sockets, view: 'token' in who ? who.view : FULL_VIEW };
}

/** The script as the database holds it: its version and elements. */
export async function databaseState(
  s: TestServer,
  scriptId: string,
): Promise<{ version: number; elements: Element[] }> {
  const db = s.ctx.database.db;
  const [row] = await db.select({ version: scripts.version }).from(scripts).where(eq(scripts.id, scriptId));
  const rows = await db.select().from(elementRows).where(eq(elementRows.scriptId, scriptId));
  return { version: row!.version, elements: sortedElements(rows.map(toElement)) };
}

/** The op ids the log holds for a script, in version order. */
export async function loggedOpIds(s: TestServer, scriptId: string): Promise<(string | null)[]> {
  const rows = await s.ctx.database.db
    .select({ opId: ops.opId, version: ops.version })
    .from(ops)
    .where(and(eq(ops.scriptId, scriptId)));
  return rows.sort((a, b) => a.version - b.version).map((r) => r.opId);
}

/** Wait until every client is live, has nothing pending and holds the database's version. */
export async function settle(s: TestServer, scriptId: string, handles: ClientHandle[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const db = await databaseState(s, scriptId);
    const done = handles.every((h) => {
      const snap = h.client.getSnapshot();
      return snap.status === 'live' && snap.pendingCount === 0 && snap.version === db.version;
    });
    if (done) {
      // The version may have moved while we looked: read again and check nothing is left behind.
      const again = await databaseState(s, scriptId);
      if (again.version === db.version) return again;
    }
    if (Date.now() > deadline) {
      const states = handles.map((h) => {
        const snap = h.client.getSnapshot();
        return `${snap.status} v${snap.version} pending ${snap.pendingCount}`;
      });
      throw new Error(`clients did not settle at v${db.version}: ${states.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every client's elements equal the database's, filtered by what that client may see. */
export function expectConverged(db: { elements: Element[] }, handles: ClientHandle[]): void {
  for (const h of handles) {
    const mine = sortedElements(h.client.getSnapshot().elements.values());
    const theirs = sortedElements(filterElements(h.view, db.elements));
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      const ids = (l: Element[]) => new Set(l.map((e) => e.id));
      const a = ids(mine);
      const b = ids(theirs);
      const diff = mine.filter((e) => JSON.stringify(e) !== JSON.stringify(theirs.find((t) => t.id === e.id)));
      throw new Error(
        `client (${h.view.kind}) differs from the database: ${[...a].filter((x) => !b.has(x)).length} extra, ` +
          `${[...b].filter((x) => !a.has(x)).length} missing, ${diff.length} different`,
      );
    }
  }
}
