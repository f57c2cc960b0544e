/**
 * The heartbeat over real sockets (S19), on a server whose heartbeat runs from its start — before
 * any socket exists, as in production — with a shortened interval. Rule ids: docs/SPEC.md.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';
import { waitFor } from './wait';

const INTERVAL_MS = 800;

describe(`heartbeat (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const open: Wire[] = [];

  beforeAll(async () => {
    s = await startServer({ hub: { heartbeatMs: INTERVAL_MS } });
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  /** A socket's ping times (performance.now()), from the moment it opens. */
  function pingsOf(w: Wire): number[] {
    const at: number[] = [];
    w.ws.on('ping', () => at.push(performance.now()));
    return at;
  }

  it('S19 started with no sockets, it pings every socket once per interval; one that stops answering is dropped and leaves presence within one interval', async () => {
    expect(hubOf(s.app).connections.size).toBe(0);
    const scriptId = await makeScript(s, show.showId);
    const crewLink = await makeCrew(s, show.showId, { name: 'Answering', allDepartments: true });
    const probeLink = await makeCrew(s, show.showId, { name: 'Probe', allDepartments: true });

    const smWire = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    open.push(smWire);
    const answering: { w: Wire; pings: number[]; openedAt: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const w = Wire.connect(s, scriptId);
      open.push(w);
      const pings = pingsOf(w);
      await w.opened;
      const openedAt = performance.now();
      w.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        token: crewLink.token,
        lastVersion: null,
        deviceId: w.deviceId,
      });
      answering.push({ w, pings, openedAt });
    }
    await smWire.next('welcome');

    // The probe says hello and then nothing: it never answers a ping, nor sends anything else.
    const url = `${s.url.replace(/^http/, 'ws')}/ws/script/${scriptId}`;
    const probe = new Wire(new WebSocket(url, { autoPong: false }));
    open.push(probe);
    const probePings = pingsOf(probe);
    await probe.opened;
    probe.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token: probeLink.token,
      lastVersion: null,
      deviceId: probe.deviceId,
    });
    await probe.next('welcome');
    await smWire.next('presence', (p) => (p.crew ?? []).some((c) => c.crewId === probeLink.crewId));

    const closed = await probe.closed;
    const closedAt = performance.now();
    expect(closed.code).toBe(1006);
    expect(probePings.length).toBe(1);
    // Dropped at its next turn, one interval after the ping it did not answer.
    const afterPing = closedAt - probePings[0]!;
    expect(afterPing).toBeGreaterThan(INTERVAL_MS * 0.75);
    expect(afterPing).toBeLessThan(INTERVAL_MS + 1_000);
    await smWire.next('presence', (p) => !(p.crew ?? []).some((c) => c.crewId === probeLink.crewId), 3_000);
    expect(performance.now() - probePings[0]!).toBeLessThan(INTERVAL_MS + 1_500);

    // Four pings each: the first within an interval of opening, then one per interval.
    await waitFor(() => answering.every((a) => a.pings.length >= 4), 4 * INTERVAL_MS + 5_000, 'four pings each');
    for (const a of answering) {
      expect(a.pings[0]! - a.openedAt).toBeLessThan(INTERVAL_MS + 500);
      const span = a.pings[3]! - a.pings[0]!;
      expect(span).toBeGreaterThan(3 * INTERVAL_MS * 0.8);
      expect(span).toBeLessThan(3 * INTERVAL_MS + 1_500);
      expect(a.w.ws.readyState).toBe(WebSocket.OPEN);
    }
    expect(smWire.ws.readyState).toBe(WebSocket.OPEN);
  });
});
