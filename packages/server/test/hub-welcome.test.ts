/**
 * The window around the welcome (docs/PROTOCOL.md "Limits": frames between hello and welcome):
 * at most 100 frames may wait for the welcome, but frames sent after it — a reconnecting SM's
 * queued ops, while the rest of its catch-up and the playback state are still being sent — are
 * kept and handled in order, never counted against that cap. Each test holds the server at the
 * point in question (the credential check, the playback read) until it has received the frames,
 * so the outcome does not depend on timing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryStore, PersistedState, type SyncEvents } from '@cuebe/client';
import { waitFor } from '@cuebe/client/testing';
import { hubOf } from '../src/hub';
import { Connection } from '../src/hub/connection';
import { backend, startServer, type TestServer } from './harness';
import { connect, loggedOpIds, settle, type ClientHandle } from './client-setup';
import { cue, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

/** A promise the test opens when it is ready. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe(`hub welcome window (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const wires: Wire[] = [];
  const handles: ClientHandle[] = [];

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    for (const w of wires) w.close();
    for (const h of handles) h.client.close();
    await s.close();
  });

  /** Frames the server has taken from every socket since the call (the spy calls through). */
  function countFrames(): () => number {
    const spy = vi.spyOn(Connection.prototype, 'onFrame');
    return () => spy.mock.calls.length;
  }

  /** Hold every playback read (the last step before a connection handles its queued frames). */
  function holdPlayback(): { open: () => void } {
    const g = gate();
    const load = s.ctx.playback.load.bind(s.ctx.playback);
    vi.spyOn(s.ctx.playback, 'load').mockImplementation(async (scriptId) => {
      await g.wait;
      return load(scriptId);
    });
    return g;
  }

  it('frames sent after the welcome, while the catch-up is still going out, are all handled (no 4029)', async () => {
    const scriptId = await makeScript(s, show.showId, { elements: [cue()] });
    const frames = countFrames();
    const held = holdPlayback();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    wires.push(w);
    await w.next('welcome');
    // 150 pings: within the rate limit's burst (200), over the pre-welcome cap (100).
    for (let id = 1; id <= 150; id++) w.send({ type: 'ping', id, t0: id });
    await waitFor(() => frames() >= 151, 'the server to receive hello + 150 pings', 5_000);
    held.open();
    await w.until((all) => all.filter((m) => m.type === 'pong').length === 150, 5_000, '150 pongs');
    const ids = w.messages.flatMap((m) => (m.type === 'pong' ? [m.id] : []));
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(w.ws.readyState).toBe(w.ws.OPEN);
  });

  it('more than 100 frames before the welcome still close the socket with 4029', async () => {
    const scriptId = await makeScript(s, show.showId, { elements: [cue()] });
    const hub = hubOf(s.app);
    const g = gate();
    const authenticate = hub.authenticate.bind(hub);
    vi.spyOn(hub, 'authenticate').mockImplementation(async (...args) => {
      await g.wait;
      return authenticate(...args);
    });
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    wires.push(w);
    for (let id = 1; id <= 101; id++) w.send({ type: 'ping', id, t0: id });
    const closed = await w.closed;
    g.open();
    expect(closed).toEqual({ code: 4029, reason: 'too many messages before welcome' });
    expect(w.messages.some((m) => m.type === 'welcome')).toBe(false);
  });

  it('an SM reconnecting with 150 queued edits gets every one committed on that connection (crash recovery)', async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const storage = new MemoryStore();
    // First visit: load the script, then leave (storage keeps the confirmed state).
    const first = connect(() => s, scriptId, { cookie: sm.cookie }, { storage });
    handles.push(first);
    await waitFor(() => first.client.getSnapshot().status === 'live', 'first visit live', 10_000);
    first.client.close();
    await first.client.persisted();
    // Edits made offline (as a crashed node leaves them): 150 ops waiting in storage.
    const saved = PersistedState.parse(await storage.get());
    const opIds: string[] = Array.from({ length: 150 }, () => randomUUID());
    await storage.set({
      ...saved,
      pending: opIds.map((opId, i) => ({
        opId,
        op: { kind: 'update' as const, id: el.id, fields: { notes: `offline ${i}` } },
        baseVersion: saved.version,
      })),
    });

    const frames = countFrames();
    const held = holdPlayback();
    const closes: number[] = [];
    const back = connect(() => s, scriptId, { cookie: sm.cookie }, { storage });
    handles.push(back);
    back.client.on('status', (e: SyncEvents['status']) => {
      if (e.status !== 'live' && e.closeReason) closes.push(e.closeReason.code);
    });
    // The client goes live on the catch-up and sends its queue at once (paced to the burst),
    // while the server is still on the playback read.
    await waitFor(() => frames() > 101, 'over 100 frames after the hello', 10_000);
    held.open();
    await settle(s, scriptId, [back]);
    expect(closes).toEqual([]);
    expect(back.sockets).toHaveLength(1);
    const logged = await loggedOpIds(s, scriptId);
    expect(logged.filter((id): id is string => id !== null && opIds.includes(id))).toEqual(opIds);
  });
});
