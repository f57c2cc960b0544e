/**
 * A Redis that hangs or dies (SPEC R4, P6): three real node processes on one PostgreSQL database
 * and a redis-server of this file's own, frozen with SIGSTOP (connections open, nothing answers)
 * and, in the second case, killed. An SM on node A edits and calls GO throughout, crew watch on
 * nodes B and C, and crew links are revoked and rotated during the fault: every edit and every GO
 * reaches every node's crew within 1.5 s, every such link's sockets close within 1.5 s, a crew
 * device joining and leaving another node shows in the SM's presence within 1.5 s, /readyz
 * answers at once, and nothing is lost, doubled or reordered.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ServerMessage, type PlaybackCommand } from '@cuebe/protocol';
import { freshPgDatabase, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { startNode, type NodeProcess } from './node-process';
import { startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

const FAULT_MS = 5_000;
const DELIVERY_MS = 1_500;
const READY_MS = 100;

let redis: TestRedis;
let drop: () => Promise<void>;
let fx: TestServer;
let nodes: NodeProcess[] = [];
let sm: SmFixture;
let show: ShowFixture;
const wires: Wire[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const fresh = await freshPgDatabase();
  drop = fresh.drop;
  fx = await startServer({ databaseUrl: fresh.url });
  const common = { databaseUrl: fresh.url, redisUrl: redis.url };
  nodes = await Promise.all(['hang-a', 'hang-b', 'hang-c'].map((name) => startNode({ ...common, name })));
  sm = await makeSm(fx);
  show = await makeShow(fx, sm.userId);
}, 90_000);

afterAll(async () => {
  for (const w of wires) w.close();
  await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
  await fx?.close();
  await drop?.();
  await redis?.close();
  for (const w of wires) expect(w.invalid).toEqual([]);
});

/** When each thing reached one socket (performance.now()), in arrival order. */
interface Seen {
  changes: { version: number; at: number }[];
  playback: { version: number; at: number }[];
  acks: Map<string, { version: number; at: number }>;
  commandAcks: Map<string, { version: number; at: number }>;
  /** Commands answered either way (an ack or a refusal). */
  answered: Set<string>;
}

function record(w: Wire): Seen {
  const seen: Seen = { changes: [], playback: [], acks: new Map(), commandAcks: new Map(), answered: new Set() };
  w.ws.on('message', (data) => {
    const at = performance.now();
    const parsed = ServerMessage.safeParse(JSON.parse(String(data)));
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'changes') for (const c of m.changes) seen.changes.push({ version: c.version, at });
    if (m.type === 'playback') seen.playback.push({ version: m.version, at });
    if (m.type === 'ack') seen.acks.set(m.opId, { version: m.version, at });
    if (m.type === 'commandAck') seen.commandAcks.set(m.commandId, { version: m.version, at });
    if (m.type === 'commandAck' || m.type === 'commandError') seen.answered.add(m.commandId);
  });
  return seen;
}

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

