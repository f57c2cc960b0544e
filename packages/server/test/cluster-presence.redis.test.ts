/**
 * Presence and access across nodes (DESIGN §6): three real node processes on one PostgreSQL
 * database and a redis-server of this file's own. Presence crosses nodes and a killed node's
 * entries expire with the TTL; access changes lost while Redis is down still close sockets once
 * it returns (the re-check); credentials that end (an SM session, a shortened crew link) close.
 * Fixtures are written through an in-process server without Redis on the same database — which
 * also plays "a change whose fan-out message was lost", since it publishes to nobody.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ServerMessage } from '@cuebe/protocol';
import { createSession } from '../src/auth/sessions';
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
  fx = await startServer({ databaseUrl: fresh.url });
  const common = { databaseUrl: fresh.url, redisUrl: redis.url };
  [a, b, c] = await Promise.all([
    startNode({ ...common, name: 'node-a' }),
    startNode({ ...common, name: 'node-b' }),
    startNode({ ...common, name: 'node-c' }),
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

async function helloAt(
  node: NodeProcess,
  scriptId: string,
  opts: { cookie?: string; token?: string; deviceId?: string } = {},
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
    lastVersion: null,
    deviceId: opts.deviceId ?? w.deviceId,
  });
  await w.next('welcome');
  return w;
}

type PresenceMsg = Extract<ServerMessage, { type: 'presence' }>;

/** The latest presence a socket holds. */
function presence(w: Wire): PresenceMsg | undefined {
  return w.all('presence').at(-1);
}

