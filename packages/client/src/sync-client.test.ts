/** SyncClient against an in-memory fake of the hub: queue, acks, rebase, gaps, reconnects, undo, storage. */
import { describe, expect, it, vi } from 'vitest';
import { OpError, filterElements, crewView, type Element, type Op } from '@cuebe/protocol';
import { SyncClient, type SyncClientOptions, type SyncEvents } from './sync-client';
import { MemoryStore } from './storage';
import { FakeServer } from './testing/fake-server';
import { cue, LX, script, SND, sortedElements } from './testing/fixtures';
import { waitFor } from './testing/wait';

function setup(server?: FakeServer) {
  const s =
    server ??
    new FakeServer({
      script,
      departments: [LX, SND],
      crew: { 'lx-token': { name: 'Lx Op', departmentIds: [LX.id] } },
    });
  const clients: SyncClient[] = [];
  const client = (opts: Partial<SyncClientOptions> = {}) => {
    const c = new SyncClient({
      url: 'ws://fake/ws/script/x',
      deviceId: 'device-1',
      createSocket: s.createSocket,
      backoff: { baseMs: 1, capMs: 5 },
      retryBackoff: { baseMs: 1, capMs: 5 },
      heartbeatMs: 0,
      ...opts,
    });
    clients.push(c);
    return c;
  };
  const events = (c: SyncClient) => {
    const log: { [K in keyof SyncEvents]?: SyncEvents[K][] } = {};
    for (const k of ['change', 'conflict', 'error', 'dropped', 'status', 'ack', 'retry'] as const)
      c.on(k, (p) => ((log[k] ??= []) as unknown[]).push(p));
    return log;
  };
  return { server: s, client, events, clients };
}

const live = (c: SyncClient) => waitFor(() => c.getSnapshot().status === 'live', 'live');
const settled = (c: SyncClient, s: FakeServer) =>
  waitFor(() => c.getSnapshot().pendingCount === 0 && c.getSnapshot().version === s.version, 'settled');
/** Submit an op the server commits but whose answer never arrives (the network is dead one way). */
async function submitUnanswered(server: FakeServer, c: SyncClient, op: Op): Promise<string> {
  [...server.connections].at(-1)!.deaf = true;
  const opId = c.submit(op);
  await waitFor(() => server.log.some((e) => e.opId === opId), 'committed, ack lost');
  return opId;
}
const elementsOf = (c: SyncClient) => sortedElements(c.getSnapshot().elements.values());
const serverElements = (s: FakeServer) => sortedElements(s.state.elements.values());

describe('connecting', () => {
  it('C7 says hello with no version, receives the snapshot and goes live', async () => {
    const { server, client } = setup();
    const a = cue({ name: 'LX 1', departmentId: LX.id });
    server.commitDirect({ kind: 'create', element: a });
    const c = client();
    expect(c.getSnapshot().status).toBe('connecting');
    await c.start();
    await live(c);
    const snap = c.getSnapshot();
    expect(snap).toMatchObject({ role: 'sm', version: 1, pendingCount: 0, departments: [LX, SND] });
    expect(snap.elements.get(a.id)).toEqual(a);
    expect(snap.script?.name).toBe('Act 1');
    // useSyncExternalStore needs the same object until something changes.
    expect(c.getSnapshot()).toBe(snap);
    expect(Object.isFrozen(snap)).toBe(true);
    const hello = [...server.sockets[0]!.conn.sent][0];
    expect(hello).toMatchObject({ type: 'hello', lastVersion: null, deviceId: 'device-1' });
    expect(hello && 'token' in hello).toBe(false);
  });

  it('C3 a crew client sends its token in the hello and sees only its departments', async () => {
    const { server, client } = setup();
    const lx = cue({ name: 'LX 1', departmentId: LX.id });
    const snd = cue({ name: 'SND 1', departmentId: SND.id, orderKey: 'a1' });
    server.commitDirect({
      kind: 'batch',
      ops: [
        { kind: 'create', element: lx },
        { kind: 'create', element: snd },
      ],
    });
    const c = client({ token: 'lx-token' });
    await c.start();
    await live(c);
    expect(c.getSnapshot().role).toBe('crew');
    expect([...c.getSnapshot().elements.keys()]).toEqual([lx.id]);
    // A cue moved into LX arrives as a create, moved out as a delete.
    server.commitDirect({ kind: 'update', id: snd.id, fields: { departmentId: LX.id } });
    await waitFor(() => c.getSnapshot().elements.has(snd.id), 'moved-in cue');
    server.commitDirect({ kind: 'update', id: lx.id, fields: { departmentId: SND.id } });
    await waitFor(() => !c.getSnapshot().elements.has(lx.id), 'moved-out cue gone');
    expect(elementsOf(c)).toEqual(
      sortedElements(filterElements(crewView(false, [LX.id]), server.state.elements.values())),
    );
    expect(() => c.submit({ kind: 'delete', id: snd.id })).not.toThrow();
    await waitFor(() => c.getSnapshot().pendingCount === 0, 'crew op refused and dropped');
    expect(server.state.elements.has(snd.id)).toBe(true);
  });
});

