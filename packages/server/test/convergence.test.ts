/**
 * Convergence over real sockets and a real database: SyncClients (two SM devices, two crew
 * links of different departments) end with exactly what the database holds, as each may see it,
 * after concurrent random edits, cut sockets and a server restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@cuebe/protocol';
import { cue, intentArb, opFor, waitFor, type Intent } from '@cuebe/client/testing';
import { backend, freshPgDatabase, startServer, type TestServer } from './harness';
import {
  connect,
  databaseState,
  expectConverged,
  loggedOpIds,
  newScript,
  settle,
  stage,
  type ClientHandle,
  type Stage,
} from './client-setup';

/** Submit the op an intent means against this client's current view (if any). */
function submitIntent(h: ClientHandle, intent: Intent, departmentIds: string[]): string | null {
  const snap = h.client.getSnapshot();
  const info = snap.script!;
  const state = {
    info: {
      name: info.name,
      status: info.status,
      notes: info.notes,
      plannedStart: info.plannedStart,
      plannedEnd: info.plannedEnd,
    },
    elements: snap.elements,
  };
  const op = opFor(state, intent, { departmentIds });
  return op ? h.client.submit(op) : null;
}

describe(`sync client convergence (${backend})`, () => {
  let s: TestServer;
  let st: Stage;
  const handles: ClientHandle[] = [];
  const open = (...args: Parameters<typeof connect>) => {
    const h = connect(...args);
    handles.push(h);
    return h;
  };
  const live = (h: ClientHandle) => waitFor(() => h.client.getSnapshot().status === 'live', 'live', 10_000);

  beforeAll(async () => {
    s = await startServer();
    st = await stage(s);
  });
  afterAll(async () => {
    for (const h of handles) h.client.close();
    await s?.close();
  });

  it('S1 S11 two crew and two SM devices see the same final state after random concurrent edits', async () => {
    const scriptId = await newScript(st);
    const smA = open(() => s, scriptId, { cookie: st.sm.cookie });
    const smB = open(() => s, scriptId, { cookie: st.sm.cookie });
    const lx = open(() => s, scriptId, st.crew.LX);
    const snd = open(() => s, scriptId, st.crew.SND);
    const all = [smA, smB, lx, snd];
    await Promise.all(all.map(live));
    const intents = fc.sample(intentArb, { numRuns: 120, seed: 42 });
    let submitted = 0;
    for (const [i, intent] of intents.entries()) {
      // Both SMs edit at once, each against its own (optimistic) view; no waiting for acks.
      if (submitIntent(i % 2 ? smA : smB, intent, [st.LX, st.SND])) submitted++;
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    expect(submitted).toBeGreaterThan(60);
    const db = await settle(s, scriptId, all);
    expect(db.version).toBeGreaterThan(30);
    expectConverged(db, all);
    // The crews really are filtered: each sees no cue of the other's department.
    const lxCues = [...lx.client.getSnapshot().elements.values()].filter((e: Element) => e.type === 'CUE');
    expect(lxCues.every((e) => e.departmentId === st.LX)).toBe(true);
  });

  it('S3 S6 a socket killed mid-stream loses nothing and duplicates nothing (SM sending, crew receiving)', async () => {
    const scriptId = await newScript(st);
    const sm = open(() => s, scriptId, { cookie: st.sm.cookie });
    const crew = open(() => s, scriptId, st.crew.LX);
    await Promise.all([live(sm), live(crew)]);
    const acked = new Set<string>();
    sm.client.on('ack', (a) => acked.add(a.opId));
    const made: string[] = [];
    for (let i = 0; i < 60; i++) {
      made.push(
        sm.client.submit({
          kind: 'create',
          element: cue({ name: `LX ${i}`, departmentId: st.LX, orderKey: `a${String(i).padStart(3, '0')}V` }),
        }),
      );
      // Pull both cables while ops are in flight and broadcasts are on their way.
      if (i === 20) {
        await waitFor(() => acked.size >= 5, 'some acks');
        sm.sockets.at(-1)!.kill();
        crew.sockets.at(-1)!.kill();
      }
      if (i === 40) {
        await waitFor(() => sm.sockets.length === 2 && sm.client.getSnapshot().status === 'live', 'sm back');
        sm.sockets.at(-1)!.kill();
      }
    }
    const db = await settle(s, scriptId, [sm, crew]);
    const logged = await loggedOpIds(s, scriptId);
    const mine = logged.filter((id) => id !== null && made.includes(id));
    expect(mine).toEqual(made); // every op, once, in the order it was made
    expect(new Set(logged).size).toBe(logged.length);
    expect(sm.sockets.length).toBeGreaterThanOrEqual(3);
    expect(crew.sockets.length).toBeGreaterThanOrEqual(2);
    expectConverged(db, [sm, crew]);
  });

  it('S1 S2 S11 fast-check: random op sequences from two SMs, replayed by a crew and an SM client, converge', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), intentArb), { minLength: 1, maxLength: 40 }), async (steps) => {
        const scriptId = await newScript(st);
        const writers = [
          open(() => s, scriptId, { cookie: st.sm.cookie }),
          open(() => s, scriptId, { cookie: st.sm.cookie }),
        ];
        const watchers = [open(() => s, scriptId, st.crew.SND), open(() => s, scriptId, { cookie: st.sm.cookie })];
        const all = [...writers, ...watchers];
        try {
          await Promise.all(all.map(live));
          for (const [which, intent] of steps) submitIntent(writers[which ? 1 : 0]!, intent, [st.LX, st.SND]);
          const db = await settle(s, scriptId, all);
          expectConverged(db, all);
          // A client that joins afterwards loads the same state from a snapshot.
          const late = open(() => s, scriptId, st.crew.LX);
          await settle(s, scriptId, [late]);
          expectConverged(db, [late]);
          late.client.close();
        } finally {
          for (const h of all) h.client.close();
        }
      }),
      { numRuns: 12, seed: 7 },
    );
  });
});

