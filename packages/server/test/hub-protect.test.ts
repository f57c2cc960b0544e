/**
 * Protection: oversized, malformed, binary and flooding input answered with errors (or a close)
 * while another client on the same script is unaffected; dead and slow sockets dropped.
 * Rule ids: docs/SPEC.md.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, PROTOCOL_VERSION } from '@cuebe/protocol';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { waitFor } from './wait';

describe(`hub protection (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const open: Wire[] = [];

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  async function join(scriptId: string, opts: Parameters<typeof Wire.hello>[2]): Promise<Wire> {
    const w = await Wire.hello(s, scriptId, opts);
    open.push(w);
    await w.next('welcome');
    return w;
  }

  /** A bystander SM device: its op still goes through and reaches the crew. */
  async function stillWorks(bystander: Wire, crew: Wire, elId: string): Promise<void> {
    const opId = bystander.op({ kind: 'update', id: elId, fields: { notes: randomUUID() } }, 0);
    const ack = await bystander.next('ack', (a) => a.opId === opId);
    await crew.next('changes', (m) => m.changes.some((c) => c.version === ack.version));
  }

  it('P9 malformed JSON, schema failures, unknown types and binary frames get BAD_MESSAGE; the socket stays open', async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const w = await join(scriptId, { cookie: sm.cookie });
    w.sendRaw('{oops');
    expect(await w.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'not valid JSON', retryable: false });
    const opId = randomUUID();
    w.sendRaw(
      JSON.stringify({ type: 'op', opId, baseVersion: 0, op: { kind: 'create', element: { ...cue(), name: '' } } }),
    );
    const bad = await w.next('error');
    expect(bad).toMatchObject({ code: 'BAD_MESSAGE', opId });
    expect(bad.message).toMatch(/^op\.element\.name: /);
    w.sendRaw(JSON.stringify({ type: 'launch', missiles: true }));
    expect((await w.next('error')).message).toMatch(/^type: /);
    w.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await w.next('error')).message).toMatch(/binary/);
    w.sendRaw(JSON.stringify({ type: 'resync', fromVersion: -1 }));
    expect((await w.next('error')).message).toMatch(/^fromVersion: /);
    w.send({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: 'x' });
    expect((await w.next('error')).message).toMatch(/already/);
    const ok = w.op({ kind: 'update', id: el.id, fields: { notes: 'still here' } }, 0);
    expect((await w.next('ack')).opId).toBe(ok);
  });

  it('P9 a frame over the size limit closes that socket with 1009; another client is unaffected', async () => {
    const el = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const crew = await join(scriptId, { token: c.token });
    const bystander = await join(scriptId, { cookie: sm.cookie });
    const big = await join(scriptId, { cookie: sm.cookie });
    big.sendRaw(JSON.stringify({ type: 'ping', id: 1, t0: 0, pad: 'x'.repeat(LIMITS.maxMessageBytes) }));
    expect((await big.closed).code).toBe(1009);
    await stillWorks(bystander, crew, el.id);
  });

  it('P9 a text frame that is not valid UTF-8 closes that socket with 1007; another client is unaffected', async () => {
    const el = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const crew = await join(scriptId, { token: c.token });
    const bystander = await join(scriptId, { cookie: sm.cookie });
    const bad = await join(scriptId, { cookie: sm.cookie });
    // A lone continuation byte inside a text frame: not UTF-8.
    bad.sendRaw(Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x7d]), false);
    expect((await bad.closed).code).toBe(1007);
    await stillWorks(bystander, crew, el.id);
  });

  it('P9 flooding: RATE_LIMITED errors, then close 4029 when it goes on; another client is unaffected', async () => {
    const el = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const crew = await join(scriptId, { token: c.token });
    const bystander = await join(scriptId, { cookie: sm.cookie });
    const flood = await join(scriptId, { cookie: sm.cookie });
    // Past the burst, an op is refused with its own error (and not applied).
    for (let i = 0; i < LIMITS.messageBurst + 50; i++) flood.send({ type: 'ping', id: i, t0: 0 });
    const refusedOp = flood.op({ kind: 'update', id: el.id, fields: { notes: 'flood' } }, 0);
    const err = await flood.next('error', (e) => e.opId === refusedOp);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    for (let i = 0; i < 400 && flood.ws.readyState === WebSocket.OPEN; i++) flood.send({ type: 'ping', id: i, t0: 0 });
    expect((await flood.closed).code).toBe(4029);
    await stillWorks(bystander, crew, el.id);
  });

  it('P9 heartbeat: a socket that stops answering pings is dropped', async () => {
    const scriptId = await makeScript(s, show.showId);
    const hub = hubOf(s.app);
    hub.setHeartbeat(300);
    try {
      const url = `${s.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`;
      const dead = new WebSocket(url, { headers: { cookie: sm.cookie, origin: s.origin }, autoPong: false });
      const w = new Wire(dead);
      open.push(w);
      await w.opened;
      w.send({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: 'd' });
      await w.next('welcome');
      const alive = await join(scriptId, { cookie: sm.cookie });
      expect((await w.closed).code).toBe(1006);
      alive.send({ type: 'ping', id: 1, t0: 0 });
      await alive.next('pong');
    } finally {
      hub.setHeartbeat(hub.options.heartbeatMs);
    }
  });

  it('P9 heartbeat pings are spread over the interval, not sent to every socket at once; each socket gets one', async () => {
    const scriptId = await makeScript(s, show.showId);
    const hub = hubOf(s.app);
    const sockets: Wire[] = [];
    for (let c = 0; c < 8; c++) {
      const link = await makeCrew(s, show.showId, { name: `Crew ${c}`, allDepartments: true });
      for (let d = 0; d < 5; d++) sockets.push(await join(scriptId, { token: link.token }));
    }
    const pingedAt = new Map<Wire, number>();
    for (const w of sockets) w.ws.once('ping', () => pingedAt.set(w, performance.now()));
    // 2,400 ms in 48 slices of 50 ms: these 40 sockets and the other tests' few, 1 or 2 a slice.
    hub.setHeartbeat(2_400);
    try {
      await waitFor(() => pingedAt.size === sockets.length, 8_000, 'a ping on every socket');
      const times = [...pingedAt.values()];
      // One sweep at once would land within a few milliseconds; spread, it takes most of the interval.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(600);
    } finally {
      hub.setHeartbeat(hub.options.heartbeatMs);
    }
    for (const w of sockets) expect(w.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('P9 a socket that stops reading is cut off (1013) once its send buffer passes the cap; others get everything', async () => {
    const hub = hubOf(s.app);
    const before = hub.options.maxBufferedBytes;
    hub.options.maxBufferedBytes = 64 * 1024;
    try {
      // Many elements with long notes: each shift broadcasts them all (about 1 MB a version).
      const els = Array.from({ length: 250 }, () => cue({ departmentId: show.dept.LX, notes: 'n'.repeat(4000) }));
      const scriptId = await makeScript(s, show.showId, { elements: els });
      const c = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
      const reader = await join(scriptId, { token: c.token });
      const stalled = await join(scriptId, { token: c.token });
      const writer = await join(scriptId, { cookie: sm.cookie });
      stalled.ws.pause();
      const room = hub.rooms.get(scriptId)!;
      let sent = 0;
      while (room.stats.slowConsumers === 0 && sent < 40) {
        writer.op({ kind: 'shift', ids: els.map((e) => e.id), deltaMs: 10 }, 0);
        sent++;
        await writer.next('ack');
      }
      expect(room.stats.slowConsumers).toBe(1);
      await reader.until(
        (m) => m.some((x) => x.type === 'changes' && x.changes.some((ch) => ch.version === sent)),
        15_000,
      );
      expect(reader.versions()).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      stalled.ws.resume();
      expect([1013, 1006]).toContain((await stalled.closed).code);
    } finally {
      hub.options.maxBufferedBytes = before;
    }
  });
});
