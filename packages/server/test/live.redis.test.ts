/**
 * Live show across nodes: two real node processes (clocks 2.5 s apart) on one PostgreSQL
 * database and a redis-server of this file's own. An SM command on node A reaches a crew device
 * on node B with the same state; a device joining on node B gets it at once; a Redis outage
 * does not lose a command (node B reads the state again when Redis is back).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, showTimeAt, type PlaybackCommand } from '@cuebe/protocol';
import { freshPgDatabase, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { startNode, type NodeProcess } from './node-process';
import { startRedis, type TestRedis } from './redis-server';

let redis: TestRedis;
let drop: () => Promise<void>;
let fx: TestServer;
let a: NodeProcess;
let b: NodeProcess;
let sm: SmFixture;
let show: ShowFixture;
const wires: Wire[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const fresh = await freshPgDatabase();
  drop = fresh.drop;
  fx = await startServer({ databaseUrl: fresh.url });
  const common = { databaseUrl: fresh.url, redisUrl: redis.url };
  [a, b] = await Promise.all([
    startNode({ ...common, name: 'live-a' }),
    startNode({ ...common, name: 'live-b', clockSkewMs: 2_500 }),
  ]);
  sm = await makeSm(fx);
  show = await makeShow(fx, sm.userId);
}, 90_000);

afterAll(async () => {
  for (const w of wires) w.close();
  await Promise.all([a, b].map((n) => n?.kill('SIGTERM')));
  await fx?.close();
  await drop?.();
  await redis?.close();
  for (const w of wires) expect(w.invalid).toEqual([]);
});

async function helloAt(node: NodeProcess, scriptId: string, opts: { cookie?: string; token?: string }): Promise<Wire> {
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
    deviceId: w.deviceId,
  });
  await w.next('welcome');
  return w;
}

async function command(w: Wire, command: PlaybackCommand) {
  const commandId = randomUUID();
  w.send({ type: 'command', commandId, command });
  return w.next('commandAck', (x) => x.commandId === commandId, 10_000);
}

describe('live show on several nodes (PostgreSQL + Redis)', () => {
  it('a command on node A reaches a crew device on node B; a late joiner on B gets the state', async () => {
    const lx = cue({ departmentId: show.dept.LX, offsetMs: 5_000 });
    const scriptId = await makeScript(fx, show.showId, { elements: [lx] });
    const crew = await makeCrew(fx, show.showId, { departmentIds: [show.dept.LX] });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    const crewB = await helloAt(b, scriptId, { token: crew.token });
    await smA.next('playback');
    await crewB.next('playback');
    expect(await command(smA, { kind: 'play' })).toMatchObject({ version: 1 });
    expect(await command(smA, { kind: 'go', cueId: lx.id })).toMatchObject({ version: 2 });
    const onA = await smA.next('playback', (p) => p.version === 2);
    const onB = await crewB.next('playback', (p) => p.version === 2);
    expect(onB.state).toEqual(onA.state);
    // Both nodes stamp on the shared reference clock (Redis TIME), though their own clocks are
    // 2.5 s apart: the show times they imply agree (within the delivery gap between them).
    expect(Math.abs(showTimeAt(onB.state, onB.serverTime) - showTimeAt(onA.state, onA.serverTime))).toBeLessThan(500);

    const late = await helloAt(b, scriptId, { token: crew.token });
    const joined = await late.next('playback');
    expect(joined.version).toBe(2);
    expect(joined.state.currentCueId).toBe(lx.id);
  });

  it('a command made while Redis is down reaches node B when Redis is back', async () => {
    const scriptId = await makeScript(fx, show.showId, { elements: [cue()] });
    const crew = await makeCrew(fx, show.showId, { allDepartments: true });
    const smA = await helloAt(a, scriptId, { cookie: sm.cookie });
    const crewB = await helloAt(b, scriptId, { token: crew.token });
    await crewB.next('playback');
    await redis.stop();
    try {
      // Persisted and acknowledged without Redis (the fan-out cannot break the command path).
      expect(await command(smA, { kind: 'play' })).toMatchObject({ version: 1 });
    } finally {
      await redis.start();
    }
    const got = await crewB.next('playback', (p) => p.version === 1, 20_000);
    expect(got.state.status).toBe('PLAYING');
  });
});
