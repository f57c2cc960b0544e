/**
 * Several nodes (DESIGN §6): three real node processes on one PostgreSQL database and a
 * redis-server this file starts on its own port, with raw protocol clients on different nodes.
 * Fixtures are written through an in-process server on the same database (one without Redis,
 * which no client connects to).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { freshPgDatabase, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { startNode, type NodeProcess } from './node-process';
import { startRedis, type TestRedis } from './redis-server';

let redis: TestRedis;
let drop: () => Promise<void>;
let databaseUrl: string;
let fx: TestServer;
let a: NodeProcess;
let b: NodeProcess;
let c: NodeProcess;
let sm: SmFixture;
let show: ShowFixture;
const wires: Wire[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const fresh = await freshPgDatabase();
  drop = fresh.drop;
  databaseUrl = fresh.url;
  // Migrates the database and stores the secret every node then shares.
  fx = await startServer({ databaseUrl: fresh.url });
  const common = { databaseUrl: fresh.url, redisUrl: redis.url };
  // Node clocks seconds apart: show time must still agree (N5).
  [a, b, c] = await Promise.all([
    startNode({ ...common, name: 'node-a' }),
    startNode({ ...common, name: 'node-b', clockSkewMs: -2_000 }),
    startNode({ ...common, name: 'node-c', clockSkewMs: 3_000 }),
  ]);
  sm = await makeSm(fx);
  show = await makeShow(fx, sm.userId);
}, 90_000);

afterAll(async () => {
  for (const w of wires) w.close();
  await Promise.all([a, b, c].map((n) => n?.kill('SIGTERM')));
  await fx?.close();
  await drop?.();
  await redis?.close();
  for (const w of wires) expect(w.invalid).toEqual([]);
});

/** A raw protocol client on one node: SM with the session cookie, or crew with a token. */
async function helloAt(
  node: NodeProcess,
  scriptId: string,
  opts: { cookie?: string; token?: string; lastVersion?: number | null } = {},
): Promise<Wire> {
  const headers: Record<string, string> = {};
  if (opts.cookie) {
    headers.cookie = opts.cookie;
    headers.origin = node.url;
  }
  const w = new Wire(new WebSocket(`${node.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`, { headers }));
  wires.push(w);
  await w.opened;
  w.send({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    ...(opts.token ? { token: opts.token } : {}),
    lastVersion: opts.lastVersion ?? null,
    deviceId: w.deviceId,
  });
  await w.next('welcome');
  return w;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('several nodes on PostgreSQL + Redis', () => {
  it('N1 a crew member on node B sees an edit made on node A', async () => {
    const lx = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(fx, show.showId, { elements: [lx] });
    const crew = await makeCrew(fx, show.showId, { departmentIds: [show.dept.LX] });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    const crewB = await helloAt(b, scriptId, { token: crew.token });
    await smA.next('snapshot');
    await crewB.next('snapshot');

    smA.op({ kind: 'update', id: lx.id, fields: { notes: 'on the bow' } }, 0);
    expect(await smA.next('ack')).toMatchObject({ version: 1 });
    const ch = await crewB.next('changes');
    expect(ch.changes.map((x) => x.version)).toEqual([1]);
    expect(ch.changes[0]!.patch.upserts[0]!.notes).toBe('on the bow');
  });

  it('N2 revoking a link on node A closes its sockets on nodes B and C within 1 s', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const crew = await makeCrew(fx, show.showId, { allDepartments: true });
    const onB = await helloAt(b, scriptId, { token: crew.token });
    const onC = await helloAt(c, scriptId, { token: crew.token });
    const started = performance.now();
    const res = await fetch(`${a.url}/api/crew/${crew.crewId}/revoke`, {
      method: 'POST',
      headers: { cookie: sm.cookie },
    });
    expect(res.status).toBe(200);
    const closes = await Promise.all([onB.closed, onC.closed]);
    const elapsed = performance.now() - started;
    expect(closes).toEqual([
      { code: 1008, reason: 'revoked' },
      { code: 1008, reason: 'revoked' },
    ]);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('N3 a Redis restart mid-stream loses, duplicates and reorders nothing at the clients', async () => {
    const lx = cue();
    const scriptId = await makeScript(fx, show.showId, { elements: [lx] });
    const crew = await makeCrew(fx, show.showId, { allDepartments: true });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    const onB = await helloAt(b, scriptId, { token: crew.token });
    const onC = await helloAt(c, scriptId, { cookie: sm.cookie });
    for (const w of [smA, onB, onC]) await w.next('snapshot');

    const total = 60;
    let acked = 0;
    const sending = (async () => {
      for (let i = 1; i <= total; i++) {
        smA.op({ kind: 'update', id: lx.id, fields: { notes: `take ${i}` } }, i - 1);
        const ack = await smA.next('ack');
        expect(ack.version).toBe(i);
        acked = i;
      }
    })();
    // Kill Redis with ops in flight, bring it back while they keep coming. (SM acks pace the
    // stream: one op in flight at a time.)
    await smA.until(() => acked >= 20, 10_000, '20 acks');
    await redis.stop();
    // During the outage, edits still cross nodes: the hub polls the database (about 1 s late).
    const duringOutage = acked + 3;
    await Promise.all(
      [onB, onC].map((w) =>
        w.until(() => w.versions().includes(duringOutage), 5_000, 'a version made during the outage'),
      ),
    );
    await smA.until(() => acked >= 40, 10_000, '40 acks during the outage');
    await redis.start();
    const backAt = performance.now();
    // Everything committed while Redis was down reaches the other nodes' clients within 2 s.
    const missed = acked;
    await Promise.all([onB, onC].map((w) => w.until(() => w.versions().includes(missed), 5_000, `version ${missed}`)));
    expect(performance.now() - backAt).toBeLessThan(2_000);
    await sending;

    for (const w of [onB, onC]) {
      await w.until(() => w.versions().includes(total), 10_000, `version ${total}`);
      expect(w.versions()).toEqual(range(1, total));
    }
    // The SM's own socket on node A never depended on Redis.
    expect(smA.versions()).toEqual(range(1, total));
  }, 60_000);

  it('N4 clients of a node killed with SIGKILL catch up on another node', async () => {
    const lx = cue();
    const scriptId = await makeScript(fx, show.showId, { elements: [lx] });
    const crew = await makeCrew(fx, show.showId, { allDepartments: true });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    await smA.next('snapshot');
    const victim = await startNode({ databaseUrl, redisUrl: redis.url, name: 'node-victim' });
    const onVictim = await helloAt(victim, scriptId, { token: crew.token });
    await onVictim.next('snapshot');
    for (let i = 1; i <= 5; i++) {
      smA.op({ kind: 'update', id: lx.id, fields: { notes: `before ${i}` } }, i - 1);
      await smA.next('ack');
    }
    await onVictim.until(() => onVictim.versions().includes(5), 5_000, 'version 5');
    await victim.kill('SIGKILL');
    const closed = await onVictim.closed;
    expect(closed.code).toBe(1006); // abnormal: no close frame from a killed process
    for (let i = 6; i <= 10; i++) {
      smA.op({ kind: 'update', id: lx.id, fields: { notes: `after ${i}` } }, i - 1);
      await smA.next('ack');
    }
    const held = onVictim.versions().at(-1)!;
    const onB = await helloAt(b, scriptId, { token: crew.token, lastVersion: held });
    await onB.until(() => onB.versions().includes(10), 5_000, 'catch-up to 10');
    expect(onB.versions()).toEqual(range(held + 1, 10));
  }, 60_000);

  // The hub answers pings on the reference clock (Redis TIME), so node skew cancels out.
  it('N5 nodes with clocks 5 s apart answer clock pings in the same show time', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const onB = await helloAt(b, scriptId, { cookie: sm.cookie });
    const onC = await helloAt(c, scriptId, { cookie: sm.cookie });
    // NTP-style offset of each node's show time to this process's clock, min round trip of 10.
    const offsetOf = async (w: Wire) => {
      let best = { rtt: Infinity, offset: 0 };
      for (let id = 1; id <= 10; id++) {
        const t0 = performance.timeOrigin + performance.now();
        w.send({ type: 'ping', id, t0 });
        const pong = await w.next('pong', (p) => p.id === id);
        const t3 = performance.timeOrigin + performance.now();
        const rtt = t3 - t0 - (pong.t2 - pong.t1);
        if (rtt < best.rtt) best = { rtt, offset: (pong.t1 - t0 + (pong.t2 - t3)) / 2 };
      }
      return best;
    };
    const [ob, oc] = [await offsetOf(onB), await offsetOf(onC)];
    expect(Math.abs(ob.offset - oc.offset)).toBeLessThan(5 + (ob.rtt + oc.rtt) / 2);
  });
});
