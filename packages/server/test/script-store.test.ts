/**
 * ScriptStore's commit against a real database (PGlite, or PostgreSQL with CUEBE_TEST_DB=postgres).
 * A commit applies the op to the cached state and writes it in one statement that only takes
 * effect on that version; two stores on one database stand for two nodes, each with a cache the
 * other's commits make stale. What the database holds must always be what the ops say.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import type { Element, Op } from '@cuebe/protocol';
import { openDatabase, type Database } from '../src/db/open';
import { departments, elements, ops, scripts, shows, users } from '../src/db/schema';
import { toElement } from '../src/scripts/rows';
import { ScriptStore, type ActorRef, type CommitInput } from '../src/scripts/store';
import { backend, freshPgDatabase } from './harness';

const sm: ActorRef = { kind: 'sm', name: 'Jo SM', id: null, deviceId: 'laptop' };

function cue(n: number, departmentId: string | null = null): Element {
  return {
    id: randomUUID(),
    type: 'CUE',
    name: `LX ${n}`,
    notes: '',
    departmentId,
    priority: 'NORMAL',
    offsetMs: n * 1_000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: `a${n}`,
  };
}

describe(`script store commit (${backend})`, () => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let showId: string;
  let lx: string;

  beforeAll(async () => {
    let url: string | undefined;
    if (backend === 'postgres') ({ url, drop } = await freshPgDatabase());
    database = await openDatabase({ url, dataDir: 'memory://' });
    const userId = randomUUID();
    showId = randomUUID();
    lx = randomUUID();
    await database.db
      .insert(users)
      .values({ id: userId, email: `${userId}@example.com`, displayName: 'Jo', passwordHash: 'x' });
    await database.db.insert(shows).values({ id: showId, ownerId: userId, name: 'Macbeth' });
    await database.db
      .insert(departments)
      .values({ id: lx, showId, name: 'Lighting', initials: 'LX', colour: '#ffcc00' });
  });
  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  async function newScript(): Promise<string> {
    const id = randomUUID();
    await database.db.insert(scripts).values({ id, showId, name: 'Calling script', status: 'WORKING' });
    return id;
  }

  const input = (scriptId: string, op: Op, extra: Partial<CommitInput> = {}): CommitInput => ({
    scriptId,
    opId: randomUUID(),
    baseVersion: null,
    op,
    actor: sm,
    ...extra,
  });

  async function stored(scriptId: string) {
    const [script] = await database.db.select().from(scripts).where(eq(scripts.id, scriptId));
    const rows = await database.db
      .select()
      .from(elements)
      .where(eq(elements.scriptId, scriptId))
      .orderBy(asc(elements.orderKey));
    const log = await database.db
      .select({ version: ops.version })
      .from(ops)
      .where(eq(ops.scriptId, scriptId))
      .orderBy(asc(ops.version));
    return { script: script!, elements: rows, versions: log.map((r) => r.version) };
  }

  it('creates, updates and deletes elements, with field metadata and the op log, version by version', async () => {
    const store = new ScriptStore(database);
    const scriptId = await newScript();
    const a = cue(1, lx);
    const b = cue(2);
    expect((await store.commit(input(scriptId, { kind: 'create', element: a }))).entry.version).toBe(1);
    await store.commit(input(scriptId, { kind: 'create', element: b }));
    const upd = await store.commit(input(scriptId, { kind: 'update', id: a.id, fields: { name: 'LX 1 — house out' } }));
    expect(upd.entry.version).toBe(3);
    expect(upd.entry.prev.elements[a.id]?.name).toBe('LX 1');
    await store.commit(input(scriptId, { kind: 'delete', id: b.id }));
    await store.commit(
      input(scriptId, {
        kind: 'scriptInfo',
        fields: { name: 'Calling script (tech)', plannedStart: '2026-12-01T19:30:00.000Z' },
      }),
    );

    const s = await stored(scriptId);
    expect(s.versions).toEqual([1, 2, 3, 4, 5]);
    expect(s.script.version).toBe(5);
    expect(s.script.name).toBe('Calling script (tech)');
    expect(s.script.plannedStart?.toISOString()).toBe('2026-12-01T19:30:00.000Z');
    expect(s.script.status).toBe('WORKING');
    expect(s.elements.map(toElement)).toEqual([{ ...a, name: 'LX 1 — house out' }]);
    expect(s.elements[0]!.fieldMeta.name).toMatchObject({ v: 3, by: { name: 'Jo SM', deviceId: 'laptop' } });
    expect(s.elements[0]!.fieldMeta.offsetMs).toBeUndefined();
    // A fresh store (a restart) reads the same state back and goes on from it.
    const restarted = new ScriptStore(database);
    const snap = await restarted.snapshot(scriptId);
    expect(snap.elements).toEqual([{ ...a, name: 'LX 1 — house out' }]);
    expect((await restarted.commit(input(scriptId, { kind: 'delete', id: a.id }))).entry.version).toBe(6);
  });

  it('two nodes committing in turn and at once: every commit lands on the current state, versions contiguous', async () => {
    const nodeA = new ScriptStore(database);
    const nodeB = new ScriptStore(database);
    const scriptId = await newScript();
    const a = cue(1);
    await nodeA.commit(input(scriptId, { kind: 'create', element: a }));
    await nodeB.commit(input(scriptId, { kind: 'update', id: a.id, fields: { offsetMs: 5_000 } }));
    // nodeA's cache is at version 1; its next op must apply to version 2, not overwrite it.
    const third = await nodeA.commit(input(scriptId, { kind: 'update', id: a.id, fields: { notes: 'on the bell' } }));
    expect(third.entry.version).toBe(3);
    expect(third.entry.patch.upserts[0]).toMatchObject({ offsetMs: 5_000, notes: 'on the bell' });

    const more = Array.from({ length: 10 }, (_, i) => cue(10 + i));
    await Promise.all(
      more.map((el, i) => (i % 2 ? nodeA : nodeB).commit(input(scriptId, { kind: 'create', element: el }))),
    );
    const s = await stored(scriptId);
    expect(s.versions).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(s.elements).toHaveLength(11);
    expect(s.elements.find((r) => r.id === a.id)).toMatchObject({ offsetMs: 5_000, notes: 'on the bell' });
  });

  it('an op id committed on one node is a duplicate on the other, applied once', async () => {
    const nodeA = new ScriptStore(database);
    const nodeB = new ScriptStore(database);
    const scriptId = await newScript();
    const a = cue(1);
    await nodeB.commit(input(scriptId, { kind: 'create', element: cue(0) }));
    const first = input(scriptId, { kind: 'create', element: a });
    const ok = await nodeA.commit(first);
    const again = await nodeA.commit(first);
    const elsewhere = await nodeB.commit(first);
    for (const r of [again, elsewhere]) {
      expect(r.duplicate).toBe(true);
      expect(r.entry.version).toBe(ok.entry.version);
    }
    expect((await stored(scriptId)).versions).toEqual([1, 2]);
  });

  it('refuses an element id another script holds, on a cold and on a warm cache, writing nothing', async () => {
    const store = new ScriptStore(database);
    const other = await newScript();
    const taken = cue(1);
    await store.commit(input(other, { kind: 'create', element: taken }));
    const scriptId = await newScript();
    const cold = store.commit(input(scriptId, { kind: 'create', element: { ...taken, name: 'mine' } }));
    await expect(cold).rejects.toMatchObject({
      status: 400,
      code: 'BAD_OP',
      message: /already used by another script/,
    });
    await store.commit(input(scriptId, { kind: 'create', element: cue(2) }));
    const warm = store.commit(input(scriptId, { kind: 'create', element: { ...taken, name: 'mine' } }));
    await expect(warm).rejects.toMatchObject({ status: 400, code: 'BAD_OP' });
    expect((await stored(scriptId)).versions).toEqual([1]);
    expect((await stored(scriptId)).script.version).toBe(1);
    expect((await stored(other)).elements[0]).toMatchObject({ id: taken.id, name: 'LX 1' });
    // The cache was not moved on by the refused op.
    expect((await store.commit(input(scriptId, { kind: 'create', element: cue(3) }))).entry.version).toBe(2);
  });

  it('follows departments made or removed after it cached the script', async () => {
    const store = new ScriptStore(database);
    const scriptId = await newScript();
    const a = cue(1, lx);
    await store.commit(input(scriptId, { kind: 'create', element: a }));
    const snd = randomUUID();
    await database.db
      .insert(departments)
      .values({ id: snd, showId, name: 'Sound', initials: 'SND', colour: '#00ccff' });
    const moved = await store.commit(input(scriptId, { kind: 'update', id: a.id, fields: { departmentId: snd } }));
    expect(moved.entry.patch.upserts[0]!.departmentId).toBe(snd);
    // The cache now knows SND; it is deleted behind its back (another node's REST call).
    const fly = randomUUID();
    await database.db.insert(departments).values({ id: fly, showId, name: 'Flys', initials: 'FLY', colour: '#888888' });
    await store.commit(input(scriptId, { kind: 'create', element: cue(2, fly) }));
    await database.db.delete(departments).where(eq(departments.id, fly));
    const refused = store.commit(input(scriptId, { kind: 'create', element: cue(3, fly) }));
    await expect(refused).rejects.toMatchObject({
      status: 400,
      code: 'BAD_OP',
      message: /not one of this show's departments/,
    });
    expect((await stored(scriptId)).versions).toEqual([1, 2, 3]);
  });

  it('an op that must land on a given version is refused with 409 once the script moved on', async () => {
    const nodeA = new ScriptStore(database);
    const nodeB = new ScriptStore(database);
    const scriptId = await newScript();
    await nodeA.commit(input(scriptId, { kind: 'create', element: cue(1) }));
    await nodeB.commit(input(scriptId, { kind: 'create', element: cue(2) }));
    const late = nodeA.commit(input(scriptId, { kind: 'create', element: cue(3) }, { onlyOnVersion: 1 }));
    await expect(late).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    const onTime = await nodeA.commit(input(scriptId, { kind: 'create', element: cue(4) }, { onlyOnVersion: 2 }));
    expect(onTime.entry.version).toBe(3);
  });
});