describe('edits', () => {
  it('C1 C3 applies an edit at once, sends it, and confirms it on the change', async () => {
    const { server, client, events } = setup();
    const c = client();
    const log = events(c);
    await c.start();
    await live(c);
    const a = cue({ name: 'LX 1' });
    const opId = c.submit({ kind: 'create', element: a });
    expect(c.getSnapshot().elements.get(a.id)).toEqual(a);
    expect(c.getSnapshot().pendingCount).toBe(1);
    expect(c.getSnapshot().version).toBe(0);
    await settled(c, server);
    expect(log.ack).toEqual([{ opId, version: 1, duplicate: false }]);
    expect(log.change?.map((e) => [e.version, e.mine, e.kind])).toEqual([[1, true, 'create']]);
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C1 throws the OpError synchronously for an edit that breaks a rule, and queues nothing', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    expect(() => c.submit({ kind: 'delete', id: crypto.randomUUID() })).toThrow(OpError);
    expect(() => c.submit({ kind: 'update', id: crypto.randomUUID(), fields: {} } as never)).toThrow(OpError);
    expect(() => c.submit({ kind: 'create', element: cue({ name: 'x', departmentId: crypto.randomUUID() }) })).toThrow(
      /department/,
    );
    expect(c.getSnapshot().pendingCount).toBe(0);
    await Promise.resolve();
    expect(server.opsReceived).toEqual([]);
  });

  it('C4 rebases pending edits on changes committed by someone else', async () => {
    const { server, client } = setup();
    const a = cue({ name: 'LX 1', notes: 'base' });
    server.commitDirect({ kind: 'create', element: a });
    const c = client();
    await c.start();
    await live(c);
    // Another editor's change lands on the server before this client's op arrives.
    c.submit({ kind: 'update', id: a.id, fields: { notes: 'mine' } });
    server.commitDirect({ kind: 'update', id: a.id, fields: { location: 'FOH', notes: 'theirs' } });
    await settled(c, server);
    expect(c.getSnapshot().elements.get(a.id)).toMatchObject({ notes: 'mine', location: 'FOH' });
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C4 drops a queued edit that no longer applies after a rebase, and says so', async () => {
    const { server, client, events } = setup();
    const a = cue({ name: 'LX 1' });
    server.commitDirect({ kind: 'create', element: a });
    const c = client();
    const log = events(c);
    await c.start();
    await live(c);
    server.refuseConnections = { code: 1006, reason: 'network down' };
    server.closeAll(1006);
    await waitFor(() => c.getSnapshot().status !== 'live', 'disconnected');
    const opId = c.submit({ kind: 'update', id: a.id, fields: { notes: 'edited offline' } });
    server.commitDirect({ kind: 'delete', id: a.id });
    server.refuseConnections = null;
    await live(c);
    await settled(c, server);
    expect(log.dropped).toEqual([expect.objectContaining({ opId, code: 'CONFLICT' })]);
    expect(c.getSnapshot().elements.size).toBe(0);
    expect(server.opsReceived).not.toContain(opId);
  });

  it('C6 drops an edit the server refuses for good, and keeps one it refuses for now', async () => {
    const { server, client, events } = setup();
    const c = client();
    const log = events(c);
    await c.start();
    await live(c);
    server.refuseNext.push({ code: 'BAD_OP', retryable: false });
    const bad = cue({ name: 'refused' });
    const badId = c.submit({ kind: 'create', element: bad });
    await waitFor(() => (log.dropped?.length ?? 0) === 1, 'dropped');
    expect(log.dropped![0]).toMatchObject({ opId: badId, code: 'BAD_OP' });
    expect(c.getSnapshot().elements.has(bad.id)).toBe(false);

    server.refuseNext.push({ code: 'UNAVAILABLE', retryable: true }, { code: 'RATE_LIMITED', retryable: true });
    const ok = cue({ name: 'retried' });
    const okId = c.submit({ kind: 'create', element: ok });
    await settled(c, server);
    expect(server.opsReceived.filter((id) => id === okId)).toHaveLength(3);
    expect(server.log.filter((e) => e.opId === okId)).toHaveLength(1);
    expect(c.getSnapshot().elements.get(ok.id)).toEqual(ok);
  });

  it('C6 W3 retries an edit whose outcome is unknown with the same op id, and applies it once', async () => {
    const { server, client, events } = setup();
    const c = client();
    const log = events(c);
    await c.start();
    await live(c);
    // The server committed it but could not confirm: OUTCOME_UNKNOWN, retryable; and this
    // device missed the broadcast, so only the retry can tell it what happened.
    server.refuseNext.push({ code: 'OUTCOME_UNKNOWN', retryable: true, applied: true });
    [...server.connections][0]!.lose.add(server.version + 1);
    const el = cue({ name: 'unknown' });
    const opId = c.submit({ kind: 'create', element: el });
    await waitFor(() => (log.ack ?? []).some((a) => a.opId === opId), 'the retry acked');
    // The next version shows the gap; the client refills it.
    server.commitDirect({ kind: 'create', element: cue({ name: 'later' }) });
    await settled(c, server);
    expect(server.opsReceived.filter((id) => id === opId)).toHaveLength(2);
    expect(server.log.filter((e) => e.opId === opId)).toHaveLength(1);
    expect(log.dropped ?? []).toEqual([]);
    expect(c.getSnapshot().elements.get(el.id)).toEqual(el);
  });

  it('C6 paces a burst of edits below the server rate limit, keeping their order', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    const made: string[] = [];
    for (let i = 0; i < 160; i++) made.push(c.submit({ kind: 'create', element: cue({ name: `Q ${i}` }) }));
    await waitFor(() => server.opsReceived.length >= 100, 'the burst');
    // Half the server's burst goes at once; the rest follows at 80 % of its sustained rate.
    expect(server.opsReceived.length).toBeLessThan(150);
    await settled(c, server);
    expect(server.opsReceived).toEqual(made);
  });

  it('passes conflict notices on as events', async () => {
    const { server, client, events } = setup();
    const c = client();
    const log = events(c);
    await c.start();
    await live(c);
    const conn = [...server.connections][0]!;
    conn.socket.onmessage?.({
      data: JSON.stringify({
        type: 'conflict',
        version: 1,
        elementId: crypto.randomUUID(),
        elementName: 'LX 5',
        field: 'notes',
        yoursWon: true,
        other: { kind: 'sm', name: 'Jane' },
        otherAt: new Date().toISOString(),
        message: "Your change to LX 5 notes replaced Jane's",
      }),
    });
    expect(log.conflict?.[0]).toMatchObject({ elementName: 'LX 5', yoursWon: true });
    conn.socket.onmessage?.({ data: '{"type":"nonsense"}' });
    expect(log.error?.[0]).toMatchObject({ code: 'BAD_MESSAGE' });
  });
});