/** Devices per crew member in the SM's latest presence. */
function crewDevices(w: Wire): Record<string, number> {
  return Object.fromEntries((presence(w)?.crew ?? []).map((x) => [x.crewId, x.devices]));
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

describe('presence and access across nodes', () => {
  it('P1 the SM on node A sees crew devices on nodes B and C, each device once; crew see the SM', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const lx = await makeCrew(fx, show.showId, { name: 'Lee LX', allDepartments: true });
    const snd = await makeCrew(fx, show.showId, { name: 'Sue Sound', allDepartments: true });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    // One phone with two tabs on two nodes is one device; a second phone is another.
    const phone = '11111111-1111-4111-8111-111111111111';
    const lxB = await helloAt(b, scriptId, { token: lx.token, deviceId: phone });
    await helloAt(c, scriptId, { token: lx.token, deviceId: phone });
    await helloAt(c, scriptId, { token: lx.token });
    await helloAt(b, scriptId, { token: snd.token });

    const want = { [lx.crewId]: 2, [snd.crewId]: 1 };
    await smA.until(() => same(crewDevices(smA), want), 5_000, 'crew of B and C in presence');
    const entry = presence(smA)!.crew!.find((x) => x.crewId === lx.crewId)!;
    expect(entry).toMatchObject({ name: 'Lee LX', role: 'operator', allDepartments: true });
    // Crew on another node see the SM as connected.
    await lxB.until(() => presence(lxB)?.sm.connected === true, 5_000, 'SM connected');
    expect(presence(lxB)!.crew).toBeUndefined();

    // A device leaving node C is gone from the SM's view promptly (not at the TTL).
    const before = performance.now();
    wires.at(-2)!.close();
    await smA.until(() => same(crewDevices(smA), { [lx.crewId]: 1, [snd.crewId]: 1 }), 2_000, 'device left');
    expect(performance.now() - before).toBeLessThan(2_000);
  });

  it('P2 a node killed with SIGKILL leaves no ghost after the TTL; its clients come back through another node', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const crew = await makeCrew(fx, show.showId, { allDepartments: true });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    const victim = await startNode({ databaseUrl, redisUrl: redis.url, name: 'node-victim' });
    const onVictim = await helloAt(victim, scriptId, { token: crew.token });
    await smA.until(() => same(crewDevices(smA), { [crew.crewId]: 1 }), 5_000, 'crew on the victim');

    await victim.kill('SIGKILL');
    const killedAt = performance.now();
    expect((await onVictim.closed).code).toBe(1006);
    // Entries count 10 s after their last heartbeat (at most 3 s before the kill), swept every second.
    await smA.until(() => same(crewDevices(smA), {}), 13_000, 'ghost expired');
    const gone = performance.now() - killedAt;
    expect(gone).toBeLessThan(12_500);
    expect(gone).toBeGreaterThan(6_000);

    const back = await helloAt(b, scriptId, { token: crew.token, deviceId: onVictim.deviceId });
    await back.next('snapshot');
    await smA.until(() => same(crewDevices(smA), { [crew.crewId]: 1 }), 5_000, 'crew back through node B');
  }, 40_000);

  it('P3 a revocation whose message was lost while Redis was down closes the sockets once Redis returns', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const revoked = await makeCrew(fx, show.showId, { allDepartments: true });
    const rotated = await makeCrew(fx, show.showId, { allDepartments: true });
    const kept = await makeCrew(fx, show.showId, { allDepartments: true });
    const moved = await makeCrew(fx, show.showId, { departmentIds: [show.dept.LX] });
    const onB = await helloAt(b, scriptId, { token: revoked.token });
    const movedC = await helloAt(c, scriptId, { token: moved.token });
    const onC = await helloAt(c, scriptId, { token: rotated.token });
    const keptB = await helloAt(b, scriptId, { token: kept.token });
    await redis.stop();
    // Through the in-process server, whose fan-out reaches no node: as if the message were lost.
    for (const [crewId, what] of [
      [revoked.crewId, 'revoke'],
      [rotated.crewId, 'rotate'],
    ] as const) {
      const res = await fetch(`${fx.url}/api/crew/${crewId}/${what}`, {
        method: 'POST',
        headers: { cookie: sm.cookie },
      });
      expect(res.status).toBe(200);
    }
    const patched = await fetch(`${fx.url}/api/crew/${moved.crewId}`, {
      method: 'PATCH',
      headers: { cookie: sm.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ departmentIds: [show.dept.LX, show.dept.SND] }),
    });
    expect(patched.status).toBe(200);
    await redis.start();
    const backAt = performance.now();
    expect(await onB.closed).toEqual({ code: 1008, reason: 'revoked' });
    expect(await onC.closed).toEqual({ code: 1008, reason: 'rotated' });
    // A view that changed: reconnect (4010), and the next hello starts from a snapshot.
    expect((await movedC.closed).code).toBe(4010);
    const again = new Wire(new WebSocket(`${c.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`));
    wires.push(again);
    await again.opened;
    again.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token: moved.token,
      lastVersion: 0,
      deviceId: movedC.deviceId,
    });
    await again.next('welcome');
    await again.next('snapshot');
    expect(performance.now() - backAt).toBeLessThan(3_000);
    // The re-check closes only what lost access.
    keptB.send({ type: 'ping', id: 1, t0: Date.now() });
    await keptB.next('pong');
  }, 30_000);

  it('P4 shortening a link closes its sockets on every node to reconnect at the new expiry', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const crew = await makeCrew(fx, show.showId, {
      allDepartments: true,
      expiresAt: new Date(Date.now() + 30 * 86_400_000),
    });
    const onB = await helloAt(b, scriptId, { token: crew.token });
    const onC = await helloAt(c, scriptId, { token: crew.token });
    const res = await fetch(`${a.url}/api/crew/${crew.crewId}`, {
      method: 'PATCH',
      headers: { cookie: sm.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ expiresInDays: 1 }),
    });
    expect(res.status).toBe(200);
    expect((await onB.closed).code).toBe(4010);
    expect((await onC.closed).code).toBe(4010);
  });

  it('P5 an SM socket closes 1008 logged-out when its session expires', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const { token } = await createSession(fx.ctx.database.db, sm.userId, 1.5 / 86_400, fx.ctx.clock.now());
    const cookie = `cuebe_session=${encodeURIComponent(token)}`;
    const onB = await helloAt(b, scriptId, { cookie });
    const opened = performance.now();
    expect(await onB.closed).toEqual({ code: 1008, reason: 'logged-out' });
    expect(performance.now() - opened).toBeLessThan(3_000);
  });
});
