/**
 * F5, F6: one node's wall clock decides nothing the shared clock should. Four node processes on
 * one database and a Redis of the test's own: one with a true clock, one 5 s ahead, one 5 s
 * behind, one whose wall clock is stepped back 10 s (before the checks, and again mid-stream).
 * Rule ids: docs/SPEC.md.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgDatabase } from './harness';
import { startNode, type NodeProcess } from './node-process';
import { call, makeNodeStage, NodeSocket, type NodeStage } from './node-stage';
import { startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

let redis: TestRedis;
let db: { url: string; drop: () => Promise<void> };
let nodes: NodeProcess[] = [];
let stepped: NodeProcess;
let stage: NodeStage;
let sql: pg.Client;

beforeAll(async () => {
  redis = await startRedis();
  db = await freshPgDatabase();
  const start = (name: string, clock: { clockSkewMs?: number; clockStepMs?: number }) =>
    startNode({ name, databaseUrl: db.url, redisUrl: redis.url, ...clock });
  nodes = await Promise.all([
    start('true-clock', {}),
    start('ahead-5s', { clockSkewMs: 5_000 }),
    start('behind-5s', { clockSkewMs: -5_000 }),
    start('stepped', { clockStepMs: -10_000 }),
  ]);
  stepped = nodes[3]!;
  await stepped.stepClock();
  stage = await makeNodeStage(nodes[0]!.url, 4);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 90_000);

afterAll(async () => {
  await sql?.end();
  await Promise.all(nodes.map((n) => n.kill()));
  await db?.drop();
  await redis?.close();
});

const until = (t: number) => waitFor(() => Date.now() >= t, t - Date.now() + 5_000, `time ${t}`);

describe('skewed and stepped node clocks', () => {
  it('F5 a crew link is valid until its expiry and refused after it on every node; its sockets close at expiry on every node', async () => {
    const expiresAt = Date.now() + 7_000;
    await sql.query('update crew set expires_at = $1 where id = $2', [new Date(expiresAt), stage.crewId]);
    const sockets = nodes.map((n) => new NodeSocket(n.url, stage.scriptId, { token: stage.crewToken }));
    await waitFor(() => sockets.every((s) => s.all('welcome').length === 1), 5_000, 'crew welcomes on every node');

    await until(expiresAt - 2_500);
    const before = await Promise.all(
      nodes.map((n) => call(n.url, 'GET', '/api/crew-access/me', { token: stage.crewToken })),
    );
    expect(before.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(sockets.map((s) => s.closed)).toEqual([null, null, null, null]);

    await until(expiresAt + 2_500);
    const after = await Promise.all(
      nodes.map((n) => call(n.url, 'GET', '/api/crew-access/me', { token: stage.crewToken })),
    );
    expect(after.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    await waitFor(() => sockets.every((s) => s.closed !== null), 5_000, 'every crew socket closed');
    for (const s of sockets) {
      expect(s.closed!.code).toBe(1008);
      expect(Math.abs(s.closed!.at - expiresAt)).toBeLessThan(1_500);
    }
  });

  it('F5 op-log times come from the reference clock: true on every node and never backwards in version order', async () => {
    const written: { version: number; before: number; after: number }[] = [];
    for (let i = 0; i < 12; i++) {
      const node = nodes[i % nodes.length]!;
      const before = Date.now();
      const r = await call(node.url, 'PATCH', `/api/scripts/${stage.scriptId}/elements/${stage.cueIds[0]}`, {
        cookie: stage.cookie,
        json: { notes: `from ${node.name} ${i}` },
      });
      const after = Date.now();
      expect(r.status).toBe(200);
      written.push({ version: (JSON.parse(r.text) as { version: number }).version, before, after });
    }
    const { rows } = await sql.query<{ version: number; created_at: Date }>(
      'select version, created_at from ops where script_id = $1 order by version',
      [stage.scriptId],
    );
    for (let i = 1; i < rows.length; i++)
      expect(rows[i]!.created_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.created_at.getTime());
    const at = new Map(rows.map((r) => [r.version, r.created_at.getTime()]));
    for (const w of written) {
      const t = at.get(w.version)!;
      expect(t).toBeGreaterThanOrEqual(w.before - 250);
      expect(t).toBeLessThanOrEqual(w.after + 250);
    }
  });

  it('F6 an SM sending 30 ops/s through a wall-clock step back of 10 s is never rate-limited', async () => {
    const sm = new NodeSocket(stepped.url, stage.scriptId, { cookie: stage.cookie });
    await waitFor(() => sm.all('welcome').length === 1, 5_000, 'SM welcome');
    const sent: string[] = [];
    const send = () => {
      const opId = randomUUID();
      sent.push(opId);
      sm.send({
        type: 'op',
        opId,
        baseVersion: 0,
        op: { kind: 'update', id: stage.cueIds[1]!, fields: { notes: `op ${sent.length}` } },
      });
    };
    const timer = setInterval(send, 33);
    try {
      await waitFor(() => sent.length >= 60, 10_000, '2 s of ops');
      await stepped.stepClock();
      const mark = sent.length;
      await waitFor(() => sent.length >= mark + 270 || sm.closed !== null, 20_000, '9 s of ops after the step');
    } finally {
      clearInterval(timer);
    }
    await waitFor(
      () => sent.every((id) => sm.answerTo(id) !== undefined) || sm.closed !== null,
      15_000,
      'every op answered',
    );
    expect(sm.closed).toBeNull();
    expect(sm.all('error').filter((e) => e.code === 'RATE_LIMITED')).toEqual([]);
    expect(sent.filter((id) => sm.answerTo(id)?.type !== 'ack')).toEqual([]);
    sm.close();
  });
});
