/**
 * Cue lights (issue 8) over real sockets and the REST API: crew acknowledge standbys and the SM
 * sees it in the next playback state; GO guards refuse a double GO and, in two-step mode, a GO
 * of a cue not on standby, with nothing written; nudge reaches the state for the named crew
 * member only; a scripted performance gives a report with exactly the figures it was played with.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Performance, type PlaybackCommand, type ShowReport } from '@cuebe/protocol';
import { backend, startServer, type TestServer } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm, type SmFixture } from './hub-fixtures';
import { client, type Client } from './http';
import { Wire } from './hub-wire';
import type { ActorRef } from '../src/scripts/store';
import type { CrewRef } from '../src/live/playback-store';

async function command(w: Wire, command: PlaybackCommand) {
  const commandId = randomUUID();
  w.send({ type: 'command', commandId, command });
  const match = (x: { type: string; commandId?: string }) =>
    (x.type === 'commandAck' || x.type === 'commandError') && x.commandId === commandId;
  await w.until((m) => m.some(match));
  return w.messages.find(match)!;
}

describe(`cue lights (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let rest: Client;
  let showId: string;
  let dept: { LX: string; SND: string };
  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    rest = client(s, () => ({ cookie: sm.cookie }));
    const show = await makeShow(s, sm.userId);
    showId = show.showId;
    dept = show.dept;
  });
  afterAll(() => s.close());

  async function newScript(inShow = showId, d = dept) {
    const cues = [
      cue({ name: 'LX 1', departmentId: d.LX, offsetMs: 10_000 }),
      cue({ name: 'SND 1', departmentId: d.SND, offsetMs: 20_000 }),
      cue({ name: 'LX 2', departmentId: d.LX, offsetMs: 30_000 }),
    ];
    const scriptId = await makeScript(s, inShow, { elements: cues });
    return { scriptId, cues };
  }

  it('P16 crew acknowledge a standby in their view; the SM and everyone get it in the next state', async () => {
    const { scriptId, cues } = await newScript();
    const [lx1, snd1, lx2] = cues as [(typeof cues)[0], (typeof cues)[0], (typeof cues)[0]];
    const lxCrew = await makeCrew(s, showId, { name: 'Sam LX', departmentIds: [dept.LX] });
    const sndCrew = await makeCrew(s, showId, { name: 'Ali SND', departmentIds: [dept.SND] });
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    const lx = await Wire.hello(s, scriptId, { token: lxCrew.token });
    const snd = await Wire.hello(s, scriptId, { token: sndCrew.token });
    for (const x of [w, lx, snd]) await x.next('playback');

    await command(w, { kind: 'play' });
    expect(await command(w, { kind: 'standby', cueIds: [lx1.id, snd1.id] })).toMatchObject({ type: 'commandAck' });
    const before = Date.now();
    expect(await command(lx, { kind: 'ack', cueId: lx1.id })).toMatchObject({ type: 'commandAck', version: 3 });
    const seen = await w.next('playback', (p) => p.version === 3);
    expect(seen.state.acks).toEqual([
      { cueId: lx1.id, crewId: lxCrew.crewId, name: 'Sam LX', atServerMs: expect.any(Number) },
    ]);
    expect(seen.state.acks[0]!.atServerMs).toBeGreaterThanOrEqual(before - 1000);
    expect((await snd.next('playback', (p) => p.version === 3)).state.acks).toHaveLength(1);

    // Outside the view, not on standby, not crew, not SM: refused, nothing written.
    expect(await command(lx, { kind: 'ack', cueId: snd1.id })).toMatchObject({
      type: 'commandError',
      code: 'BAD_OP',
      reason: 'UNKNOWN_ELEMENT',
    });
    expect(await command(lx, { kind: 'ack', cueId: lx2.id })).toMatchObject({ reason: 'NOT_ON_STANDBY' });
    expect(await command(w, { kind: 'ack', cueId: lx1.id })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await command(lx, { kind: 'go', cueId: lx1.id })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await s.ctx.playback.load(scriptId)).version).toBe(3);

    // GO logs who had acknowledged and who had not.
    await command(w, { kind: 'go', cueId: snd1.id });
    const events = await s.ctx.playback.events(scriptId);
    const go = events.at(-1)!;
    expect(go.kind).toBe('go');
    expect(go.data.cue).toEqual({ id: snd1.id, name: 'SND 1', offsetMs: 20_000 });
    expect(go.data.ended).toEqual([
      { cueId: snd1.id, name: 'SND 1', expected: [{ crewId: sndCrew.crewId, name: 'Ali SND' }], acked: [] },
    ]);
    expect(events.map((e) => [e.kind, e.actor.kind])).toEqual([
      ['play', 'sm'],
      ['standby', 'sm'],
      ['ack', 'crew'],
      ['go', 'sm'],
    ]);
    expect(new Set(events.map((e) => e.performanceId)).size).toBe(1);
    for (const x of [w, lx, snd]) x.close();
  });

  it('P17 guards: a double GO inside the minimum time and, in two-step mode, a GO not from standby are refused', async () => {
    const { scriptId, cues } = await newScript();
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    await w.next('playback');
    await command(w, { kind: 'play' });
    await command(w, { kind: 'guards', guards: { minGoIntervalMs: 10_000, requireStandby: false } });
    expect(await command(w, { kind: 'go', cueId: cues[0]!.id })).toMatchObject({ type: 'commandAck' });
    const twice = await command(w, { kind: 'go', cueId: cues[2]!.id });
    expect(twice).toMatchObject({ type: 'commandError', code: 'BAD_OP', reason: 'TOO_SOON', retryable: false });
    expect(twice.type === 'commandError' && twice.message).toMatch(/ms since the last GO; the minimum is 10000 ms/);
    const version = (await s.ctx.playback.load(scriptId)).version;

    await command(w, { kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: true } });
    expect(await command(w, { kind: 'go', cueId: cues[2]!.id })).toMatchObject({ reason: 'NOT_ON_STANDBY' });
    await command(w, { kind: 'standby', cueIds: [cues[2]!.id] });
    expect(await command(w, { kind: 'go', cueId: cues[2]!.id })).toMatchObject({ type: 'commandAck' });
    // Refused GOs wrote nothing: one guards, one standby and one GO after the first refusal.
    expect((await s.ctx.playback.load(scriptId)).version).toBe(version + 3);
    expect((await s.ctx.playback.events(scriptId)).filter((e) => e.kind === 'go')).toHaveLength(2);
    w.close();
  });

  it('P18 nudge names one live crew member of the show; unknown and revoked ones are refused', async () => {
    const { scriptId, cues } = await newScript();
    const lxCrew = await makeCrew(s, showId, { departmentIds: [dept.LX] });
    const gone = await makeCrew(s, showId, { departmentIds: [dept.LX], revoked: true });
    const w = await Wire.hello(s, scriptId, { cookie: sm.cookie });
    const lx = await Wire.hello(s, scriptId, { token: lxCrew.token });
    await lx.next('playback');
    const ok = await command(w, { kind: 'nudge', crewId: lxCrew.crewId, cueId: cues[0]!.id });
    expect(ok).toMatchObject({ type: 'commandAck' });
    const p = await lx.next('playback', (m) => m.state.nudge !== null);
    expect(p.state.nudge).toMatchObject({ crewId: lxCrew.crewId, cueId: cues[0]!.id, by: { kind: 'sm' } });
    expect(await command(w, { kind: 'nudge', crewId: randomUUID() })).toMatchObject({ reason: 'UNKNOWN_CREW' });
    expect(await command(w, { kind: 'nudge', crewId: gone.crewId })).toMatchObject({ reason: 'UNKNOWN_CREW' });
    expect(await command(lx, { kind: 'nudge', crewId: lxCrew.crewId })).toMatchObject({ code: 'FORBIDDEN' });
    w.close();
    lx.close();
  });

  it('the report of a scripted performance has exactly its figures (REST JSON and CSV)', async () => {
    // A show of its own: the crew expected to answer are exactly the two made here.
    const { showId, dept } = await makeShow(s, sm.userId);
    const { scriptId, cues } = await newScript(showId, dept);
    const [lx1, snd1, lx2] = cues as [(typeof cues)[0], (typeof cues)[0], (typeof cues)[0]];
    const lxCrew = await makeCrew(s, showId, { name: 'Sam LX', departmentIds: [dept.LX] });
    await makeCrew(s, showId, { name: 'Kim LX', departmentIds: [dept.LX] });
    const actor: ActorRef = { kind: 'sm', name: 'Jane SM', id: sm.userId };
    const crewRef: CrewRef = { crewId: lxCrew.crewId, name: 'Sam LX', allDepartments: false, departmentIds: [dept.LX] };
    const T = Date.now() - 3_600_000; // an hour ago, so every link is live at each step
    const steps: [PlaybackCommand, number, CrewRef?][] = [
      [{ kind: 'mark', mark: 'houseOpen' }, 0],
      [{ kind: 'play' }, 600_000], // show time 0 at T+10 min
      [{ kind: 'mark', mark: 'actStart', label: 'Act 1' }, 600_000],
      [{ kind: 'standby', cueIds: [lx1.id, snd1.id] }, 605_000],
      [{ kind: 'ack', cueId: lx1.id }, 607_500, crewRef],
      [{ kind: 'go', cueId: lx1.id }, 610_400], // show 10.4 s, planned 10 s: 400 ms late, not late
      [{ kind: 'go', cueId: snd1.id }, 623_000], // show 23 s, planned 20 s: 3 s late
      [{ kind: 'safety', reason: 'actor down' }, 625_000],
      [{ kind: 'resume' }, 685_000], // a 60 s hold
      [{ kind: 'note', text: 'Latecomers seated in the hold' }, 690_000],
      [{ kind: 'mark', mark: 'actEnd' }, 700_000],
      [{ kind: 'mark', mark: 'intervalStart' }, 700_000],
      [{ kind: 'mark', mark: 'intervalEnd' }, 1_600_000],
      [{ kind: 'standby', cueIds: [lx2.id] }, 1_601_000],
      [{ kind: 'complete' }, 1_700_000], // LX 2 never called, its standby never answered
    ];
    let performanceId: string | null = null;
    for (const [cmd, at, crew] of steps) {
      const r = await s.ctx.playback.command(
        scriptId,
        cmd,
        crew ? { kind: 'crew', name: crew.name, id: crew.crewId } : actor,
        T + at,
        { crew },
      );
      performanceId ??= r.state.performanceId;
    }

    const list = await rest.get(`/api/scripts/${scriptId}/performances`);
    expect(list.status).toBe(200);
    expect(list.body.performances).toHaveLength(1);
    expect(list.body.performances[0]).toMatchObject({
      id: performanceId,
      number: 1,
      startedAtServerMs: T,
      endedAtServerMs: T + 1_700_000,
      totalMs: 1_100_000,
      heldMs: 60_000,
      cuesCalled: 2,
      lateGos: 1,
      unacknowledged: 3, // SND 1: its department has no crew; LX 2: Sam and Kim; LX 1: Kim
      holds: 1,
    });
    expect(Performance.safeParse({ ...list.body.performances[0], totalMs: undefined }).success).toBe(false);

    const res = await rest.get(`/api/performances/${performanceId}/report`);
    expect(res.status).toBe(200);
    const report = res.body.report as ShowReport;
    expect(report.houseOpenAtServerMs).toBe(T);
    expect(report.startAtServerMs).toBe(T + 600_000);
    expect(report.parts).toEqual([
      { kind: 'act', label: 'Act 1', startAtServerMs: T + 600_000, endAtServerMs: T + 700_000, durationMs: 100_000 },
      {
        kind: 'interval',
        label: 'Interval',
        startAtServerMs: T + 700_000,
        endAtServerMs: T + 1_600_000,
        durationMs: 900_000,
      },
    ]);
    expect(report.cues.map((c) => [c.name, c.plannedMs, c.actualMs, c.deltaMs, c.late])).toEqual([
      ['LX 1', 10_000, 10_400, 400, false],
      ['SND 1', 20_000, 23_000, 3_000, true],
      ['LX 2', 30_000, null, null, false],
    ]);
    expect(report.holds).toEqual([
      {
        kind: 'safety',
        reason: 'actor down',
        atServerMs: T + 625_000,
        showMs: 25_000,
        durationMs: 60_000,
        by: 'Jane SM',
      },
    ]);
    expect(
      report.standbys.map((x) => [
        x.name,
        x.endedBy,
        x.acked.map((a) => [a.name, a.afterMs]),
        x.unacknowledged.map((u) => u.name).sort(),
      ]),
    ).toEqual([
      ['LX 1', 'go', [['Sam LX', 2_500]], ['Kim LX']],
      ['SND 1', 'go', [], []],
      ['LX 2', 'end', [], ['Kim LX', 'Sam LX']],
    ]);
    expect(report.notes).toEqual([
      { atServerMs: T + 690_000, showMs: 30_000, text: 'Latecomers seated in the hold', by: 'Jane SM' },
    ]);
    // A stricter threshold makes LX 1 late too.
    const strict = await rest.get(`/api/performances/${performanceId}/report?lateMs=100`);
    expect((strict.body.report as ShowReport).lateGos).toBe(2);

    const saved = await rest.patch(`/api/performances/${performanceId}`, { notes: 'Good house. =SUM(A1)' });
    expect(saved.status).toBe(200);
    expect(saved.body.performance.notes).toBe('Good house. =SUM(A1)');
    const csv = await rest.get(`/api/performances/${performanceId}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('Section,Name,Planned,Actual,Difference (s),Late,At (UTC),Duration,Who,Detail');
    expect(lines).toContain(`Cue,SND 1,0:00:20,0:00:23,3,late,${new Date(T + 623_000).toISOString()},,Jane SM,`);
    expect(lines).toContain('Cue,LX 2,0:00:30,,,,,,,not called');
    expect(lines.find((l) => l.startsWith('Standby,LX 2,'))).toMatch(
      /,not acknowledged: (Kim LX; Sam LX|Sam LX; Kim LX)$/,
    );
    expect(lines).toContain('Cue,LX 1,0:00:10,0:00:10.400,0.4,,' + new Date(T + 610_400).toISOString() + ',,Jane SM,');
    expect(lines).toContain('Note,After the show,,,,,,,,Good house. =SUM(A1)');
    expect(lines).toContain(
      'Hold,safety,,0:00:25,,,' + new Date(T + 625_000).toISOString() + ',0:01:00,Jane SM,actor down',
    );
  });

  it('P19 performances and reports are the owner’s: others get 404, bad ids 400, bad bodies 400', async () => {
    const { scriptId } = await newScript();
    await s.ctx.playback.command(
      scriptId,
      { kind: 'play' },
      { kind: 'sm', name: 'Jane SM', id: sm.userId },
      Date.now(),
    );
    const [perf] = await s.ctx.playback.performances(scriptId);
    const other = await makeSm(s, 'Other SM');
    const them = client(s, () => ({ cookie: other.cookie }));
    expect((await them.get(`/api/scripts/${scriptId}/performances`)).status).toBe(404);
    expect((await them.get(`/api/performances/${perf!.id}/report`)).status).toBe(404);
    expect((await them.patch(`/api/performances/${perf!.id}`, { notes: 'x' })).status).toBe(404);
    expect((await rest.get(`/api/performances/not-a-uuid/report`)).status).toBe(400);
    expect((await rest.get(`/api/performances/${randomUUID()}/report`)).status).toBe(404);
    const bad = await rest.patch(`/api/performances/${perf!.id}`, { notes: 5 });
    expect(bad.status).toBe(400);
    expect((await rest.get(`/api/performances/${perf!.id}/report?lateMs=-1`)).status).toBe(400);
    expect((await client(s, () => ({})).get(`/api/scripts/${scriptId}/performances`)).status).toBe(401);
  });
});
