/**
 * Idempotency keys of writes (docs/SPEC.md W1–W3): a REST write retried with its
 * Idempotency-Key is answered as the first attempt and writes nothing, whatever the kind
 * (element edits, script info, CSV import, restores, saved versions); and a commit that went
 * through but whose reply was lost is answered as committed, not "not applied".
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startServer, type TestServer } from './harness';
import { api, element, type SmClient } from './http';
import { ScriptStore } from '../src/scripts/store';
import type { PreparedStatement } from '../src/db/prepared';

const HEADER = 'Time,Type,Element Name,Description,Group Path,Department,Priority,Location,Duration,Color';
const csvOf = (n: number) =>
  [
    HEADER,
    ...Array.from({ length: n }, (_, i) => `0:0${Math.floor(i / 10)}:${10 + (i % 10)},CUE,Q ${i + 1},,,,NORMAL,,,`),
  ].join('\n');

describe(`idempotency keys (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let showId: string;
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s);
    showId = (await sm.post('/api/shows', { name: 'Keys' })).body.show.id as string;
  });
  afterAll(() => s.close());

  const newScript = async () =>
    (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body.script.id as string;
  const state = async (id: string) =>
    (await sm.get(`/api/scripts/${id}`)).body as { script: { version: number }; elements: { name: string }[] };
  const keyed = (key: string) => ({ 'idempotency-key': key });

  it('W1 an element create, update and delete retried with their keys are each applied once', async () => {
    const id = await newScript();
    const v0 = (await state(id)).script.version;
    const el = element({ name: 'LX 1' });
    const create = randomUUID();
    const first = await sm.post(`/api/scripts/${id}/elements`, el, keyed(create));
    const again = await sm.post(`/api/scripts/${id}/elements`, el, keyed(create));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);

    const update = randomUUID();
    const u1 = await sm.patch(`/api/scripts/${id}/elements/${el.id}`, { notes: 'warm' }, keyed(update));
    // Changed by someone else in between: the retry still answers what the first attempt did.
    await sm.patch(`/api/scripts/${id}/elements/${el.id}`, { notes: 'cold' });
    const u2 = await sm.patch(`/api/scripts/${id}/elements/${el.id}`, { notes: 'warm' }, keyed(update));
    expect(u2.status).toBe(200);
    expect(u2.body).toEqual(u1.body);
    expect(u2.body.element.notes).toBe('warm');

    const del = randomUUID();
    const d1 = await sm.del(`/api/scripts/${id}/elements/${el.id}`, keyed(del));
    const d2 = await sm.del(`/api/scripts/${id}/elements/${el.id}`, keyed(del));
    expect(d2.status).toBe(200);
    expect(d2.body).toEqual(d1.body);

    const after = await state(id);
    // create, update, the other update, delete: four versions, none twice.
    expect(after.script.version).toBe(v0 + 4);
    const history = (await sm.get(`/api/scripts/${id}/history`)).body.entries as unknown[];
    expect(history).toHaveLength(4);
  });

  it('W1 a malformed Idempotency-Key is refused with 400 naming the header, and nothing is written', async () => {
    const id = await newScript();
    const v0 = (await state(id)).script.version;
    const res = await sm.post(`/api/scripts/${id}/elements`, element(), keyed('not-a-uuid'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_MESSAGE', field: 'Idempotency-Key' });
    expect((await state(id)).script.version).toBe(v0);
  });

  it('W1 W2 a CSV import retried with its key adds its rows once and answers the same summary', async () => {
    const id = await newScript();
    const key = randomUUID();
    const post = () =>
      sm.post(`/api/scripts/${id}/import?mode=append`, csvOf(50), { 'content-type': 'text/csv', ...keyed(key) });
    const first = await post();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, rows: 50 });
    const again = await post();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const cues = (await state(id)).elements.filter((e) => e.name.startsWith('Q '));
    expect(cues).toHaveLength(50);
    // Without a key the same request is a new import: the key is what makes it the same write.
    await sm.post(`/api/scripts/${id}/import?mode=append`, csvOf(50), { 'content-type': 'text/csv' });
    expect((await state(id)).elements.filter((e) => e.name.startsWith('Q '))).toHaveLength(100);
  });

  it('W1 W2 a version save retried with its key makes one saved version and answers it again', async () => {
    const id = await newScript();
    const key = randomUUID();
    const first = await sm.post(`/api/scripts/${id}/versions`, { name: 'Tech 1' }, keyed(key));
    const again = await sm.post(`/api/scripts/${id}/versions`, { name: 'Tech 1' }, keyed(key));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const list = (await sm.get(`/api/scripts/${id}/versions`)).body.versions as unknown[];
    expect(list).toHaveLength(1);
  });

  it('W1 W2 restores retried with their keys answer the version they made, not "already equal"', async () => {
    const id = await newScript();
    const saved = (await sm.post(`/api/scripts/${id}/versions`, { name: 'Before' })).body.version.id as string;
    const el = element({ name: 'Added later' });
    await sm.post(`/api/scripts/${id}/elements`, el);
    const key = randomUUID();
    const r1 = await sm.post(`/api/scripts/${id}/versions/${saved}/restore`, undefined, keyed(key));
    expect(r1.status).toBe(200);
    const r2 = await sm.post(`/api/scripts/${id}/versions/${saved}/restore`, undefined, keyed(key));
    expect(r2.body).toEqual(r1.body);
    expect((await state(id)).script.version).toBe(r1.body.version);

    // Restoring a past version from history, the same way.
    await sm.post(`/api/scripts/${id}/elements`, element({ name: 'Again later' }));
    const back = (await state(id)).script.version - 1;
    const hkey = randomUUID();
    const h1 = await sm.post(`/api/scripts/${id}/restore`, { version: back }, keyed(hkey));
    const h2 = await sm.post(`/api/scripts/${id}/restore`, { version: back }, keyed(hkey));
    expect(h1.status).toBe(200);
    expect(h2.body).toEqual(h1.body);
    expect((await state(id)).script.version).toBe(h1.body.version);
  });

  it('W2 a key already used for another kind of write is refused with 422 KEY_REUSED', async () => {
    const id = await newScript();
    const key = randomUUID();
    const el = element();
    expect((await sm.post(`/api/scripts/${id}/elements`, el, keyed(key))).status).toBe(201);
    const v = (await state(id)).script.version;
    const other = await sm.del(`/api/scripts/${id}/elements/${el.id}`, keyed(key));
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'KEY_REUSED', field: 'Idempotency-Key' });
    const imp = await sm.post(`/api/scripts/${id}/import?mode=append`, csvOf(3), {
      'content-type': 'text/csv',
      ...keyed(key),
    });
    expect(imp.status).toBe(422);
    expect((await state(id)).script.version).toBe(v);
  });
});

describe(`a commit whose reply was lost (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let scriptId: string;
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s);
    const showId = (await sm.post('/api/shows', { name: 'Lost' })).body.show.id as string;
    scriptId = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body.script.id as string;
  });
  afterAll(() => s.close());

  /** A store whose cached-path statement runs (or not) and then loses its reply. */
  function storeLosing(run: boolean): ScriptStore {
    const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    return new ScriptStore({
      db: s.database.db,
      prepare: (name, text) => {
        const real = s.database.prepare(name, text);
        const statement: PreparedStatement = async (params) => {
          if (run) await real(params);
          throw lost();
        };
        return statement;
      },
    });
  }
  const actor = { kind: 'sm' as const, name: 'SM', id: null };

  async function warm(store: ScriptStore): Promise<number> {
    // One locked commit fills the cache, so the next commit takes the cached one-statement path.
    const r = await store.commit({
      scriptId,
      opId: randomUUID(),
      baseVersion: null,
      op: { kind: 'create', element: element() },
      actor,
      prepare: async () => {},
    });
    return r.entry.version;
  }

  it('W3 a commit that went through is answered as committed, at its version', async () => {
    const store = storeLosing(true);
    const v = await warm(store);
    const opId = randomUUID();
    const result = await store.commit({
      scriptId,
      opId,
      baseVersion: v,
      op: { kind: 'create', element: element() },
      actor,
    });
    expect(result).toMatchObject({ duplicate: false, entry: { version: v + 1, opId } });
    const [entry] = await store.committedOps(scriptId, [opId]);
    expect(entry?.version).toBe(v + 1);
  });

  it('W3 a commit the node cannot find is OUTCOME_UNKNOWN (503), never UNAVAILABLE, and its retry applies it once', async () => {
    const store = storeLosing(false);
    const v = await warm(store);
    const opId = randomUUID();
    const input = { scriptId, opId, baseVersion: v, op: { kind: 'create' as const, element: element() }, actor };
    await expect(store.commit(input)).rejects.toMatchObject({ status: 503, code: 'OUTCOME_UNKNOWN' });
    // The retry (same op id) through a healthy store.
    const healthy = new ScriptStore(s.database);
    const retried = await healthy.commit(input);
    expect(retried).toMatchObject({ duplicate: false, entry: { version: v + 1 } });
    expect(await healthy.commit(input)).toMatchObject({ duplicate: true, entry: { version: v + 1 } });
  });
});
