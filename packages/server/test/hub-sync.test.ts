/** Sync over real sockets: ops, acks, broadcasts, filtering, catch-up. Rule ids: docs/SPEC.md. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '@cuebe/protocol';
import { AppError } from '../src/errors';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

describe(`hub sync (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const open: Wire[] = [];
  const track = (w: Wire) => (open.push(w), w);

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
    for (const w of open) expect(w.invalid).toEqual([]);
  });

  /** Connect and wait for the welcome and the catch-up that follows it. */
  async function join(scriptId: string, opts: Parameters<typeof Wire.hello>[2] = {}): Promise<Wire> {
    const w = track(await Wire.hello(s, scriptId, opts));
    await w.next('welcome');
    await (opts.lastVersion == null ? w.next('snapshot') : w.next('changes'));
    return w;
  }

  it('S1 SM op: ack with prev, then the change reaches crew and the other SM device', async () => {
    const lx = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [lx] });
    const crew = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const b = await join(scriptId, { cookie: sm.cookie });
    const c = await join(scriptId, { token: crew.token });
    const opId = a.op({ kind: 'update', id: lx.id, fields: { notes: 'go on the bow' } }, 0);
    const ack = await a.next('ack');
    expect(ack).toMatchObject({ opId, version: 1, duplicate: false });
    expect(ack.prev.elements[lx.id]?.notes).toBe('');
    for (const w of [a, b]) {
      const ch = await w.next('changes');
      expect(ch.changes).toHaveLength(1);
      expect(ch.changes[0]).toMatchObject({ version: 1, opId, actor: { kind: 'sm', name: sm.displayName } });
      expect(ch.changes[0]!.patch.upserts[0]!.notes).toBe('go on the bow');
    }
    const crewCh = await c.next('changes');
    expect(crewCh.changes[0]).toMatchObject({ version: 1, opId: null });
    expect(crewCh.changes[0]!.patch.upserts[0]!.notes).toBe('go on the bow');
    // The ack went out before the broadcast on the writer's socket.
    expect(a.types().indexOf('ack')).toBeLessThan(a.types().lastIndexOf('changes'));
  });

  it('S11 crew filtering: other departments hidden; moves across departments arrive as delete/create', async () => {
    const lx = cue({ departmentId: show.dept.LX });
    const snd = cue({ departmentId: show.dept.SND });
    const note = cue({ type: 'NOTE', departmentId: null });
    const scriptId = await makeScript(s, show.showId, { elements: [lx, snd, note] });
    const lxCrew = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const sndCrew = await makeCrew(s, show.showId, { departmentIds: [show.dept.SND] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const l = track(await Wire.hello(s, scriptId, { token: lxCrew.token }));
    const snapshot = await l.next('snapshot');
    expect(snapshot.elements.map((e) => e.id).sort()).toEqual([lx.id, note.id].sort());
    const d = await join(scriptId, { token: sndCrew.token });
    a.op({ kind: 'update', id: lx.id, fields: { departmentId: show.dept.SND } }, 0);
    const out = await l.next('changes');
    expect(out.changes[0]!.patch).toEqual({ upserts: [], deletes: [lx.id] });
    const into = await d.next('changes');
    expect(into.changes[0]!.patch.upserts.map((e) => e.id)).toEqual([lx.id]);
    expect(into.changes[0]!.patch.deletes).toEqual([]);
    // An edit of a cue the LX crew cannot see still reaches them as the version, with nothing in it.
    a.op({ kind: 'update', id: snd.id, fields: { notes: 'quiet' } }, 1);
    const empty = await l.next('changes');
    expect(empty.changes[0]).toMatchObject({ version: 2, patch: { upserts: [], deletes: [] } });
  });

  it('P5 crew may not send ops: FORBIDDEN with the opId, and the socket stays open', async () => {
    const scriptId = await makeScript(s, show.showId, { elements: [cue()] });
    const crew = await makeCrew(s, show.showId, { allDepartments: true });
    const c = await join(scriptId, { token: crew.token });
    const opId = c.op({ kind: 'scriptInfo', fields: { notes: 'hacked' } }, 0);
    const err = await c.next('error');
    expect(err).toMatchObject({ code: 'FORBIDDEN', opId, retryable: false });
    c.send({ type: 'ping', id: 7, t0: 1 });
    expect((await c.next('pong')).id).toBe(7);
    expect(await s.ctx.store.currentVersion(scriptId)).toBe(0);
  });

  it('S6 a retried opId is acknowledged again as a duplicate and applied once', async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const opId = randomUUID();
    a.op({ kind: 'update', id: el.id, fields: { notes: 'once' } }, 0, opId);
    expect(await a.next('ack')).toMatchObject({ opId, version: 1, duplicate: false });
    a.op({ kind: 'update', id: el.id, fields: { notes: 'once' } }, 0, opId);
    expect(await a.next('ack')).toMatchObject({ opId, version: 1, duplicate: true });
    expect(await s.ctx.store.currentVersion(scriptId)).toBe(1);
  });

  it("S7 one socket's ops commit in the order they were sent; every socket sees each version once, in order", async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const crew = await makeCrew(s, show.showId, { allDepartments: true });
    const c = await join(scriptId, { token: crew.token });
    const ids = Array.from({ length: 30 }, (_, i) =>
      a.op({ kind: 'update', id: el.id, fields: { notes: `n${i}` } }, 0),
    );
    await a.until((m) => m.filter((x) => x.type === 'ack').length === 30, 10_000, '30 acks');
    expect(a.all('ack').map((x) => x.opId)).toEqual(ids);
    expect(a.all('ack').map((x) => x.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await c.until((m) => m.filter((x) => x.type === 'changes').length >= 30, 10_000, '30 changes');
    expect(c.versions()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(c.all('changes').at(-1)!.changes[0]!.patch.upserts[0]!.notes).toBe('n29');
  });

  it('S8 a field overwritten after the writer last saw it: both editors get a conflict notice', async () => {
    const el = cue({ name: 'LX 5' });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const tablet = await join(scriptId, { cookie: sm.cookie, deviceId: 'tablet' });
    const laptop = await join(scriptId, { cookie: sm.cookie, deviceId: 'laptop' });
    tablet.op({ kind: 'update', id: el.id, fields: { notes: 'from the tablet' } }, 0);
    await tablet.next('ack');
    laptop.op({ kind: 'update', id: el.id, fields: { notes: 'from the laptop' } }, 0);
    const won = await laptop.next('conflict');
    expect(won).toMatchObject({ yoursWon: true, elementName: 'LX 5', field: 'notes', version: 2 });
    expect(won.message).toMatch(/^Your change to LX 5 notes replaced .+'s from \d+ s ago$/);
    const lost = await tablet.next('conflict');
    expect(lost).toMatchObject({ yoursWon: false, elementName: 'LX 5', field: 'notes', version: 2 });
    expect(lost.message).toMatch(/change to LX 5 notes replaced yours/);
  });

  it('S3 S4 reconnecting with lastVersion gets exactly the versions it missed, once', async () => {
    const el = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const crew = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const c = await join(scriptId, { token: crew.token });
    for (let i = 0; i < 3; i++) a.op({ kind: 'update', id: el.id, fields: { notes: `a${i}` } }, 0);
    await c.until((m) => m.filter((x) => x.type === 'changes').length >= 3, 5_000, '3 changes');
    c.close();
    await c.closed;
    for (let i = 0; i < 4; i++) a.op({ kind: 'update', id: el.id, fields: { notes: `b${i}` } }, 3);
    await a.until((m) => m.filter((x) => x.type === 'ack').length === 7, 5_000, '7 acks');
    // Reconnect while more ops are being sent: the catch-up and the live stream must meet exactly.
    const again = track(await Wire.hello(s, scriptId, { token: crew.token, lastVersion: 3 }));
    for (let i = 0; i < 5; i++) a.op({ kind: 'update', id: el.id, fields: { notes: `c${i}` } }, 7);
    await again.until((m) => m.some((x) => x.type === 'changes' && x.changes.some((ch) => ch.version === 12)));
    expect(again.versions()).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(again.types()[0]).toBe('welcome');
  });

  it('S3 a client too far behind gets a snapshot; resync {fromVersion} answers with the changes since', async () => {
    const hub = hubOf(s.app);
    const before = hub.options.maxCatchUpChanges;
    hub.options.maxCatchUpChanges = 5;
    try {
      const el = cue();
      const scriptId = await makeScript(s, show.showId, { elements: [el] });
      const a = await join(scriptId, { cookie: sm.cookie });
      for (let i = 0; i < 8; i++) a.op({ kind: 'update', id: el.id, fields: { notes: `n${i}` } }, 0);
      await a.until((m) => m.filter((x) => x.type === 'ack').length === 8, 5_000, '8 acks');
      const far = track(await Wire.hello(s, scriptId, { cookie: sm.cookie, lastVersion: 1 }));
      expect((await far.next('welcome')).version).toBe(8);
      // A snapshot (possibly one just read for another client, a few versions old) and the
      // changes from its version up to the welcome's.
      const snap = await far.next('snapshot');
      const tail = snap.version < 8 ? (await far.next('changes')).changes : [];
      expect([snap.version, ...tail.map((c) => c.version)]).toEqual(
        Array.from({ length: 9 - snap.version }, (_, i) => snap.version + i),
      );
      const last = tail.at(-1)?.patch.upserts[0] ?? snap.elements.find((e) => e.id === el.id);
      expect(last?.notes).toBe('n7');
      far.send({ type: 'resync', fromVersion: 5 });
      expect((await far.next('changes')).changes.map((c) => c.version)).toEqual([6, 7, 8]);
    } finally {
      hub.options.maxCatchUpChanges = before;
    }
  });

  it('S3 hello {unacked}: ops already committed are acked (duplicate) after the welcome, before the catch-up', async () => {
    const el = cue({ departmentId: show.dept.LX });
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const sent = a.op({ kind: 'shift', ids: [el.id], deltaMs: 500 }, 0);
    await a.next('ack');
    a.op({ kind: 'update', id: el.id, fields: { notes: 'later' } }, 1);
    await a.until((m) => m.filter((x) => x.type === 'ack').length === 2, 5_000, '2 acks');
    const never = randomUUID();
    const back = track(await Wire.hello(s, scriptId, { cookie: sm.cookie, lastVersion: 0, unacked: [never, sent] }));
    await back.until((m) => m.some((x) => x.type === 'changes'), 5_000, 'catch-up');
    expect(back.types().slice(0, 3)).toEqual(['welcome', 'ack', 'changes']);
    expect(back.all('ack')).toEqual([
      {
        type: 'ack',
        opId: sent,
        version: 1,
        prev: { elements: { [el.id]: expect.objectContaining({ offsetMs: el.offsetMs }) } },
        duplicate: true,
      },
    ]);
    expect(back.versions()).toEqual([1, 2]);
    // Crew cannot have sent ops: their list is not looked up.
    const crew = await makeCrew(s, show.showId, { departmentIds: [show.dept.LX] });
    const c = track(await Wire.hello(s, scriptId, { token: crew.token, lastVersion: 0, unacked: [sent] }));
    await c.until((m) => m.some((x) => x.type === 'changes'), 5_000, 'crew catch-up');
    expect(c.all('ack')).toEqual([]);
    // A malformed list is refused at the handshake.
    const bad = Wire.connect(s, scriptId, { cookie: sm.cookie });
    await bad.opened;
    bad.sendRaw(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        lastVersion: 0,
        deviceId: 'd',
        unacked: ['not-an-id'],
      }),
    );
    const closed = await bad.closed;
    expect(closed.code).toBe(CloseCode.BAD_HANDSHAKE);
    expect(closed.reason).toMatch(/^hello: unacked\.0/);
  });

  it('S14 ping answers pong with the server receive and send times', async () => {
    const scriptId = await makeScript(s, show.showId);
    const a = await join(scriptId, { cookie: sm.cookie });
    const t = Date.now();
    a.send({ type: 'ping', id: 42, t0: 123.5 });
    const pong = await a.next('pong');
    expect(pong).toMatchObject({ id: 42, t0: 123.5 });
    expect(pong.t1).toBeGreaterThanOrEqual(t - 1000);
    expect(pong.t2).toBeGreaterThanOrEqual(pong.t1);
  });

  it('S13 presence: the SM sees crew with name, role, departments and devices; crew see the SM part', async () => {
    const scriptId = await makeScript(s, show.showId);
    const crew = await makeCrew(s, show.showId, { name: 'Sam', departmentIds: [show.dept.LX] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const phone = await join(scriptId, { token: crew.token, deviceId: 'phone' });
    await join(scriptId, { token: crew.token, deviceId: 'tablet' });
    const seen = await a.next('presence', (p) => p.crew?.[0]?.devices === 2);
    expect(seen.crew).toEqual([
      {
        crewId: crew.crewId,
        name: 'Sam',
        role: 'operator',
        allDepartments: false,
        departmentIds: [show.dept.LX],
        devices: 2,
        // Each device, by tag, with its clock (none reported yet: K3).
        deviceList: ['PHON', 'TABL'].map((tag) => ({
          tag,
          label: 'device',
          errorMs: null,
          syncedAtServerMs: null,
          reportedAtServerMs: null,
          hidden: false,
        })),
      },
    ]);
    const crewSees = await phone.next('presence', (p) => p.sm.connected);
    expect(crewSees).toEqual({ type: 'presence', sm: { connected: true, devices: 1 } });
    a.close();
    await phone.next('presence', (p) => !p.sm.connected);
  });

  it('the hub reports to /metrics: sockets by role, catch-ups and snapshots, commit→write times', async () => {
    const scrape = async () => (await fetch(`${s.url}/metrics`)).text();
    const value = (body: string, series: string) => {
      const line = body.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const before = await scrape();
    const crew = await makeCrew(s, show.showId, { allDepartments: true });
    const c = await join(scriptId, { token: crew.token });
    const a = await join(scriptId, { cookie: sm.cookie, lastVersion: 0 });
    a.op({ kind: 'update', id: el.id, fields: { notes: 'm' } }, 0);
    await c.next('changes');
    const after = await scrape();
    const diff = (series: string) => value(after, series) - value(before, series);
    expect(diff('cuebe_sockets_open{role="crew"}')).toBe(1);
    expect(diff('cuebe_sockets_open{role="sm"}')).toBe(1);
    expect(diff('cuebe_snapshots_served_total')).toBe(1);
    expect(diff('cuebe_catch_ups_served_total')).toBe(1);
    expect(diff('cuebe_commit_to_write_seconds_count')).toBe(1);
    c.close();
    await c.closed;
    await expect
      .poll(async () => value(await scrape(), 'cuebe_sockets_open{role="crew"}'))
      .toBe(value(before, 'cuebe_sockets_open{role="crew"}'));
  });

  it('S7 messages sent right behind the hello, before the welcome, are kept and handled after it, in order', async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const w = track(Wire.connect(s, scriptId, { cookie: sm.cookie }));
    await w.opened;
    // One burst: hello, two ops and a ping in the same tick, while the server is still checking the cookie.
    w.send({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: w.deviceId });
    const first = w.op({ kind: 'update', id: el.id, fields: { notes: 'one' } }, 0);
    const second = w.op({ kind: 'update', id: el.id, fields: { notes: 'two' } }, 0);
    w.send({ type: 'ping', id: 5, t0: 0 });
    await w.until((m) => m.filter((x) => x.type === 'ack').length === 2, 5_000, '2 acks');
    expect(w.types().slice(0, 2)).toEqual(['welcome', 'snapshot']);
    expect(w.all('ack').map((a) => [a.opId, a.version])).toEqual([
      [first, 1],
      [second, 2],
    ]);
    expect((await w.next('pong')).id).toBe(5);
  });

  it('S1 a refused op is answered with an error carrying its opId: BAD_OP (drop it), UNAVAILABLE (retry)', async () => {
    const el = cue();
    const scriptId = await makeScript(s, show.showId, { elements: [el] });
    const a = await join(scriptId, { cookie: sm.cookie });
    const ghost = a.op({ kind: 'update', id: randomUUID(), fields: { notes: 'x' } }, 0);
    expect(await a.next('error')).toMatchObject({ code: 'BAD_OP', opId: ghost, retryable: false });
    const spy = vi
      .spyOn(s.ctx.store, 'commit')
      .mockRejectedValueOnce(new AppError(503, 'UNAVAILABLE', 'the database is unavailable; try again shortly'));
    const later = a.op({ kind: 'update', id: el.id, fields: { notes: 'later' } }, 0);
    expect(await a.next('error')).toMatchObject({ code: 'UNAVAILABLE', opId: later, retryable: true });
    spy.mockRestore();
    // Nothing was applied; the retry goes through.
    a.op({ kind: 'update', id: el.id, fields: { notes: 'later' } }, 0, later);
    expect(await a.next('ack')).toMatchObject({ opId: later, version: 1, duplicate: false });
  });
});
