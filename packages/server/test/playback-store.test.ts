/**
 * PlaybackStore against a real database (PGlite, or PostgreSQL with CUEBE_TEST_DB=postgres):
 * commands persisted with their show events, state restored after a restart, concurrent
 * commands serialised with contiguous versions, refused commands leave nothing written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { showTimeAt, type PlaybackCommand } from '@cuebe/protocol';
import { openDatabase, type Database } from '../src/db/open';
import { elements, playback, scripts, showEvents, shows, users } from '../src/db/schema';
import { PlaybackCommandError } from '../src/live/errors';
import { PlaybackStore } from '../src/live/playback-store';
import type { ActorRef } from '../src/scripts/store';
import { backend, freshPgDatabase } from './harness';

const sm: ActorRef = { kind: 'sm', name: 'Jo SM', id: null };
const T0 = 1_750_000_000_000.25;

/** A database that can be closed and opened again on the same data (a server restart). */
async function durableDatabase() {
  let dir: string | undefined;
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (backend === 'postgres') ({ url, drop } = await freshPgDatabase());
  else dir = mkdtempSync(join(tmpdir(), 'cuebe-playback-'));
  const open = () => openDatabase({ url, dataDir: dir });
  const cleanup = async () => {
    await drop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  return { open, cleanup };
}

async function seedScript(database: Database) {
  const db = database.db;
  const userId = randomUUID();
  const showId = randomUUID();
  const scriptId = randomUUID();
  await db.insert(users).values({ id: userId, email: `${userId}@example.com`, displayName: 'Jo', passwordHash: 'x' });
  await db.insert(shows).values({ id: showId, ownerId: userId, name: 'Macbeth' });
  await db.insert(scripts).values({ id: scriptId, showId, name: 'Calling script', status: 'WORKING' });
  const cue = (n: number, type: 'CUE' | 'NOTE' = 'CUE') => ({
    id: randomUUID(),
    scriptId,
    type,
    name: type === 'CUE' ? `LX ${n}` : `Note ${n}`,
    priority: 'NORMAL' as const,
    offsetMs: n * 10_000,
    orderKey: `a${n}`,
  });
  const rows = [cue(1), cue(2), cue(3), cue(4, 'NOTE')];
  await db.insert(elements).values(rows);
  return { scriptId, showId, cues: rows.map((r) => r.id) };
}

async function counts(database: Database, scriptId: string) {
  const pb = await database.db.select().from(playback).where(eq(playback.scriptId, scriptId));
  const ev = await database.db.select().from(showEvents).where(eq(showEvents.scriptId, scriptId));
  return { version: pb[0]?.version ?? null, events: ev.length };
}

describe(`playback store (${backend})`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  let shared: Database;
  let dropShared: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    let url: string | undefined;
    if (backend === 'postgres') ({ url, drop: dropShared } = await freshPgDatabase());
    shared = await openDatabase({ url, dataDir: 'memory://' });
  });
  afterAll(async () => {
    await shared.close();
    await dropShared?.();
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  /** A fresh script on the shared database. */
  async function setup() {
    const seeded = await seedScript(shared);
    return { ...seeded, database: shared, store: new PlaybackStore(shared.db) };
  }

  /** A fresh script on a database of its own that can be restarted. */
  async function setupDurable() {
    const durable = await durableDatabase();
    cleanups.push(durable.cleanup);
    let current = await durable.open();
    cleanups.push(() => current.close());
    const seeded = await seedScript(current);
    return {
      ...seeded,
      database: current,
      store: new PlaybackStore(current.db),
      /** Close the database and open it again, as a restarted server would. */
      async restart() {
        await current.close();
        current = await durable.open();
        return { database: current, store: new PlaybackStore(current.db) };
      },
    };
  }

  it('a script that never had a command is STOPPED at version 0; an unknown script is 404', async () => {
    const { store, scriptId } = await setup();
    expect(await store.load(scriptId)).toMatchObject({ status: 'STOPPED', version: 0, anchorShowMs: 0 });
    await expect(store.load(randomUUID())).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(store.command(randomUUID(), { kind: 'play' }, sm, T0)).rejects.toMatchObject({ status: 404 });
  });

  it('persists every transition with its show event, and a restart restores the state', async () => {
    const s = await setupDurable();
    const steps: [PlaybackCommand, number][] = [
      [{ kind: 'play' }, T0],
      [{ kind: 'standby', cueIds: [s.cues[0]!, s.cues[1]!] }, T0 + 5_000],
      [{ kind: 'go', cueId: s.cues[0]! }, T0 + 10_000],
      [{ kind: 'safety', reason: 'actor injured' }, T0 + 12_000],
      [{ kind: 'resume' }, T0 + 42_000],
      [{ kind: 'rate', rate: 1.5 }, T0 + 43_000],
      [{ kind: 'pause' }, T0 + 45_000],
    ];
    let last;
    for (const [c, t] of steps) last = await s.store.command(s.scriptId, c, sm, t, { commandId: randomUUID() });
    expect(last!.version).toBe(7);
    expect(last!.state).toMatchObject({ status: 'PAUSED', rate: 1.5, currentCueId: s.cues[0], pausedMs: 30_000 });
    const frozen = showTimeAt(last!.state, T0 + 99_000);
    expect(frozen).toBeCloseTo(10_000 + 2_000 + 1_000 + 3_000, 6);

    const events = await s.store.events(s.scriptId);
    expect(events.map((e) => [e.kind, e.version, e.data.status])).toEqual([
      ['play', 1, 'PLAYING'],
      ['standby', 2, 'PLAYING'],
      ['go', 3, 'PLAYING'],
      ['safety', 4, 'SAFETY'],
      ['resume', 5, 'PLAYING'],
      ['rate', 6, 'PLAYING'],
      ['pause', 7, 'PAUSED'],
    ]);
    expect(events[2]!.serverMs).toBe(Math.round(T0 + 10_000));
    expect(events[3]!.data.command).toEqual({ kind: 'safety', reason: 'actor injured' });
    expect(events[2]!.actor).toEqual({ kind: 'sm', name: 'Jo SM', id: null });

    const { store } = await s.restart();
    const restored = await store.load(s.scriptId);
    expect(restored).toEqual(last!.state);
    // Carries on from the restored state.
    const resumed = await store.command(s.scriptId, { kind: 'resume' }, sm, T0 + 100_000);
    expect(resumed.version).toBe(8);
    expect(showTimeAt(resumed.state, T0 + 102_000)).toBeCloseTo(frozen + 3_000, 6);
  });

  it('L2 a stopped performance reopens as the same one: one performance, its log continues, ended again at the end', async () => {
    const s = await setupDurable();
    const run = (c: PlaybackCommand, t: number) => s.store.command(s.scriptId, c, sm, t, { commandId: randomUUID() });
    await run({ kind: 'play' }, T0);
    await run({ kind: 'go', cueId: s.cues[0]! }, T0 + 10_000);
    await run({ kind: 'stop' }, T0 + 12_000);
    const [stopped] = await s.store.performances(s.scriptId);
    expect(stopped!.endedAtServerMs).toBe(Math.round(T0 + 12_000));
    // Reopened after a restart: the stopped run is kept with the state, not in memory.
    const { store } = await s.restart();
    const reopened = await store.command(s.scriptId, { kind: 'reopen' }, sm, T0 + 20_000);
    expect(reopened.state).toMatchObject({ status: 'PAUSED', performanceId: stopped!.id, currentCueId: s.cues[0] });
    expect(showTimeAt(reopened.state, T0 + 30_000)).toBeCloseTo(12_000, 6);
    expect((await store.performances(s.scriptId)).map((p) => [p.id, p.endedAtServerMs])).toEqual([[stopped!.id, null]]);
    await store.command(s.scriptId, { kind: 'resume' }, sm, T0 + 21_000);
    await store.command(s.scriptId, { kind: 'go', cueId: s.cues[1]! }, sm, T0 + 22_000);
    await store.command(s.scriptId, { kind: 'complete' }, sm, T0 + 30_000);
    const list = await store.performances(s.scriptId);
    expect(list.map((p) => [p.id, p.endedAtServerMs])).toEqual([[stopped!.id, Math.round(T0 + 30_000)]]);
    expect((await store.performanceEvents(stopped!.id)).map((e) => e.kind)).toEqual([
      'play',
      'go',
      'stop',
      'reopen',
      'resume',
      'go',
      'complete',
    ]);
    // Nothing to reopen once a new run started.
    await store.command(s.scriptId, { kind: 'stop' }, sm, T0 + 31_000);
    await store.command(s.scriptId, { kind: 'play' }, sm, T0 + 32_000);
    await store.command(s.scriptId, { kind: 'stop' }, sm, T0 + 33_000);
    expect((await store.performances(s.scriptId)).length).toBe(2);
  });

  it('a restart while playing keeps the show running on the reference clock', async () => {
    const s = await setupDurable();
    await s.store.command(s.scriptId, { kind: 'seek', showMs: -60_000 }, sm, T0);
    await s.store.command(s.scriptId, { kind: 'play' }, sm, T0 + 1_000);
    const { store } = await s.restart();
    const state = await store.load(s.scriptId);
    expect(state.status).toBe('PLAYING');
    expect(showTimeAt(state, T0 + 61_000)).toBeCloseTo(0, 6);
  });

  it('refused commands leave nothing written and say why', async () => {
    const s = await setup();
    const refused = async (c: PlaybackCommand) => {
      const err = await s.store.command(s.scriptId, c, sm, T0, { commandId: randomUUID() }).catch((e) => e);
      expect(err).toBeInstanceOf(PlaybackCommandError);
      return err as PlaybackCommandError;
    };
    const pause = await refused({ kind: 'pause' });
    expect(pause).toMatchObject({ status: 409, code: 'BAD_OP', reason: 'INVALID_TRANSITION' });
    expect(pause.message).toBe('cannot pause now: the show is not running');
    // The very first command was refused: not even the playback row was made.
    expect(await counts(s.database, s.scriptId)).toEqual({ version: null, events: 0 });

    await s.store.command(s.scriptId, { kind: 'play' }, sm, T0);
    expect(await refused({ kind: 'go', cueId: randomUUID() })).toMatchObject({
      status: 404,
      reason: 'UNKNOWN_ELEMENT',
    });
    expect(await refused({ kind: 'go', cueId: s.cues[3]! })).toMatchObject({ status: 400, reason: 'NOT_A_CUE' });
    expect(await refused({ kind: 'play' })).toMatchObject({ reason: 'INVALID_TRANSITION' });
    expect(await counts(s.database, s.scriptId)).toEqual({ version: 1, events: 1 });
    expect((await s.store.load(s.scriptId)).version).toBe(1);
  });

  it('a cue of another script is unknown here', async () => {
    const s = await setup();
    const other = await seedScript(s.database);
    await s.store.command(s.scriptId, { kind: 'play' }, sm, T0);
    const err = await s.store.command(s.scriptId, { kind: 'go', cueId: other.cues[0]! }, sm, T0).catch((e) => e);
    expect(err).toMatchObject({ reason: 'UNKNOWN_ELEMENT' });
  });

  it('a retried command id is applied once', async () => {
    const s = await setup();
    const commandId = randomUUID();
    const first = await s.store.command(s.scriptId, { kind: 'play' }, sm, T0, { commandId });
    const again = await s.store.command(s.scriptId, { kind: 'play' }, sm, T0 + 5, { commandId });
    expect(first).toMatchObject({ duplicate: false, version: 1 });
    expect(again).toMatchObject({ duplicate: true, version: 1, event: null });
    expect(again.state).toEqual(first.state);
    expect(await counts(s.database, s.scriptId)).toEqual({ version: 1, events: 1 });
  });

  it('concurrent commands are serialised: contiguous versions, one event each, nothing lost', async () => {
    const s = await setup();
    await s.store.command(s.scriptId, { kind: 'play' }, sm, T0);
    const n = 24;
    // Two stores on one database, as two nodes would be.
    const stores = [s.store, new PlaybackStore(s.database.db)];
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        stores[i % 2]!.command(
          s.scriptId,
          { kind: 'highlight', ids: [s.cues[i % 4]!] },
          { ...sm, name: `SM ${i}` },
          T0 + 1_000 + i,
          { commandId: randomUUID() },
        ),
      ),
    );
    const versions = results.map((r) => r.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    const events = await s.store.events(s.scriptId);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    const final = await s.store.load(s.scriptId);
    expect(final.version).toBe(n + 1);
    // The last applied command's highlight is the state's: writes were not interleaved.
    const lastResult = results.find((r) => r.version === n + 1)!;
    expect(final.highlightedIds).toEqual(lastResult.state.highlightedIds);
  });

  it('concurrent first commands make one row (no lost update on creation)', async () => {
    const s = await setup();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        s.store.command(s.scriptId, { kind: 'seek', showMs: i * 1_000 }, sm, T0 + i, { commandId: randomUUID() }),
      ),
    );
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await counts(s.database, s.scriptId)).toEqual({ version: 6, events: 6 });
  });

  it('deleting the script removes its playback and its log', async () => {
    const s = await setup();
    await s.store.command(s.scriptId, { kind: 'play' }, sm, T0);
    await s.database.db.delete(scripts).where(eq(scripts.id, s.scriptId));
    expect(await counts(s.database, s.scriptId)).toEqual({ version: null, events: 0 });
  });
});
