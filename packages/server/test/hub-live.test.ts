/**
 * Live show mode over real sockets (docs/LIVE.md): SM commands are acknowledged and every socket
 * of the script gets the new playback state; crew commands are refused; a device that joins in
 * any state gets that state after its snapshot; a restart keeps the state.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showTimeAt, type PlaybackCommand, type PlaybackStatus } from '@cuebe/protocol';
import { backend, freshPgDatabase, startServer, type StartOptions, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

/** Send a command and wait for its answer (ack or error). */
async function command(w: Wire, command: PlaybackCommand) {
  const commandId = randomUUID();
  w.send({ type: 'command', commandId, command });
  await w.until((m) =>
    m.some((x) => (x.type === 'commandAck' || x.type === 'commandError') && x.commandId === commandId),
  );
  const answer = w.messages.find(
    (x) => (x.type === 'commandAck' || x.type === 'commandError') && x.commandId === commandId,
  )!;
  return answer;
}

/** Wait for the playback message of a version and return it. */
function playbackAt(w: Wire, version: number) {
  return w.next('playback', (p) => p.version === version);
}

describe(`live show over the hub (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let showId: string;
  let dept: { LX: string; SND: string };
  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    const show = await makeShow(s, sm.userId);
    showId = show.showId;
    dept = show.dept;
  });
  afterAll(() => s.close());

  async function newScript() {
    const cues = [
      cue({ name: 'LX 1', departmentId: dept.LX, offsetMs: 10_000 }),
      cue({ name: 'SND 1', departmentId: dept.SND, offsetMs: 20_000 }),
      cue({ name: 'LX 2', departmentId: dept.LX, offsetMs: 30_000 }),
    ];
    const scriptId = await makeScript(s, showId, { elements: cues });
    return { scriptId, cues };
  }

  it('an SM command is acknowledged and every socket, crew included, gets the new state once', async () => {
    const { scriptId, cues } = await newScript();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    const crew = await makeCrew(s, showId, { departmentIds: [dept.LX] });
    const c = await Wire.hello(s, scriptId, { token: crew.token });
    // Join: snapshot, then the current playback (STOPPED, version 0).
    expect((await w.next('playback')).state.status).toBe('STOPPED');
    expect((await c.next('playback')).version).toBe(0);
    expect(c.types().indexOf('snapshot')).toBeLessThan(c.types().indexOf('playback'));

    const play = await command(w, { kind: 'play' });
    expect(play).toMatchObject({ type: 'commandAck', version: 1, duplicate: false });
    for (const x of [w, c]) expect((await playbackAt(x, 1)).state.status).toBe('PLAYING');

    const go = await command(w, { kind: 'go', cueId: cues[0]!.id });
    expect(go).toMatchObject({ type: 'commandAck', version: 2 });
    const seen = await playbackAt(c, 2);
    expect(seen.state.currentCueId).toBe(cues[0]!.id);
    expect(seen.state.lastGo?.by.name).toBe(sm.displayName);
    expect(seen.serverTime).toBeGreaterThanOrEqual(seen.state.updatedAtServerMs);
    // Each version exactly once per socket.
    await command(w, { kind: 'pause' });
    await playbackAt(c, 3);
    expect(c.all('playback').map((p) => p.version)).toEqual([0, 1, 2, 3]);
    expect(w.invalid).toEqual([]);
    expect(c.invalid).toEqual([]);
    w.close();
    c.close();
  });

  it('L2 stop then reopen carries on the same performance; a protocol-4 device is sent the state without stoppedRun', async () => {
    const { scriptId, cues } = await newScript();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    const old = Wire.connect(s, scriptId, { cookie: sm.cookie });
    await old.opened;
    old.sendRaw(JSON.stringify({ type: 'hello', protocol: 4, lastVersion: null, deviceId: 'old-page' }));
    await old.next('playback');
    await w.next('playback');
    await command(w, { kind: 'play' });
    await command(w, { kind: 'go', cueId: cues[0]!.id });
    const perf = (await playbackAt(w, 2)).state.performanceId;
    expect(await command(w, { kind: 'stop' })).toMatchObject({ type: 'commandAck', version: 3 });
    const stopped = await playbackAt(w, 3);
    expect(stopped.state.stoppedRun?.performanceId).toBe(perf);
    await playbackAt(old, 3);
    const oldFrames = old.frames.map((f) => JSON.parse(f)).filter((m) => m.type === 'playback');
    expect(oldFrames.length).toBeGreaterThanOrEqual(2);
    for (const f of oldFrames) expect(Object.keys(f.state)).not.toContain('stoppedRun');
    expect(w.frames.some((f) => f.includes('"stoppedRun":{'))).toBe(true);

    expect(await command(w, { kind: 'reopen' })).toMatchObject({ type: 'commandAck', version: 4 });
    for (const x of [w, old]) {
      const p = await playbackAt(x, 4);
      expect(p.state).toMatchObject({ status: 'PAUSED', performanceId: perf, currentCueId: cues[0]!.id });
    }
    expect((await s.ctx.playback.performances(scriptId)).map((p) => [p.id, p.endedAtServerMs])).toEqual([[perf, null]]);
    expect(await command(w, { kind: 'reopen' })).toMatchObject({
      type: 'commandError',
      reason: 'INVALID_TRANSITION',
      message: 'cannot reopen now: the show is running (paused)',
      retryable: false,
    });
    expect(w.invalid).toEqual([]);
    expect(old.invalid).toEqual([]);
    w.close();
    old.close();
  });

  it('a retried commandId is applied once and answered as a duplicate', async () => {
    const { scriptId } = await newScript();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    await w.next('playback');
    const commandId = randomUUID();
    w.send({ type: 'command', commandId, command: { kind: 'play' } });
    await w.next('commandAck', (a) => a.commandId === commandId);
    w.send({ type: 'command', commandId, command: { kind: 'play' } });
    const again = await w.next('commandAck', (a) => a.commandId === commandId);
    expect(again).toMatchObject({ version: 1, duplicate: true });
    expect((await s.ctx.playback.load(scriptId)).version).toBe(1);
    w.close();
  });

  it('a crew device may not command: FORBIDDEN, nothing written', async () => {
    const { scriptId, cues } = await newScript();
    const crew = await makeCrew(s, showId, { allDepartments: true });
    const c = await Wire.hello(s, scriptId, { token: crew.token });
    await c.next('playback');
    const answer = await command(c, { kind: 'go', cueId: cues[0]!.id });
    expect(answer).toMatchObject({ type: 'commandError', code: 'FORBIDDEN', reason: null, retryable: false });
    expect((await s.ctx.playback.load(scriptId)).version).toBe(0);
    expect(await s.ctx.playback.events(scriptId)).toEqual([]);
    c.close();
  });

  it('invalid transitions, unknown cues and notes are refused with a reason and a message', async () => {
    const { scriptId } = await newScript();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    await w.next('playback');
    expect(await command(w, { kind: 'pause' })).toMatchObject({
      type: 'commandError',
      code: 'BAD_OP',
      reason: 'INVALID_TRANSITION',
      retryable: false,
    });
    expect(await command(w, { kind: 'seek', cueId: randomUUID() })).toMatchObject({ reason: 'UNKNOWN_ELEMENT' });
    const err = await command(w, { kind: 'resume' });
    expect(err.type === 'commandError' && err.message).toMatch(/resume/);
    // A malformed command is a BAD_MESSAGE error, not a crash.
    w.sendRaw(JSON.stringify({ type: 'command', commandId: randomUUID(), command: { kind: 'fly' } }));
    expect((await w.next('error')).code).toBe('BAD_MESSAGE');
    expect((await s.ctx.playback.load(scriptId)).version).toBe(0);
    expect(w.all('playback').length).toBe(1);
    w.close();
  });

  it('devices joining together share one playback read; one joining a live room reads none; a command racing the joins reaches all', async () => {
    const { scriptId, cues } = await newScript();
    // One link per device: a link may hold at most 5 sockets (P7).
    const links = await Promise.all(Array.from({ length: 31 }, () => makeCrew(s, showId, { allDepartments: true })));
    const store = s.ctx.playback;
    const load = store.load.bind(store);
    let reads = 0;
    store.load = (id: string) => {
      if (id === scriptId) reads++;
      return load(id);
    };
    try {
      // 30 devices at once into a room that does not exist yet, while the SM plays the show.
      const joining = links.slice(0, 30).map((l) => Wire.hello(s, scriptId, { token: l.token }));
      const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
      const play = command(w, { kind: 'play' });
      const devices = await Promise.all(joining);
      expect((await play).type).toBe('commandAck');
      const final = await s.ctx.playback.load(scriptId);
      reads--; // the line above
      // Every device ends with the state after play, whether it came with its join or after it.
      for (const d of devices) await d.next('playback', (p) => p.version === final.version);
      expect(reads).toBeLessThanOrEqual(3);
      // A device joining the live room gets the room's newest state without a read.
      await command(w, { kind: 'standby', cueIds: [cues[0]!.id] });
      const before = reads;
      const late = await Wire.hello(s, scriptId, { token: links[30]!.token });
      const p = await late.next('playback');
      expect(p.state.standbyCueIds).toEqual([cues[0]!.id]);
      expect(reads).toBe(before);
      for (const d of [...devices, w, late]) d.close();
    } finally {
      store.load = load;
    }
  });

  const states: { status: PlaybackStatus; steps: (cues: { id: string }[]) => PlaybackCommand[] }[] = [
    { status: 'STOPPED', steps: () => [] },
    { status: 'PLAYING', steps: (c) => [{ kind: 'play' }, { kind: 'standby', cueIds: [c[1]!.id] }] },
    { status: 'PAUSED', steps: (c) => [{ kind: 'play' }, { kind: 'go', cueId: c[0]!.id }, { kind: 'pause' }] },
    { status: 'SAFETY', steps: () => [{ kind: 'play' }, { kind: 'safety', reason: 'actor down' }] },
    { status: 'COMPLETE', steps: () => [{ kind: 'play' }, { kind: 'complete' }] },
  ];
  for (const { status, steps } of states)
    it(`a crew device that joins while ${status} gets that state at once, after its snapshot`, async () => {
      const { scriptId, cues } = await newScript();
      const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
      await w.next('playback');
      for (const step of steps(cues)) expect((await command(w, step)).type).toBe('commandAck');
      const expected = await s.ctx.playback.load(scriptId);
      const crew = await makeCrew(s, showId, { departmentIds: [dept.SND] });
      const c = await Wire.hello(s, scriptId, { token: crew.token });
      const p = await c.next('playback');
      expect(c.types().slice(0, 2)).toEqual(['welcome', 'snapshot']);
      expect(p.state).toEqual(expected);
      expect(p.state.status).toBe(status);
      // Its show time is the server's, computed from the state (no replay).
      expect(Math.abs(showTimeAt(p.state, p.serverTime) - showTimeAt(expected, p.serverTime))).toBe(0);
      w.close();
      c.close();
    });
});

describe(`live show across a restart (${backend})`, () => {
  it('the playback state and its version survive a restart; the show keeps running', async () => {
    let where: StartOptions;
    let cleanup: () => Promise<void>;
    if (backend === 'postgres') {
      const db = await freshPgDatabase();
      where = { databaseUrl: db.url };
      cleanup = db.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'cuebe-live-restart-'));
      where = { dataDir: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    try {
      const first = await startServer(where);
      const sm = await makeSm(first);
      const show = await makeShow(first, sm.userId);
      const lx = cue({ departmentId: show.dept.LX, offsetMs: 5_000 });
      const scriptId = await makeScript(first, show.showId, { elements: [lx] });
      const w = await Wire.hello(first, scriptId, { cookie: sm.cookie });
      await w.next('playback');
      await command(w, { kind: 'play' });
      await command(w, { kind: 'go', cueId: lx.id });
      const before = await playbackAt(w, 2);
      await first.close();

      const second = await startServer(where);
      try {
        const crew = await makeCrew(second, show.showId, { departmentIds: [show.dept.LX] });
        const c = await Wire.hello(second, scriptId, { token: crew.token });
        const after = await c.next('playback');
        expect(after.version).toBe(2);
        expect(after.state).toEqual(before.state);
        expect(after.state.status).toBe('PLAYING');
        // Still running: show time advanced with the reference clock across the restart.
        expect(showTimeAt(after.state, after.serverTime)).toBeGreaterThanOrEqual(
          showTimeAt(before.state, before.serverTime),
        );
        const w2 = await Wire.hello(second, scriptId, { cookie: sm.cookie });
        await w2.next('playback');
        expect(await command(w2, { kind: 'pause' })).toMatchObject({ type: 'commandAck', version: 3 });
        expect((await playbackAt(c, 3)).state.status).toBe('PAUSED');
        c.close();
        w2.close();
      } finally {
        await second.close();
      }
    } finally {
      await cleanup();
    }
  });
});
