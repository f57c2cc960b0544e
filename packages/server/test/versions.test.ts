import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inverseOp, type Department, type Element } from '@cuebe/protocol';
import { backend, startServer, type TestServer } from './harness';
import { api, element, type SmClient } from './http';
import { Wire } from './hub-wire';
import { shape } from './paperwork-fixtures';

interface Read {
  script: { version: number; name: string; status: string };
  elements: Element[];
  departments: Department[];
}

describe(`saved versions: save, list, compare, restore (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let showId: string;
  let lx: string;
  let snd: string;
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s, { displayName: 'Jane SM' });
    const { body } = await sm.post('/api/shows', { name: 'Versions' });
    showId = body.show.id;
    lx = body.departments[0].id;
    snd = body.departments[1].id;
  });
  afterAll(() => s.close());

  const read = async (id: string) => (await sm.get(`/api/scripts/${id}`)).body as Read;
  const op = async (scriptId: string, o: unknown) => {
    const res = await sm.post(`/api/scripts/${scriptId}/ops`, { opId: randomUUID(), baseVersion: 0, op: o });
    expect(res.status, res.text).toBe(200);
    return res.body as { version: number; prev: never };
  };

  /** A script with LX 1, LX 2 (in group Storm) and SND 1, saved as "Tech"; then changed. */
  async function scenario() {
    const { script } = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body;
    const id = script.id as string;
    // Keys after SHOW START (a0) and SHOW END (a1), so no two siblings tie.
    const lx1 = element({ name: 'LX 1', departmentId: lx, offsetMs: 10_000, orderKey: 'b01' });
    const lx2 = element({ name: 'LX 2', departmentId: lx, offsetMs: 20_000, orderKey: 'b02' });
    const snd1 = element({ name: 'SND 1', departmentId: snd, offsetMs: 30_000, orderKey: 'b03' });
    const storm = randomUUID();
    await op(id, { kind: 'batch', ops: [lx1, lx2, snd1].map((e) => ({ kind: 'create', element: e })) });
    await op(id, { kind: 'group', groupId: storm, ids: [lx1.id, lx2.id], name: 'Storm' });
    const saved = await sm.post(`/api/scripts/${id}/versions`, { name: 'Tech' });
    expect(saved.status).toBe(201);
    const atSave = await read(id);
    // After the save: one cue changed in two fields, one deleted, one added, one moved out of the group.
    const lx3 = element({ name: 'LX 3', departmentId: lx, offsetMs: 40_000, orderKey: 'b04' });
    await op(id, { kind: 'update', id: lx1.id, fields: { notes: 'Faster', offsetMs: 12_000 } });
    await op(id, { kind: 'delete', id: snd1.id });
    await op(id, { kind: 'create', element: lx3 });
    await op(id, { kind: 'move', id: lx2.id, orderKey: 'b05', parentId: null });
    return { id, version: saved.body.version, atSave, lx1, lx2, lx3, snd1, storm };
  }

  it('saves a named version as a BACKUP snapshot linked to its script and version, and lists them', async () => {
    const { id, version, atSave } = await scenario();
    expect(version).toMatchObject({
      name: 'Tech',
      sourceScriptId: id,
      sourceVersion: 2,
      elementCount: 6,
      createdBy: { kind: 'sm', name: 'Jane SM' },
    });
    const backup = await read(version.id);
    expect(backup.script).toMatchObject({ name: 'Tech', status: 'BACKUP', version: 0 });
    expect(shape(backup.elements, backup.departments)).toEqual(shape(atSave.elements, atSave.departments));
    // Its own element ids (ids are unique across scripts).
    const liveIds = new Set(atSave.elements.map((e) => e.id));
    expect(backup.elements.some((e) => liveIds.has(e.id))).toBe(false);

    await sm.post(`/api/scripts/${id}/versions`, { name: 'After notes' });
    const list = await sm.get(`/api/scripts/${id}/versions`);
    expect(list.status).toBe(200);
    expect(list.body.versions.map((v: { name: string; sourceVersion: number }) => [v.name, v.sourceVersion])).toEqual([
      ['After notes', 6],
      ['Tech', 2],
    ]);
    // A version of a version is refused; a blank name too.
    expect((await sm.post(`/api/scripts/${version.id}/versions`, { name: 'x' })).status).toBe(400);
    const blank = await sm.post(`/api/scripts/${id}/versions`, { name: ' ' });
    expect([blank.status, blank.body.error.field]).toEqual([400, 'name']);
  });

  it('compares a version with now: added, removed, and changed field by field (by element id)', async () => {
    const { id, version, lx1, lx2, lx3, snd1, storm } = await scenario();
    const res = await sm.get(`/api/scripts/${id}/compare?from=${version.id}`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.from).toMatchObject({ id: version.id, label: 'Tech', version: 2 });
    expect(body.to).toMatchObject({ id, label: 'now', version: 6 });
    expect(body.added.map((e: Element) => e.id)).toEqual([lx3.id]);
    expect(body.removed.map((e: Element) => e.id)).toEqual([snd1.id]);
    const changed = new Map(
      (body.changed as { id: string; fields: { field: string; from: unknown; to: unknown }[] }[]).map((c) => [
        c.id,
        c.fields,
      ]),
    );
    expect(changed.get(lx1.id)).toEqual([
      { field: 'notes', from: '', to: 'Faster' },
      { field: 'offsetMs', from: 10_000, to: 12_000 },
    ]);
    expect(changed.get(lx2.id)).toEqual([
      { field: 'parentId', from: storm, to: null },
      { field: 'orderKey', from: 'b02', to: 'b05' },
    ]);
    // The group's derived timing follows its children.
    expect(changed.get(storm)?.map((f) => f.field)).toEqual(['offsetMs', 'durationMs']);
    expect(body.unchanged).toBe(2); // SHOW START, SHOW END

    // Two versions, either way round.
    const later = (await sm.post(`/api/scripts/${id}/versions`, { name: 'Later' })).body.version;
    const back = await sm.get(`/api/scripts/${id}/compare?from=${later.id}&to=${version.id}`);
    expect(back.body.added.map((e: Element) => e.id)).toEqual([snd1.id]);
    expect(back.body.removed.map((e: Element) => e.id)).toEqual([lx3.id]);
  });

  it('restores a version as one new op: synced to sockets, in history, and undoable', async () => {
    const { id, version, atSave } = await scenario();
    const before = await read(id);
    const w = await Wire.hello(s, id, { cookie: sm.cookie });
    try {
      await w.next('welcome');
      const res = await sm.post(`/api/scripts/${id}/versions/${version.id}/restore`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.version).toBe(before.script.version + 1);
      const after = await read(id);
      // Back as it was, by the same element ids, with the live script's name and status kept.
      expect(after.elements.map((e) => e.id).sort()).toEqual(atSave.elements.map((e) => e.id).sort());
      expect(shape(after.elements, after.departments)).toEqual(shape(atSave.elements, atSave.departments));
      expect(after.script.name).toBe('Book');
      const change = (await w.next('changes', (m) => m.changes.some((c) => c.version === res.body.version))).changes.at(
        -1,
      )!;
      expect(change.kind).toBe('batch');

      // Undo: the inverse of the restore's prev, as the SM's client would send it.
      const history = await sm.get(`/api/scripts/${id}/history?limit=1`);
      expect(history.body.entries[0].summary).toMatch(/^changed \d+ elements/);
      const logged = await s.ctx.store.changesSince(id, res.body.version - 1, res.body.version);
      const state = { info: after.script as never, elements: new Map(after.elements.map((e) => [e.id, e])) };
      const undo = inverseOp(state, logged[0]!.prev)!;
      await op(id, undo);
      const undone = await read(id);
      expect(shape(undone.elements, undone.departments)).toEqual(shape(before.elements, before.departments));
    } finally {
      w.close();
    }
  });

  it('restoring an unchanged script writes nothing; unknown versions and other owners get 404', async () => {
    const { id, version } = await scenario();
    await sm.post(`/api/scripts/${id}/versions/${version.id}/restore`);
    const v = (await read(id)).script.version;
    const again = await sm.post(`/api/scripts/${id}/versions/${version.id}/restore`);
    expect(again.body.version).toBe(v);
    expect((await read(id)).script.version).toBe(v);

    expect((await sm.post(`/api/scripts/${id}/versions/${randomUUID()}/restore`)).status).toBe(404);
    // A version of another script is not a version of this one.
    const other = await scenario();
    expect((await sm.post(`/api/scripts/${id}/versions/${other.version.id}/restore`)).status).toBe(404);
    const cmp = await sm.get(`/api/scripts/${id}/compare?from=${other.version.id}`);
    expect([cmp.status, cmp.body.error.field]).toEqual([404, 'from']);
    expect((await sm.get(`/api/scripts/${id}/compare?from=nope`)).status).toBe(400);
    const stranger = await api(s);
    expect((await stranger.get(`/api/scripts/${id}/versions`)).status).toBe(404);
    expect((await stranger.post(`/api/scripts/${id}/versions`, { name: 'x' })).status).toBe(404);
    expect((await stranger.post(`/api/scripts/${id}/versions/${version.id}/restore`)).status).toBe(404);
  });

  it('duplicate as a COPY still makes an independent script', async () => {
    const { id } = await scenario();
    const copy = await sm.post(`/api/scripts/${id}/duplicate`, {});
    expect(copy.status).toBe(201);
    expect(copy.body.script.status).toBe('COPY');
    const [a, b] = await Promise.all([read(id), read(copy.body.script.id)]);
    expect(shape(b.elements, b.departments)).toEqual(shape(a.elements, a.departments));
  });
});