describe('catch-up', () => {
  it('C5 asks for the missing versions when it sees a gap', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    const conn = [...server.connections][0]!;
    conn.lose.add(2);
    for (let i = 0; i < 4; i++) server.commitDirect({ kind: 'create', element: cue({ name: `c${i}` }) });
    await settled(c, server);
    expect(conn.sent.filter((m) => m.type === 'resync')).toEqual([{ type: 'resync', fromVersion: 1 }]);
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C7 reconnects with its last version and receives only what it missed', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    server.commitDirect({ kind: 'create', element: cue({ name: 'one' }) });
    await settled(c, server);
    server.closeAll(1001, 'going away');
    server.commitDirect({ kind: 'create', element: cue({ name: 'two' }) });
    await waitFor(() => server.sockets.length === 2 && c.getSnapshot().status === 'live', 'second connection');
    await settled(c, server);
    const second = server.sockets[1]!.conn;
    expect(second.sent[0]).toMatchObject({ type: 'hello', lastVersion: 1 });
    // Clock-sync pongs run beside the catch-up.
    expect(second.received.map((m) => m.type).filter((t) => t !== 'pong')).toEqual(['welcome', 'changes']);
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C2 loses nothing and duplicates nothing when the socket dies mid-stream', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    const made: Element[] = [];
    for (let i = 0; i < 20; i++) {
      const e = cue({ name: `c${i}`, orderKey: `b${String(i).padStart(2, '0')}` });
      made.push(e);
      c.submit({ kind: 'create', element: e });
      // Kill the socket after the server has seen some of them (acks may be lost on the way).
      if (i === 7) await waitFor(() => server.opsReceived.length >= 3, 'some ops received');
      if (i === 7) server.closeAll(1006, 'cut');
    }
    await settled(c, server);
    expect(server.log.map((e) => e.opId)).toHaveLength(20);
    expect(new Set(server.log.map((e) => e.opId)).size).toBe(20);
    expect(serverElements(server)).toEqual(sortedElements(made));
    expect(elementsOf(c)).toEqual(serverElements(server));
  });
});

