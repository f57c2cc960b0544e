import { describe, expect, it } from 'vitest';
import { showReport, type Performance, type ShowEventWire } from './report';
import type { PlaybackCommand } from './playback';

const T = 1_750_000_000_000;
const perf: Performance = {
  id: '00000000-0000-4000-8000-000000000001',
  scriptId: '00000000-0000-4000-8000-000000000002',
  number: 1,
  startedAtServerMs: T,
  endedAtServerMs: null,
  calledBy: { kind: 'sm', name: 'Jo' },
  notes: '',
};
let id = 0;
const ev = (command: PlaybackCommand, at: number, showMs = 0): ShowEventWire => ({
  id: ++id,
  performanceId: perf.id,
  serverMs: T + at,
  kind: command.kind,
  actor: { kind: 'sm', name: 'Jo', id: null },
  data: { command, showMs },
  version: id,
});

describe('show report: holds', () => {
  it('a pause that becomes a safety hold is one hold, from the pause to the resume, with the reason', () => {
    const r = showReport(
      perf,
      [
        ev({ kind: 'play' }, 0),
        ev({ kind: 'pause' }, 10_000, 10_000),
        ev({ kind: 'safety', reason: 'actor down' }, 15_000, 10_000),
        ev({ kind: 'resume' }, 40_000, 10_000),
        ev({ kind: 'pause' }, 50_000, 20_000),
        ev({ kind: 'resume' }, 55_000, 20_000),
        ev({ kind: 'complete' }, 60_000, 25_000),
      ],
      [],
    );
    expect(r.holds.map((h) => [h.kind, h.reason, h.atServerMs - T, h.durationMs])).toEqual([
      ['safety', 'actor down', 10_000, 30_000],
      ['pause', null, 50_000, 5_000],
    ]);
    expect(r.heldMs).toBe(35_000);
    expect(r.totalMs).toBe(60_000);
  });
});

describe('show report: early GOs and reopened runs', () => {
  const cue = (n: number, offsetMs: number) => ({
    id: `00000000-0000-4000-8000-0000000000a${n}`,
    name: `LX ${n}`,
    offsetMs,
  });
  const go = (c: ReturnType<typeof cue>, at: number, showMs: number): ShowEventWire => ({
    ...ev({ kind: 'go', cueId: c.id }, at, showMs),
    data: { command: { kind: 'go', cueId: c.id }, showMs, cue: c },
  });

  it('a GO more than the threshold before its time is early, like a late one after it', () => {
    const [a, b, c] = [cue(1, 10_000), cue(2, 20_000), cue(3, 30_000)];
    const r = showReport(
      perf,
      [ev({ kind: 'play' }, 0), go(a, 7_000, 7_000), go(b, 20_500, 20_500), go(c, 33_000, 33_000)],
      [a, b, c],
    );
    expect(r.cues.map((x) => [x.name, x.early, x.late])).toEqual([
      ['LX 1', true, false],
      ['LX 2', false, false],
      ['LX 3', false, true],
    ]);
    expect([r.earlyGos, r.lateGos]).toEqual([1, 1]);
  });

  it('L2 a stop then reopen is one run: the end moves to the real end, the hold carries on', () => {
    const r = showReport(
      perf,
      [
        ev({ kind: 'play' }, 0),
        ev({ kind: 'mark', mark: 'actStart', label: 'Act 1' }, 0),
        ev({ kind: 'stop' }, 10_000, 10_000),
        ev({ kind: 'reopen' }, 15_000, 10_000),
        ev({ kind: 'resume' }, 16_000, 10_000),
        ev({ kind: 'pause' }, 20_000, 14_000),
        ev({ kind: 'stop' }, 21_000, 14_000),
        ev({ kind: 'reopen' }, 22_000, 14_000),
        ev({ kind: 'resume' }, 25_000, 14_000),
        ev({ kind: 'complete' }, 30_000, 19_000),
      ],
      [],
    );
    expect(r.endAtServerMs).toBe(T + 30_000);
    expect(r.totalMs).toBe(30_000);
    expect(r.holds.map((h) => [h.kind, h.atServerMs - T, h.durationMs])).toEqual([
      ['pause', 10_000, 6_000],
      ['pause', 20_000, 5_000],
    ]);
    expect(r.heldMs).toBe(11_000);
    expect(r.parts.map((p) => [p.label, p.durationMs])).toEqual([['Act 1', 30_000]]);
  });
});
