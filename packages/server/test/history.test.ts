import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inverseOp, type Element, type ScriptInfo } from '@cuebe/protocol';
import type { FanoutMessage } from '../src/hub/fanout';
import { backend, startServer, type TestServer } from './harness';
import { api, crewApi, element, tokenOf, type SmClient } from './http';

interface ScriptRead {
  script: ScriptInfo & { version: number };
  elements: Element[];
}

describe(`history and restore (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let other: SmClient;
  let showId: string;
  let lx: string;
  beforeAll(async () => {
    s = await startServer();
    [sm, other] = await Promise.all([api(s, { displayName: 'Jane SM' }), api(s)]);
    const { body } = await sm.post('/api/shows', { name: 'History' });
    showId = body.show.id;
    lx = body.departments[0].id;
  });
  afterAll(() => s.close());

  const read = async (id: string) => (await sm.get(`/api/scripts/${id}`)).body as ScriptRead;
  const byId = (els: Element[]) => [...els].sort((a, b) => (a.id < b.id ? -1 : 1));
  const op = (scriptId: string, o: unknown) =>
    sm.post(`/api/scripts/${scriptId}/ops`, { opId: randomUUID(), baseVersion: 0, op: o });

  /** A script with six versions of assorted changes; returns the state after each. */
  async function scriptWithHistory() {
    const { script, elements } = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body;
    const id = script.id as string;
    const showEnd = (elements as Element[]).find((e) => e.name === 'SHOW END')!;
    const states: ScriptRead[] = [await read(id)];
    const lx5 = element({ name: 'LX 5', departmentId: lx, offsetMs: 60_000, orderKey: 'a0V' });
    const snd1 = element({ name: 'SND 1', offsetMs: 90_000, orderKey: 'a0X' });
    const groupId = randomUUID();
    const steps = [
      { kind: 'create', element: lx5 },
      { kind: 'update', id: lx5.id, fields: { notes: 'Slow build', priority: 'HIGH' } },
      { kind: 'create', element: snd1 },
      { kind: 'group', groupId, ids: [lx5.id, snd1.id], name: 'Storm' },
      { kind: 'delete', id: showEnd.id },
      { kind: 'scriptInfo', fields: { name: 'Book v2', status: 'WORKING' } },
      { kind: 'shift', ids: [groupId], deltaMs: 5000 },
    ];
    for (const step of steps) {
      expect((await op(id, step)).status).toBe(200);
      states.push(await read(id));
    }
    return { id, states, lx5, snd1, groupId };
  }

  it('lists the log newest first with who, when and a short summary', async () => {
    const { id } = await scriptWithHistory();
    const res = await sm.get(`/api/scripts/${id}/history`);
    expect(res.status).toBe(200);
    const entries = res.body.entries as {
      version: number;
      actor: unknown;
      at: string;
      kind: string;
      summary: string;
    }[];
    expect(entries.map((e) => e.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(entries[0]!.actor).toEqual({ kind: 'sm', name: 'Jane SM' });
    expect(Date.parse(entries[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(entries.map((e) => e.summary)).toEqual([
      'shifted Storm by +5 s',
      "changed the script's name, status",
      'deleted SHOW END',
      'grouped 2 elements as Storm',
      'added SND 1',
      'updated LX 5: notes, priority',
      'added LX 5',
    ]);
  });

  it('pages with before and limit', async () => {
    const { id } = await scriptWithHistory();
    const page = await sm.get(`/api/scripts/${id}/history?before=6&limit=2`);
    expect(page.body.entries.map((e: { version: number }) => e.version)).toEqual([5, 4]);
    for (const q of ['limit=201', 'limit=0', 'before=abc', 'since=1']) {
      const bad = await sm.get(`/api/scripts/${id}/history?${q}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe(q.split('=')[0]);
    }
  });

  it('restores a past version as ONE new op that fans out and can be undone', async () => {
    const { id, states } = await scriptWithHistory();
    const target = states[2]!; // after the update of LX 5
    const before = states[7]!;
    const seen: FanoutMessage[] = [];
    const off = s.ctx.fanout.subscribe((m) => seen.push(m));
    const res = await sm.post(`/api/scripts/${id}/restore`, { version: 2 });
    off();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: 8 });
    const after = await read(id);
    expect(byId(after.elements)).toEqual(byId(target.elements));
    expect(after.script).toMatchObject({ name: target.script.name, status: target.script.status, version: 8 });
    const entries = seen.flatMap((m) => (m.type === 'entry' ? [m.entry] : []));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.version).toBe(8);
    const history = (await sm.get(`/api/scripts/${id}/history?limit=1`)).body.entries;
    expect(history[0]).toMatchObject({ version: 8, kind: 'batch' });

    // Undo, as a client would: the inverse of the restore's previous values.
    const [entry] = await s.ctx.store.changesSince(id, 7, 8);
    const state = { info: after.script, elements: new Map(after.elements.map((e) => [e.id, e])) };
    const undo = inverseOp(state, entry!.prev);
    expect(undo).not.toBeNull();
    expect((await op(id, undo)).status).toBe(200);
    const undone = await read(id);
    expect(byId(undone.elements)).toEqual(byId(before.elements));
    expect(undone.script.name).toBe(before.script.name);
  });

  it('lands a restore on exactly the state it was computed from, even when an edit races it', async () => {
    const { id, states, lx5 } = await scriptWithHistory();
    // Slip another SM's edit in between the restore's read and its commit, once.
    const store = s.ctx.store;
    const commit = store.commit.bind(store);
    let raced = false;
    store.commit = async (input) => {
      if (!raced && input.op.kind === 'batch') {
        raced = true;
        // Another SM's edit: none of the restore's own writes (its stored answer) come with it.
        const { prepare: _restoreWrites, ...other } = input;
        await commit({ ...other, opId: null, op: { kind: 'update', id: lx5.id, fields: { notes: 'raced' } } });
      }
      return commit(input);
    };
    try {
      const res = await sm.post(`/api/scripts/${id}/restore`, { version: 2 });
      expect(res.status).toBe(200);
      expect(raced).toBe(true);
      expect(res.body.version).toBe(9);
    } finally {
      store.commit = commit;
    }
    const now = await read(id);
    expect(byId(now.elements)).toEqual(byId(states[2]!.elements));
    expect(now.script.version).toBe(9);
  });

  it('restores to the very beginning (version 0)', async () => {
    const { id, states } = await scriptWithHistory();
    await sm.post(`/api/scripts/${id}/restore`, { version: 0 });
    const after = await read(id);
    expect(byId(after.elements)).toEqual(byId(states[0]!.elements));
    expect(after.script.name).toBe('Book');
  });

  it('restoring the current version changes nothing', async () => {
    const { id } = await scriptWithHistory();
    const res = await sm.post(`/api/scripts/${id}/restore`, { version: 7 });
    expect(res.body).toEqual({ version: 7 });
    expect((await read(id)).script.version).toBe(7);
  });

  it.each([
    [{ version: 99 }, 'version'],
    [{ version: -1 }, 'version'],
    [{ version: '3' }, 'version'],
    [{}, 'version'],
  ])('refuses restore %j with 400 naming %s, nothing written', async (body, field) => {
    const { id } = await scriptWithHistory();
    const res = await sm.post(`/api/scripts/${id}/restore`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect((await read(id)).script.version).toBe(7);
  });

  it('hides another owner’s history (404) and refuses crew tokens', async () => {
    const { id } = await scriptWithHistory();
    expect((await other.get(`/api/scripts/${id}/history`)).status).toBe(404);
    expect((await other.post(`/api/scripts/${id}/restore`, { version: 0 })).status).toBe(404);
    const link = (await sm.post(`/api/shows/${showId}/crew`, { name: 'C', allDepartments: true })).body.crew.link;
    const crew = crewApi(s, tokenOf(link));
    expect([401, 403]).toContain((await crew.get(`/api/scripts/${id}/history`)).status);
    expect([401, 403]).toContain((await crew.post(`/api/scripts/${id}/restore`, { version: 0 })).status);
    expect((await read(id)).script.version).toBe(7);
  });
});