describe(`sync client across a server restart (${backend})`, () => {
  // A new on-disk PGlite database takes several seconds to initialise on a busy machine: 90 s.
  it('S10 loses no acknowledged op, and pending ops get through exactly once', async () => {
    // The same database under two server lifetimes.
    let dataDir: string | undefined;
    let pg: Awaited<ReturnType<typeof freshPgDatabase>> | undefined;
    if (backend === 'postgres') pg = await freshPgDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'cuebe-restart-'));
    const where = pg ? { databaseUrl: pg.url } : { dataDir: dataDir! };
    let s = await startServer(where);
    const handles: ClientHandle[] = [];
    try {
      const st = await stage(s);
      const scriptId = await newScript(st);
      const sm = connect(() => s, scriptId, { cookie: st.sm.cookie });
      const crew = connect(() => s, scriptId, st.crew.LX);
      handles.push(sm, crew);
      await waitFor(() => sm.client.getSnapshot().status === 'live', 'sm live', 10_000);
      const acked = new Set<string>();
      sm.client.on('ack', (a) => acked.add(a.opId));
      const before: string[] = [];
      for (let i = 0; i < 15; i++)
        before.push(sm.client.submit({ kind: 'create', element: cue({ name: `LX ${i}`, departmentId: st.LX }) }));
      await waitFor(() => acked.size >= 5, 'some acks before the restart');

      await s.close();
      await waitFor(() => sm.client.getSnapshot().status !== 'live', 'client noticed');
      // Edits made while the server is down stay queued.
      const during: string[] = [];
      for (let i = 0; i < 5; i++)
        during.push(sm.client.submit({ kind: 'create', element: cue({ name: `SND ${i}`, departmentId: st.SND }) }));
      const ackedBefore = [...acked];

      s = await startServer(where);
      const db = await settle(s, scriptId, [sm, crew], 20_000);
      const logged = await loggedOpIds(s, scriptId);
      for (const id of ackedBefore) expect(logged).toContain(id);
      for (const id of [...before, ...during]) expect(logged.filter((x) => x === id)).toHaveLength(1);
      expectConverged(db, [sm, crew]);
      expect((await databaseState(s, scriptId)).elements.length).toBe(2 + 20);
    } finally {
      for (const h of handles) h.client.close();
      await s.close();
      await pg?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
