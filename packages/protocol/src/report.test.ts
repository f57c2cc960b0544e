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
