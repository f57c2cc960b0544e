/**
 * The production team across nodes: two real node processes on one PostgreSQL database and a
 * redis-server of this file's own. An editor on node B and the owner on node A see each other
 * (with the row each edits); removing the editor through node A closes their socket on node B at
 * once. Rule ids: docs/SPEC.md (S13, P14).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '@cuebe/protocol';
import { showMembers } from '../src/db/schema';
import { freshPgDatabase, startServer, type TestServer } from './harness';
import { cue, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { startNode, type NodeProcess } from './node-process';
import { startRedis, type TestRedis } from './redis-server';

let redis: TestRedis;
let drop: () => Promise<void>;
let fx: TestServer;
let a: NodeProcess;
let b: NodeProcess;
let owner: SmFixture;
let editor: SmFixture;
let show: ShowFixture;
const wires: Wire[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const fresh = await freshPgDatabase();
  drop = fresh.drop;
  fx = await startServer({ databaseUrl: fresh.url });
  const common = { databaseUrl: fresh.url, redisUrl: redis.url };
  [a, b] = await Promise.all([startNode({ ...common, name: 'node-a' }), startNode({ ...common, name: 'node-b' })]);
  owner = await makeSm(fx, 'Olivia Owner');
  editor = await makeSm(fx, 'Eddie Editor');
  show = await makeShow(fx, owner.userId);
  await fx.ctx.database.db
    .insert(showMembers)
    .values({ showId: show.showId, userId: editor.userId, role: 'editor', invitedBy: owner.userId });
}, 90_000);

afterAll(async () => {
  for (const w of wires) w.close();
  await Promise.all([a, b].map((n) => n?.kill('SIGTERM')));
  await fx?.close();
  await drop?.();
  await redis?.close();
  for (const w of wires) expect(w.invalid).toEqual([]);
});

async function helloAt(node: NodeProcess, scriptId: string, who: SmFixture): Promise<Wire> {
  const headers = { cookie: who.cookie, origin: node.url };
  const w = new Wire(new WebSocket(`${node.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`, { headers }));
  wires.push(w);
  await w.opened;
  w.send({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: w.deviceId });
  await w.next('welcome');
  return w;
}

describe('production team across nodes', () => {
  it('S13 the owner on node A sees the editor on node B and the row they are editing', async () => {
    const row = cue({ name: 'LX 3' });
    const scriptId = await makeScript(fx, show.showId, { elements: [row] });
    const ownerA = await helloAt(a, scriptId, owner);
    const editorB = await helloAt(b, scriptId, editor);
    editorB.send({ type: 'editing', elementId: row.id });
    await ownerA.until(
      (all) =>
        all.some(
          (m) =>
            m.type === 'presence' &&
            m.editors?.some((e) => e.name === 'Eddie Editor' && e.role === 'editor' && e.editing[0] === row.id),
        ),
      5_000,
      'the editor on node B, editing LX 3',
    );
    // And the editor sees the owner, who is on the other node.
    await editorB.until(
      (all) => all.some((m) => m.type === 'presence' && m.editors?.some((e) => e.role === 'owner')),
      5_000,
      'the owner on node A',
    );
  });

  it('P14 removing the editor through node A closes their socket on node B with 1008 "removed"', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const ownerA = await helloAt(a, scriptId, owner);
    const editorB = await helloAt(b, scriptId, editor);
    const t0 = performance.now();
    const res = await fetch(`${a.url}/api/shows/${show.showId}/members/${editor.userId}`, {
      method: 'DELETE',
      headers: { cookie: owner.cookie, origin: a.url },
    });
    expect(res.status).toBe(204);
    expect(await editorB.closed).toEqual({ code: CloseCode.POLICY, reason: 'removed' });
    expect(performance.now() - t0).toBeLessThan(1_000);
    const id = 7;
    ownerA.send({ type: 'ping', id, t0: 0 });
    await ownerA.next('pong', (m) => m.id === id);
  });
});