describe('connection lifecycle', () => {
  it('C7 lists the ops it sent without an answer in the hello; the acks before the snapshot drop them', async () => {
    const server = new FakeServer({ script, departments: [LX, SND], maxCatchUp: 0 });
    const { client } = setup(server);
    const a = cue({ name: 'LX 1', departmentId: LX.id, offsetMs: 10_000 });
    server.commitDirect({ kind: 'create', element: a });
    const c = client();
    await c.start();
    await live(c);
    const opId = await submitUnanswered(server, c, { kind: 'shift', ids: [a.id], deltaMs: 500 });
    const seen: number[] = [];
    c.subscribe(() => seen.push(c.getSnapshot().elements.get(a.id)!.offsetMs));
    server.closeAll(1006, 'cut');
    await settled(c, server);
    const hello = server.sockets.at(-1)!.conn.sent[0]!;
    expect(hello).toMatchObject({ type: 'hello', lastVersion: 1, unacked: [opId] });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((o) => o !== 10_500)).toEqual([]);
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C7 a server older than protocol 4 refuses the list: the client says hello again without it', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    await submitUnanswered(server, c, { kind: 'create', element: cue({ name: 'LX 2' }) });
    server.beforeUnacked = true;
    server.closeAll(1006, 'cut');
    await settled(c, server);
    const hellos = server.sockets.slice(1).map((sock) => sock.conn.sent[0]);
    expect(hellos.map((h) => h && 'unacked' in h)).toEqual([true, false]);
    expect(c.getSnapshot().status).toBe('live');
    expect(elementsOf(c)).toEqual(serverElements(server));
  });

  it('C7 stops for good on a terminal close (revoked link) and reports why', async () => {
    const { server, client, events } = setup();
    const random = vi.fn(() => 0.5);
    const c = client({ token: 'lx-token', backoff: { baseMs: 1, capMs: 5, random } });
    const log = events(c);
    await c.start();
    await live(c);
    server.closeAll(1008, 'revoked');
    await waitFor(() => c.getSnapshot().status === 'closed', 'closed');
    expect(c.getSnapshot().closeReason).toEqual({ code: 1008, reason: 'revoked' });
    expect(log.status?.at(-1)).toEqual({ status: 'closed', closeReason: { code: 1008, reason: 'revoked' } });
    // No reconnect was even scheduled (a scheduled one draws its delay first).
    expect(random).not.toHaveBeenCalled();
    expect(server.sockets).toHaveLength(1);
    expect(() => c.submit({ kind: 'scriptInfo', fields: { notes: 'x' } })).toThrow(OpError);
  });

  it('C7 reconnects at once on 4010 and asks for a fresh view', async () => {
    const random = vi.fn(() => 0.99);
    const { server, client } = setup();
    const c = client({ backoff: { baseMs: 60_000, capMs: 60_000, random } });
    await c.start();
    await live(c);
    server.closeAll(4010, 'rights changed');
    await waitFor(() => server.sockets.length === 2 && c.getSnapshot().status === 'live', 'reconnected');
    expect(random).not.toHaveBeenCalled();
    expect(server.sockets[1]!.conn.sent[0]).toMatchObject({ type: 'hello', lastVersion: null });
  });

  it('C7 backs off with full jitter between failures and starts over after a stable connection', async () => {
    const { server, client } = setup();
    let clock = 0;
    const c = client({ now: () => clock, backoff: { baseMs: 10, capMs: 1_000, stableMs: 5_000, random: () => 0.999 } });
    const retries: SyncEvents['retry'][] = [];
    c.on('retry', (r) => retries.push(r));
    await c.start();
    await live(c);
    const cut = async () => {
      const n = server.sockets.length;
      server.closeAll(1006, 'cut');
      await waitFor(() => server.sockets.length === n + 1 && c.getSnapshot().status === 'live', 'back');
    };
    for (let i = 0; i < 4; i++) await cut(); // each connection lives 0 ms: not stable
    clock += 5_000; // this one stays up long enough
    await cut();
    expect(retries).toEqual([
      { attempt: 1, delayMs: 9 },
      { attempt: 2, delayMs: 19 },
      { attempt: 3, delayMs: 39 },
      { attempt: 4, delayMs: 79 },
      { attempt: 1, delayMs: 9 },
    ]);
  });

  it('C8 reports offline after failed attempts in a row, keeps edits queued, and sends them when back', async () => {
    const { server, client } = setup();
    const c = client({ offlineAfterAttempts: 2 });
    await c.start();
    await live(c);
    server.refuseConnections = { code: 1006, reason: '' };
    server.closeAll(1006);
    await waitFor(() => c.getSnapshot().status === 'offline', 'offline');
    const a = cue({ name: 'offline edit' });
    c.submit({ kind: 'create', element: a });
    expect(c.getSnapshot()).toMatchObject({ status: 'offline', pendingCount: 1 });
    server.refuseConnections = null;
    await live(c);
    await settled(c, server);
    expect(server.state.elements.get(a.id)).toEqual(a);
  });

  it('C8 follows the browser: offline at once when the network goes, reconnects at once when it returns', async () => {
    const listeners = new Map<string, () => void>();
    vi.stubGlobal('addEventListener', (e: string, l: () => void) => listeners.set(e, l));
    vi.stubGlobal('removeEventListener', (e: string) => listeners.delete(e));
    try {
      const { server, client } = setup();
      // A long backoff: only the online event can bring it back within the test.
      const c = client({ backoff: { baseMs: 60_000, capMs: 60_000 } });
      await c.start();
      await live(c);
      listeners.get('offline')!();
      expect(c.getSnapshot().status).toBe('offline');
      c.submit({ kind: 'create', element: cue({ name: 'while offline' }) });
      listeners.get('online')!();
      await live(c);
      await settled(c, server);
      expect(server.sockets).toHaveLength(2);
      c.close();
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('answers ping with a round trip', async () => {
    const { client } = setup();
    const c = client();
    await expect(c.ping()).rejects.toThrow('not connected');
    await c.start();
    await live(c);
    const r = await c.ping();
    expect(r.rtt).toBeGreaterThanOrEqual(0);
    expect(r.t3).toBeGreaterThanOrEqual(r.t0);
  });

  it('C11 a heartbeat that goes unanswered ends the connection and reconnects', async () => {
    const { server, client } = setup();
    const c = client({ heartbeatMs: 5, pingTimeoutMs: 10 });
    await c.start();
    await live(c);
    const first = [...server.connections][0]!;
    // The server stops answering anything on this connection (a half-open socket).
    first.server.receive = ((orig) =>
      function (this: FakeServer, conn, data) {
        if (conn === first) return;
        orig.call(this, conn, data);
      })(first.server.receive);
    await waitFor(() => server.sockets.length >= 2 && c.getSnapshot().status === 'live', 'reconnected');
    c.close();
  });
});

describe('saving delayed', () => {
  it('F3 an UNAVAILABLE error without opId marks saving delayed until the next ack', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    expect(c.getSnapshot().savingDelayed).toBe(false);
    const conn = [...server.connections].at(-1)!;
    const notice = { type: 'error', code: 'UNAVAILABLE', message: 'saving is delayed', retryable: true };
    conn.socket.onmessage?.({ data: JSON.stringify(notice) });
    await waitFor(() => c.getSnapshot().savingDelayed, 'saving delayed');
    c.submit({ kind: 'create', element: cue({ name: 'Q 1' }) });
    await settled(c, server);
    expect(c.getSnapshot().savingDelayed).toBe(false);
  });
});

describe('undo and redo', () => {
  it('C9 undoes and redoes edits as new ops, and the server agrees', async () => {
    const { server, client } = setup();
    const c = client();
    await c.start();
    await live(c);
    const a = cue({ name: 'LX 1', notes: 'one' });
    c.submit({ kind: 'create', element: a });
    c.submit({ kind: 'update', id: a.id, fields: { notes: 'two' } });
    await settled(c, server);
    expect(c.getSnapshot().canUndo).toBe(true);
    expect(c.undo()).toBe(true);
    expect(c.getSnapshot().elements.get(a.id)!.notes).toBe('one');
    expect(c.getSnapshot().canRedo).toBe(true);
    expect(c.undo()).toBe(true);
    expect(c.getSnapshot().elements.has(a.id)).toBe(false);
    await settled(c, server);
    expect(server.state.elements.has(a.id)).toBe(false);
    expect(c.redo()).toBe(true);
    expect(c.redo()).toBe(true);
    expect(c.redo()).toBe(false);
    await settled(c, server);
    expect(server.state.elements.get(a.id)).toEqual({ ...a, notes: 'two' });
    // A new edit clears the redo stack.
    c.undo();
    c.submit({ kind: 'update', id: a.id, fields: { location: 'SL' } });
    expect(c.getSnapshot().canRedo).toBe(false);
    await settled(c, server);
    expect(elementsOf(c)).toEqual(serverElements(server));
    expect(server.log).toHaveLength(8); // create, update, undo ×2, redo ×2, undo, update
  });

  it('C9 undoes an edit made offline before the server has seen it', async () => {
    const { server, client } = setup();
    const a = cue({ name: 'LX 1', notes: 'one' });
    server.commitDirect({ kind: 'create', element: a });
    const c = client();
    await c.start();
    await live(c);
    server.refuseConnections = { code: 1006, reason: '' };
    server.closeAll(1006);
    await waitFor(() => c.getSnapshot().status !== 'live', 'disconnected');
    c.submit({ kind: 'update', id: a.id, fields: { notes: 'two' } });
    expect(c.undo()).toBe(true);
    expect(c.getSnapshot().elements.get(a.id)!.notes).toBe('one');
    server.refuseConnections = null;
    await live(c);
    await settled(c, server);
    expect(server.state.elements.get(a.id)!.notes).toBe('one');
    expect(server.version).toBe(3);
  });
});

describe('storage', () => {
  it('C10 keeps offline edits across a reload and sends them exactly once', async () => {
    const { server, client } = setup();
    const store = new MemoryStore();
    const a = cue({ name: 'LX 1' });
    server.commitDirect({ kind: 'create', element: a });
    const first = client({ storage: store });
    await first.start();
    await live(first);
    server.refuseConnections = { code: 1006, reason: '' };
    server.closeAll(1006);
    await waitFor(() => first.getSnapshot().status !== 'live', 'disconnected');
    const b = cue({ name: 'LX 2', orderKey: 'a1' });
    first.submit({ kind: 'create', element: b });
    first.submit({ kind: 'update', id: a.id, fields: { notes: 'offline' } });
    await first.persisted();
    first.close(); // the page reloads

    const second = client({ storage: store });
    await second.start();
    // Shown from storage before any connection: the confirmed state plus the queued edits.
    expect(second.getSnapshot()).toMatchObject({ version: 1, pendingCount: 2 });
    expect(second.getSnapshot().elements.get(b.id)).toEqual(b);
    server.refuseConnections = null;
    await live(second);
    await settled(second, server);
    expect(server.log).toHaveLength(3);
    expect(server.state.elements.get(a.id)!.notes).toBe('offline');
    expect(elementsOf(second)).toEqual(serverElements(server));
    const hello = server.sockets.at(-1)!.conn.sent[0];
    expect(hello).toMatchObject({ type: 'hello', lastVersion: 1 });
  });

  it('C10 a client ahead of the server (database restored from a backup) reloads the script', async () => {
    const { server, client } = setup();
    const store = new MemoryStore();
    for (let i = 0; i < 3; i++) server.commitDirect({ kind: 'create', element: cue({ name: `old ${i}` }) });
    const first = client({ storage: store });
    await first.start();
    await live(first);
    await first.persisted();
    first.close();

    const restored = new FakeServer({ script, departments: [LX, SND] });
    restored.commitDirect({ kind: 'create', element: cue({ name: 'from the backup' }) });
    const second = client({ storage: store, createSocket: restored.createSocket });
    await second.start();
    expect(second.getSnapshot().version).toBe(3);
    await waitFor(() => second.getSnapshot().status === 'live' && second.getSnapshot().version === 1, 'reloaded');
    expect(elementsOf(second)).toEqual(serverElements(restored));
    expect(restored.sockets.map((s) => s.conn.sent[0])).toEqual([
      expect.objectContaining({ type: 'hello', lastVersion: 3 }),
      expect.objectContaining({ type: 'hello', lastVersion: null }),
    ]);
  });

  it('C10 ignores saved state of an unknown shape', async () => {
    const { client } = setup();
    const c = client({ storage: { get: async () => ({ format: 99 }), set: async () => {} } });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await c.start();
    await live(c);
    expect(errors).toEqual(['STORAGE']);
  });
});