/** Every node's /readyz, then /healthz, asked every 50 ms: how long each answer took and what it said. */
function sampleReadiness() {
  // liveMs: the same node's /healthz (which reads nothing) right after, this machine's own delay.
  const samples: { node: string; ms: number; liveMs: number; status: number; redis: unknown; at: number }[] = [];
  let stopped = false;
  const loops = nodes.map(async (n) => {
    while (!stopped) {
      const t0 = performance.now();
      const res = await fetch(`${n.url}/readyz`);
      const body = (await res.json()) as { redis?: unknown };
      const at = performance.now();
      await (await fetch(`${n.url}/healthz`)).text();
      const liveMs = performance.now() - at;
      samples.push({ node: n.name, ms: at - t0, liveMs, status: res.status, redis: body.redis, at });
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const last = (node: string) => samples.findLast((s) => s.node === node);
  return {
    samples,
    /** Every node has said `redis: value` in an answer that started after `since`. */
    all: (value: boolean, since: number) =>
      nodes.every((n) => {
        const s = last(n.name);
        return s !== undefined && s.redis === value && s.at - s.ms > since;
      }),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function throughFault(fault: 'hang' | 'outage') {
  const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
  const cues = Array.from({ length: 12 }, (_, i) => cue({ departmentId: show.dept.LX, offsetMs: i * 1_000 }));
  const scriptId = await makeScript(fx, show.showId, { elements: cues });
  const watcher = await makeCrew(fx, show.showId, { allDepartments: true });
  const toRevoke = await makeCrew(fx, show.showId, { allDepartments: true });
  const toRotate = await makeCrew(fx, show.showId, { allDepartments: true });
  const toJoin = await makeCrew(fx, show.showId, { allDepartments: true });
  const editor = await helloAt(a, scriptId, { cookie: sm.cookie });
  const caller = await helloAt(a, scriptId, { cookie: sm.cookie });
  const crewB = await helloAt(b, scriptId, { token: watcher.token });
  const crewC = await helloAt(c, scriptId, { token: watcher.token });
  const revoked = [
    await helloAt(b, scriptId, { token: toRevoke.token }),
    await helloAt(c, scriptId, { token: toRevoke.token }),
  ];
  const rotated = [
    await helloAt(b, scriptId, { token: toRotate.token }),
    await helloAt(c, scriptId, { token: toRotate.token }),
  ];
  for (const w of [editor, caller, crewB, crewC]) await w.next('playback');
  const [edits, calls, atB, atC] = [record(editor), record(caller), record(crewB), record(crewC)];
  const ready = sampleReadiness();

  // One edit and one command in flight at a time, paced like a busy SM.
  let stopped = false;
  let sentOps = 0;
  let opInFlight: string | null = null;
  let commandInFlight: string | null = null;
  let gos = 0;
  const command = (cmd: PlaybackCommand) => {
    commandInFlight = randomUUID();
    caller.send({ type: 'command', commandId: commandInFlight, command: cmd });
  };
  const editTimer = setInterval(() => {
    if (stopped || (opInFlight && !edits.acks.has(opInFlight))) return;
    const target = cues[sentOps % cues.length]!;
    const base = Math.max(0, ...[...edits.acks.values()].map((x) => x.version));
    opInFlight = editor.op({ kind: 'update', id: target.id, fields: { notes: `take ${++sentOps}` } }, base);
  }, 120);
  command({ kind: 'play' });
  const goTimer = setInterval(() => {
    if (stopped || (commandInFlight && !calls.answered.has(commandInFlight))) return;
    command({ kind: 'go', cueId: cues[gos++ % cues.length]!.id });
  }, 650);

  try {
    await waitFor(() => edits.acks.size >= 5 && calls.commandAcks.size >= 2, 10_000, 'edits and GOs before the fault');
    if (fault === 'hang') redis.freeze();
    else await redis.stop();
    const faultAt = performance.now();
    // Revoked at once, before any node can have noticed; rotated mid-fault.
    const revoke = await fetch(`${a.url}/api/crew/${toRevoke.crewId}/revoke`, {
      method: 'POST',
      headers: { cookie: sm.cookie },
    });
    expect(revoke.status).toBe(200);
    const revokedAt = performance.now();
    const revokeCloses = Promise.all(
      revoked.map((w) => w.closed.then((x) => ({ ...x, ms: performance.now() - revokedAt }))),
    );
    await waitFor(() => ready.all(false, faultAt), 3_000, 'every node to report the bus down');
    const detectedMs = performance.now() - faultAt;
    // Presence crosses through the database meanwhile: a device that joins node C, then leaves.
    const joinAt = performance.now();
    const calledBefore = Math.max(...[...calls.commandAcks.values()].map((x) => x.version));
    const joiner = await helloAt(c, scriptId, { token: toJoin.token });
    // Welcomed with the playback state of the database, not node C's last word from the bus.
    expect((await joiner.next('playback')).version).toBeGreaterThanOrEqual(calledBefore);
    const listed = (p: { crew?: { crewId: string }[] }) => p.crew?.some((x) => x.crewId === toJoin.crewId) === true;
    await editor.next('presence', listed, DELIVERY_MS + 1_000);
    const joinedMs = performance.now() - joinAt;
    const leaveAt = performance.now();
    joiner.close();
    await editor.next('presence', (p) => !listed(p), DELIVERY_MS + 1_000);
    const leftMs = performance.now() - leaveAt;
    await waitFor(() => performance.now() - faultAt >= FAULT_MS / 2, FAULT_MS, 'mid-fault');
    const rotate = await fetch(`${a.url}/api/crew/${toRotate.crewId}/rotate`, {
      method: 'POST',
      headers: { cookie: sm.cookie },
    });
    expect(rotate.status).toBe(200);
    const rotatedAt = performance.now();
    const rotateCloses = Promise.all(
      rotated.map((w) => w.closed.then((x) => ({ ...x, ms: performance.now() - rotatedAt }))),
    );
    await waitFor(() => performance.now() - faultAt >= FAULT_MS, FAULT_MS, 'the fault');

    if (fault === 'hang') redis.thaw();
    else await redis.start();
    const backAt = performance.now();
    await waitFor(() => ready.all(true, backAt), 5_000, 'every node to report the bus healthy again');
    // Keep going past the return, so the switch back from the database is measured too.
    const opsAtBack = sentOps;
    await waitFor(() => sentOps >= opsAtBack + 10, 10_000, 'edits after the fault');

    stopped = true;
    await waitFor(() => !opInFlight || edits.acks.has(opInFlight), 10_000, 'the last ack');
    await waitFor(() => !commandInFlight || calls.answered.has(commandInFlight), 10_000, 'the last command ack');
    const last = Math.max(...[...edits.acks.values()].map((x) => x.version));
    const lastPlayback = Math.max(...[...calls.commandAcks.values()].map((x) => x.version));
    for (const seen of [atB, atC])
      await waitFor(
        () => seen.changes.some((x) => x.version === last) && seen.playback.some((x) => x.version === lastPlayback),
        5_000,
        'crew to hold the last version and playback state',
      );
    await ready.stop();

    // 0 lost, 0 doubled, 0 reordered, on every node.
    for (const seen of [atB, atC]) {
      expect(seen.changes.map((x) => x.version)).toEqual(range(1, last));
      const pv = seen.playback.map((x) => x.version);
      expect(pv).toEqual([...new Set(pv)].sort((x, y) => x - y));
    }
    // Every edit and every GO within 1.5 s of its acknowledgement, fault or not.
    const late = (seen: Seen) => ({
      edit: Math.max(
        ...[...edits.acks.values()].map((ack) => seen.changes.find((x) => x.version === ack.version)!.at - ack.at),
      ),
      go: Math.max(
        ...[...calls.commandAcks.values()].map(
          (ack) => seen.playback.find((x) => x.version >= ack.version)!.at - ack.at,
        ),
      ),
    });
    const lateness = [late(atB), late(atC)];
    const closes = { revoked: await revokeCloses, rotated: await rotateCloses };
    const readyWorst = Math.max(...ready.samples.map((s) => s.ms));
    const figures = {
      fault,
      detectedMs: Math.round(detectedMs),
      edits: edits.acks.size,
      gos: calls.commandAcks.size,
      worstEditMs: Math.round(Math.max(...lateness.map((l) => l.edit))),
      worstGoMs: Math.round(Math.max(...lateness.map((l) => l.go))),
      joinedMs: Math.round(joinedMs),
      leftMs: Math.round(leftMs),
      revokedMs: closes.revoked.map((x) => Math.round(x.ms)),
      rotatedMs: closes.rotated.map((x) => Math.round(x.ms)),
      readySamples: ready.samples.length,
      readyP99Ms: Math.round(
        percentile(
          ready.samples.map((s) => s.ms),
          99,
        ),
      ),
      readyWorstMs: Math.round(readyWorst),
      healthzP99Ms: Math.round(
        percentile(
          ready.samples.map((s) => s.liveMs),
          99,
        ),
      ),
    };
    console.log(JSON.stringify(figures));
    for (const l of lateness) {
      expect(l.edit).toBeLessThan(DELIVERY_MS);
      expect(l.go).toBeLessThan(DELIVERY_MS);
    }
    expect(joinedMs).toBeLessThan(DELIVERY_MS);
    expect(leftMs).toBeLessThan(DELIVERY_MS);
    for (const x of closes.revoked) expect(x).toMatchObject({ code: 1008, reason: 'revoked' });
    for (const x of closes.rotated) expect(x).toMatchObject({ code: 1008, reason: 'rotated' });
    for (const x of [...closes.revoked, ...closes.rotated]) expect(x.ms).toBeLessThan(DELIVERY_MS);
    expect(ready.samples.every((s) => s.status === 200)).toBe(true);
    // The Redis part of readiness is the bus state the heartbeat keeps: a check that waited on
    // the hung Redis took 2 s for every answer during the hang (its command timeout), so the
    // answers during the fault are held to 100 ms typically. Their tail is the database round
    // trip the check makes inside the request and this loaded machine (the p99 is published
    // beside /healthz's in the figures; `npm run chaos -- --only redis-hung` checks it).
    const during = ready.samples.filter((s) => s.at - s.ms > faultAt && s.at < backAt).map((s) => s.ms);
    expect(during.length).toBeGreaterThan(10);
    expect(percentile(during, 50)).toBeLessThan(READY_MS);
  } finally {
    stopped = true;
    clearInterval(editTimer);
    clearInterval(goTimer);
    await ready.stop();
  }
}

describe('a Redis that hangs or dies, three nodes', () => {
  it('R4 P6 Redis frozen (SIGSTOP) 5 s: edits, GOs and revocations cross nodes within 1.5 s; /readyz never waits on Redis', async () => {
    await throughFault('hang');
  }, 90_000);

  it('R4 P6 Redis killed for 5 s: edits, GOs and revocations cross nodes within 1.5 s; /readyz never waits on Redis', async () => {
    await throughFault('outage');
  }, 90_000);
});
