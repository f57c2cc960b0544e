/**
 * Lost commit replies on PostgreSQL (docs/SPEC.md W1–W4): a proxy between the node and the
 * database lets each write's commit through and throws its reply away. Every kind of write is
 * answered honestly (here: as committed, since the node finds its key), its version reaches a
 * crew socket within 1 s, and its one retry with the same key is answered the same and writes
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '@cuebe/protocol';
import { backend, freshPgDatabase, startServer, type TestServer } from './harness';
import { api, element, tokenOf, type SmClient } from './http';
import { Wire } from './hub-wire';
import { commitReplyProxy, type CommitReplyProxy } from '../src/testing/commit-reply-proxy';

const HEADER = 'Time,Type,Element Name,Description,Group Path,Department,Priority,Location,Duration,Color';
const csv50 = [
  HEADER,
  ...Array.from({ length: 50 }, (_, i) => `0:01:${10 + (i % 50)},CUE,Imported ${i + 1},,,,NORMAL,,,`),
].join('\n');
/** A committed version reaches crew within this of its answer (SPEC W4). */
const DELIVERY_MS = 1_000;

describe.skipIf(backend !== 'postgres')('lost commit replies (postgres)', () => {
  let db: Awaited<ReturnType<typeof freshPgDatabase>>;
  let proxy: CommitReplyProxy;
  let s: TestServer;
  let sm: SmClient;
  let scriptId: string;
  let smWire: Wire;
  let crew: Wire;
  let version = 0;

  beforeAll(async () => {
    db = await freshPgDatabase();
    proxy = await commitReplyProxy(db.url);
    s = await startServer({ databaseUrl: proxy.url });
    sm = await api(s);
    const showId = (await sm.post('/api/shows', { name: 'Lost replies' })).body.show.id as string;
    scriptId = (await sm.post(`/api/shows/${showId}/scripts`, { name: 'Book' })).body.script.id as string;
    await sm.patch(`/api/scripts/${scriptId}`, { shared: true });
    const link = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Deck', allDepartments: true })).body.crew
      .link as string;
    crew = await Wire.hello(s, scriptId, { token: tokenOf(link) });
    await crew.next('welcome');
    await crew.next('snapshot');
    smWire = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    version = (await smWire.next('welcome')).version;
    await smWire.next('snapshot');
  });
  afterAll(async () => {
    crew?.close();
    smWire?.close();
    await s?.close();
    await proxy?.close();
    await db?.drop();
    expect(crew.invalid).toEqual([]);
    expect(smWire.invalid).toEqual([]);
  });

  /** Run `write` with its commit's reply lost; fail when it made no commit for the proxy to hit. */
  async function replyLost<T>(write: () => Promise<T>): Promise<T> {
    const before = proxy.lost;
    const hit = proxy.loseNextCommitReply();
    try {
      const answer = await write();
      if (proxy.lost !== before + 1) throw new Error('the write made no commit whose reply could be lost');
      await hit;
      return answer;
    } finally {
      proxy.disarm();
    }
  }

  /** The crew socket gets `v` within DELIVERY_MS. */
  async function crewGets(v: number): Promise<void> {
    await crew.until(
      (all) => all.some((m) => m.type === 'changes' && m.changes.some((c) => c.version === v)),
      DELIVERY_MS,
      `crew delivery of version ${v}`,
    );
  }

  const scriptVersion = async () => (await sm.get(`/api/scripts/${scriptId}`)).body.script.version as number;
  const keyed = (key: string, extra: Record<string, string> = {}) => ({ 'idempotency-key': key, ...extra });

  it('W3 W4 a socket op: acked as committed, delivered, and its retry acked as a duplicate', async () => {
    const op: Op = { kind: 'create', element: element({ name: 'Socket cue' }) };
    const opId = randomUUID();
    const ack = await replyLost(async () => {
      smWire.op(op, version, opId);
      return smWire.next('ack', (m) => m.opId === opId);
    });
    expect(ack).toMatchObject({ version: version + 1, duplicate: false });
    expect(smWire.all('error').filter((e) => e.opId === opId)).toEqual([]);
    await crewGets(ack.version);
    smWire.op(op, version, opId);
    expect(await smWire.next('ack', (m) => m.opId === opId)).toMatchObject({ version: ack.version, duplicate: true });
    version = ack.version;
    expect(await scriptVersion()).toBe(version);
  });

  it('W1 W3 W4 REST element create, update and delete: answered, delivered, retried once', async () => {
    const el = element({ name: 'REST cue' });
    const writes = [
      {
        key: randomUUID(),
        run: (k: string) => sm.post(`/api/scripts/${scriptId}/elements`, el, keyed(k)),
        status: 201,
      },
      {
        key: randomUUID(),
        run: (k: string) => sm.patch(`/api/scripts/${scriptId}/elements/${el.id}`, { notes: 'on the bow' }, keyed(k)),
        status: 200,
      },
      {
        key: randomUUID(),
        run: (k: string) => sm.del(`/api/scripts/${scriptId}/elements/${el.id}`, keyed(k)),
        status: 200,
      },
    ];
    for (const w of writes) {
      const first = await replyLost(() => w.run(w.key));
      expect(first.status).toBe(w.status);
      expect(first.body.version).toBe(version + 1);
      await crewGets(first.body.version);
      const again = await w.run(w.key);
      expect(again.status).toBe(w.status);
      expect(again.body).toEqual(first.body);
      version = first.body.version;
      expect(await scriptVersion()).toBe(version);
    }
  });

  it('W1 W3 W4 script info: answered, delivered, retried once', async () => {
    const key = randomUUID();
    const first = await replyLost(() => sm.patch(`/api/scripts/${scriptId}`, { name: 'Book (tech)' }, keyed(key)));
    expect(first.status).toBe(200);
    expect(first.body.script).toMatchObject({ name: 'Book (tech)', version: version + 1 });
    await crewGets(version + 1);
    const again = await sm.patch(`/api/scripts/${scriptId}`, { name: 'Book (tech)' }, keyed(key));
    expect(again.body.script).toMatchObject({ name: 'Book (tech)', version: version + 1 });
    version++;
    expect(await scriptVersion()).toBe(version);
  });

  it('W1 W2 W3 W4 a CSV import of 50 rows: answered, delivered, retried once — 50 rows, not 100', async () => {
    const key = randomUUID();
    const post = () =>
      sm.post(`/api/scripts/${scriptId}/import?mode=append`, csv50, keyed(key, { 'content-type': 'text/csv' }));
    const first = await replyLost(post);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, rows: 50, version: version + 1 });
    await crewGets(version + 1);
    const again = await post();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    version++;
    const now = (await sm.get(`/api/scripts/${scriptId}`)).body;
    expect(now.script.version).toBe(version);
    expect((now.elements as { name: string }[]).filter((e) => e.name.startsWith('Imported '))).toHaveLength(50);
  });

  it('W1 W2 W3 a version save: answered, retried once — one saved version', async () => {
    const key = randomUUID();
    const save = () => sm.post(`/api/scripts/${scriptId}/versions`, { name: 'After import' }, keyed(key));
    const first = await replyLost(save);
    expect(first.status).toBe(201);
    const again = await save();
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const list = (await sm.get(`/api/scripts/${scriptId}/versions`)).body.versions as { name: string }[];
    expect(list.filter((v) => v.name === 'After import')).toHaveLength(1);
  });

  it('W1 W2 W3 W4 restores (a saved version, a past version): answered, delivered, retried once', async () => {
    const saved = (await sm.post(`/api/scripts/${scriptId}/versions`, { name: 'Before cut' })).body.version
      .id as string;
    const cut = await sm.post(`/api/scripts/${scriptId}/elements`, element({ name: 'To be undone' }));
    version = cut.body.version as number;
    await crewGets(version);

    const key = randomUUID();
    const restore = () => sm.post(`/api/scripts/${scriptId}/versions/${saved}/restore`, undefined, keyed(key));
    const first = await replyLost(restore);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ version: version + 1, restored: saved });
    await crewGets(version + 1);
    const again = await restore();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    version++;
    expect(await scriptVersion()).toBe(version);

    const hkey = randomUUID();
    const back = () => sm.post(`/api/scripts/${scriptId}/restore`, { version: version - 1 }, keyed(hkey));
    const h1 = await replyLost(back);
    expect(h1.status).toBe(200);
    expect(h1.body).toEqual({ version: version + 1 });
    await crewGets(version + 1);
    const h2 = await back();
    expect(h2.body).toEqual(h1.body);
    version++;
    expect(await scriptVersion()).toBe(version);
  });

  it('W3 W4 a playback command: acked as applied, delivered, and its retry acked as a duplicate', async () => {
    const commandId = randomUUID();
    const ack = await replyLost(async () => {
      smWire.send({ type: 'command', commandId, command: { kind: 'play' } });
      return smWire.next('commandAck', (m) => m.commandId === commandId);
    });
    expect(ack.duplicate).toBe(false);
    await crew.until(
      (all) => all.some((m) => m.type === 'playback' && m.version === ack.version && m.state.status === 'PLAYING'),
      DELIVERY_MS,
      'crew delivery of the playback state',
    );
    smWire.send({ type: 'command', commandId, command: { kind: 'play' } });
    const again = await smWire.next('commandAck', (m) => m.commandId === commandId);
    expect(again).toMatchObject({ version: ack.version, duplicate: true });
    expect(smWire.all('commandError').filter((e) => e.commandId === commandId)).toEqual([]);
  });

  it('the node stayed up and serves every request after the lost replies', async () => {
    expect(proxy.lost).toBe(10);
    expect((await sm.get(`/api/scripts/${scriptId}`)).status).toBe(200);
  });
});
