import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Element } from './domain';
import { CommandMessage, LiveServerMessage, PlaybackMessage } from './live-messages';
import {
  ALLOWED_FROM,
  applyCommand,
  commandElementIds,
  cueRows,
  heldMsAt,
  initialPlaybackState,
  nextCues,
  PLAYBACK_COMMAND_KINDS,
  PLAYBACK_STATUSES,
  PlaybackCommand,
  PlaybackError,
  PlaybackState,
  showTimeAt,
  type CommandContext,
  type PlaybackStatus,
} from './playback';
import { crewView, FULL_VIEW } from './view';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const LX = uuid(0xd1);
const SND = uuid(0xd2);

function el(n: number, fields: Partial<Element> = {}): Element {
  return {
    id: uuid(n),
    type: 'CUE',
    name: `Q${n}`,
    notes: '',
    departmentId: LX,
    priority: 'NORMAL',
    offsetMs: n * 1000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: `a${n.toString().padStart(3, '0')}`,
    ...fields,
  };
}

const cues = [
  el(1, { offsetMs: 10_000 }),
  el(2, { offsetMs: 20_000, departmentId: SND }),
  el(3, { offsetMs: 30_000 }),
  el(4, { offsetMs: 40_000, departmentId: SND }),
  el(5, { offsetMs: 50_000 }),
  el(6, { type: 'NOTE', name: 'House open', offsetMs: 0, departmentId: null }),
];
const byId = new Map(cues.map((e) => [e.id, e]));
const actor = { kind: 'sm' as const, name: 'Jo SM' };
let nextId = 0x1000;
const ctx: CommandContext = { actor, element: (id) => byId.get(id), newId: () => uuid(nextId++) };
const T0 = 1_750_000_000_000;

/** Drive a fresh state into `status` through real commands. */
function stateIn(status: PlaybackStatus, at = T0): PlaybackState {
  let s = initialPlaybackState(at - 10_000);
  const run = (c: PlaybackCommand, t: number) => (s = applyCommand(s, c, t, ctx));
  if (status === 'STOPPED') return s;
  run({ kind: 'play' }, at - 9_000);
  if (status === 'PAUSED') run({ kind: 'pause' }, at - 1_000);
  if (status === 'SAFETY') run({ kind: 'safety', reason: 'actor down' }, at - 1_000);
  if (status === 'COMPLETE') run({ kind: 'complete' }, at - 1_000);
  return s;
}

/** The transport commands: their status rules are all in ALLOWED_FROM (cue-light commands are tested below). */
const TRANSPORT = PLAYBACK_COMMAND_KINDS.filter(
  (k) => !['ack', 'nudge', 'guards', 'mark', 'note', 'reopen'].includes(k),
);

/** One valid command of each kind. */
const sample: Record<(typeof PLAYBACK_COMMAND_KINDS)[number], PlaybackCommand> = {
  play: { kind: 'play' },
  pause: { kind: 'pause' },
  safety: { kind: 'safety', reason: 'smoke in the wings' },
  resume: { kind: 'resume' },
  complete: { kind: 'complete' },
  stop: { kind: 'stop' },
  reopen: { kind: 'reopen' },
  seek: { kind: 'seek', showMs: 25_000 },
  standby: { kind: 'standby', cueIds: [uuid(3)] },
  go: { kind: 'go', cueId: uuid(3) },
  highlight: { kind: 'highlight', ids: [uuid(6)] },
  rate: { kind: 'rate', rate: 1.5 },
  ack: { kind: 'ack', cueId: uuid(3) },
  nudge: { kind: 'nudge', crewId: uuid(0x77) },
  guards: { kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: true } },
  mark: { kind: 'mark', mark: 'actStart', label: 'Act 1' },
  note: { kind: 'note', text: 'late start: queue at the bar' },
};

const resultStatus: Record<string, PlaybackStatus | 'same'> = {
  play: 'PLAYING',
  pause: 'PAUSED',
  safety: 'SAFETY',
  resume: 'PLAYING',
  complete: 'COMPLETE',
  stop: 'STOPPED',
  seek: 'same',
  standby: 'same',
  go: 'same',
  highlight: 'same',
  rate: 'same',
};

describe('transition table: every command from every status', () => {
  for (const kind of TRANSPORT)
    for (const status of PLAYBACK_STATUSES) {
      const allowed = ALLOWED_FROM[kind].includes(status);
      it(`${kind} from ${status} ${allowed ? 'is applied' : 'is refused with a message'}`, () => {
        const before = stateIn(status);
        const frozen = JSON.stringify(before);
        if (allowed) {
          const after = applyCommand(before, sample[kind], T0, ctx);
          const expected = resultStatus[kind] === 'same' ? status : resultStatus[kind];
          expect(after.status).toBe(expected);
          expect(after.version).toBe(before.version + 1);
          expect(PlaybackState.safeParse(after).success).toBe(true);
        } else {
          let error: unknown;
          try {
            applyCommand(before, sample[kind], T0, ctx);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(PlaybackError);
          const pe = error as PlaybackError;
          expect(pe.code).toBe('INVALID_TRANSITION');
          expect(pe.command).toBe(kind);
          expect(pe.message).toMatch(new RegExp(`^cannot ${kind} now: the show is`));
        }
        expect(JSON.stringify(before), 'the input state is never changed').toBe(frozen);
      });
    }

  it('the messages say what to do instead', () => {
    const msg = (status: PlaybackStatus, c: PlaybackCommand) => {
      try {
        applyCommand(stateIn(status), c, T0, ctx);
      } catch (e) {
        return (e as Error).message;
      }
      return 'applied';
    };
    expect(msg('PAUSED', { kind: 'play' })).toBe('cannot play now: the show is paused: resume it instead');
    expect(msg('STOPPED', { kind: 'go', cueId: uuid(1) })).toBe(
      'cannot go now: the show is not running: press play before calling cues',
    );
    expect(msg('COMPLETE', { kind: 'seek', showMs: 0 })).toBe(
      'cannot seek now: the show is complete: stop it first to start a new run',
    );
    expect(msg('STOPPED', { kind: 'resume' })).toBe('cannot resume now: the show is stopped: press play to start it');
  });
});

describe('show time', () => {
  it('runs from the anchor while playing and freezes on pause; resume carries on', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'play' }, T0, ctx);
    expect(showTimeAt(s, T0 + 5_000)).toBe(5_000);
    s = applyCommand(s, { kind: 'pause' }, T0 + 5_000, ctx);
    expect(showTimeAt(s, T0 + 60_000)).toBe(5_000);
    expect(heldMsAt(s, T0 + 65_000)).toBe(60_000);
    s = applyCommand(s, { kind: 'resume' }, T0 + 65_000, ctx);
    expect(s.pausedMs).toBe(60_000);
    expect(s.pausedSinceServerMs).toBeNull();
    expect(showTimeAt(s, T0 + 66_000)).toBe(6_000);
  });

  it('safety holds with a reason, also from a pause (the hold keeps counting from the pause)', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'play' }, T0, ctx);
    s = applyCommand(s, { kind: 'pause' }, T0 + 1_000, ctx);
    s = applyCommand(s, { kind: 'safety', reason: 'set piece stuck' }, T0 + 3_000, ctx);
    expect(s.status).toBe('SAFETY');
    expect(s.safetyReason).toBe('set piece stuck');
    expect(s.pausedSinceServerMs).toBe(T0 + 1_000);
    s = applyCommand(s, { kind: 'resume' }, T0 + 11_000, ctx);
    expect(s.safetyReason).toBeNull();
    expect(s.pausedMs).toBe(10_000);
    expect(showTimeAt(s, T0 + 12_000)).toBe(2_000);
  });

  it('complete freezes and clears standby; stop resets to 0 but keeps the rehearsal rate', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'rate', rate: 0.5 }, T0, ctx);
    s = applyCommand(s, { kind: 'play' }, T0, ctx);
    s = applyCommand(s, { kind: 'standby', cueIds: [uuid(1), uuid(3)] }, T0 + 1_000, ctx);
    s = applyCommand(s, { kind: 'complete' }, T0 + 10_000, ctx);
    expect(showTimeAt(s, T0 + 99_000)).toBe(5_000);
    expect(s.standbyCueIds).toEqual([]);
    s = applyCommand(s, { kind: 'stop' }, T0 + 20_000, ctx);
    expect(s).toMatchObject({ status: 'STOPPED', anchorShowMs: 0, rate: 0.5, lastGo: null, currentCueId: null });
    expect(s.version).toBe(5);
  });

  it('seek to a time keeps playing from there; seek to a cue makes it current', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'play' }, T0, ctx);
    s = applyCommand(s, { kind: 'seek', showMs: -30_000 }, T0 + 1_000, ctx);
    expect(showTimeAt(s, T0 + 2_000)).toBe(-29_000);
    s = applyCommand(s, { kind: 'seek', cueId: uuid(3) }, T0 + 3_000, ctx);
    expect(showTimeAt(s, T0 + 3_500)).toBe(30_500);
    expect(s.currentCueId).toBe(uuid(3));
    expect(s.currentCueOffsetMs).toBe(30_000);
  });

  it('seek while stopped moves the start position for play', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'seek', showMs: -600_000 }, T0, ctx);
    expect(s.status).toBe('STOPPED');
    s = applyCommand(s, { kind: 'play' }, T0 + 5_000, ctx);
    expect(showTimeAt(s, T0 + 6_000)).toBe(-599_000);
    expect(s.startedAtServerMs).toBe(T0 + 5_000);
  });

  it('a command stamped before the last change counts as happening at the last change', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'play' }, T0 + 1_000, ctx);
    s = applyCommand(s, { kind: 'pause' }, T0 + 500, ctx);
    expect(s.anchorServerMs).toBe(T0 + 1_000);
    expect(showTimeAt(s, T0 + 9_000)).toBe(0);
    s = applyCommand(s, { kind: 'resume' }, T0 + 200, ctx);
    expect(s.pausedMs).toBe(0);
  });

  it('rate changes keep show time continuous and change its speed', () => {
    let s = applyCommand(initialPlaybackState(T0), { kind: 'play' }, T0, ctx);
    s = applyCommand(s, { kind: 'rate', rate: 2 }, T0 + 10_000, ctx);
    expect(showTimeAt(s, T0 + 10_000)).toBe(10_000);
    expect(showTimeAt(s, T0 + 15_000)).toBe(20_000);
    s = applyCommand(s, { kind: 'rate', rate: 0.5 }, T0 + 15_000, ctx);
    expect(showTimeAt(s, T0 + 15_000)).toBe(20_000);
    expect(showTimeAt(s, T0 + 19_000)).toBe(22_000);
  });

  it('property: no command but seek and stop makes show time jump, and each bumps the version by one', () => {
    const command = fc.oneof(
      ...PLAYBACK_COMMAND_KINDS.filter((k) => k !== 'seek' && k !== 'stop' && k !== 'rate').map((k) =>
        fc.constant(sample[k]),
      ),
      fc.double({ min: 0.5, max: 2, noNaN: true }).map((rate): PlaybackCommand => ({ kind: 'rate', rate })),
    );
    const seed = 0x5eed_0001;
    fc.assert(
      fc.property(fc.array(fc.tuple(command, fc.integer({ min: 0, max: 600_000 })), { maxLength: 40 }), (steps) => {
        let s = initialPlaybackState(T0);
        let t = T0;
        for (const [c, dt] of steps) {
          t += dt;
          let next: PlaybackState;
          try {
            next = applyCommand(s, c, t, ctx);
          } catch (e) {
            expect(e).toBeInstanceOf(PlaybackError);
            continue;
          }
          expect(next.version).toBe(s.version + 1);
          expect(showTimeAt(next, t)).toBeCloseTo(showTimeAt(s, t), 6);
          expect(showTimeAt(next, t + 1_000)).toBeGreaterThanOrEqual(showTimeAt(next, t));
          s = next;
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('late join: a device that arrives at any moment computes the same show time', () => {
  const joinAt = T0 + 3_600_000;
  for (const status of PLAYBACK_STATUSES) {
    it(`in ${status}`, () => {
      const s = stateIn(status);
      // What the device receives: the playback message, serialised and parsed at its boundary.
      const wire = JSON.stringify({ type: 'playback', version: s.version, state: s, serverTime: joinAt });
      const got = LiveServerMessage.parse(JSON.parse(wire));
      expect(got.type).toBe('playback');
      const state = (got as PlaybackMessage).state;
      const expected = {
        STOPPED: 0,
        PLAYING: joinAt - (T0 - 9_000),
        PAUSED: 8_000,
        SAFETY: 8_000,
        COMPLETE: 8_000,
      }[status];
      expect(showTimeAt(state, joinAt)).toBe(expected);
      expect(showTimeAt(state, joinAt)).toBe(showTimeAt(s, joinAt));
      if (status === 'SAFETY') expect(state.safetyReason).toBe('actor down');
    });
  }

  it('in PLAYING at a rehearsal rate', () => {
    let s = stateIn('PLAYING');
    s = applyCommand(s, { kind: 'rate', rate: 1.25 }, T0, ctx);
    const state = PlaybackMessage.parse(
      JSON.parse(JSON.stringify({ type: 'playback', version: 1, state: s, serverTime: 0 })),
    ).state;
    expect(showTimeAt(state, T0 + 4_000)).toBe(9_000 + 5_000);
  });
});

describe('cue commands', () => {
  it('standby replaces the set; go makes the cue current, leaves standby, and records who and when', () => {
    let s = stateIn('PLAYING');
    s = applyCommand(s, { kind: 'standby', cueIds: [uuid(1), uuid(2)] }, T0, ctx);
    expect(s.standbyCueIds).toEqual([uuid(1), uuid(2)]);
    s = applyCommand(s, { kind: 'go', cueId: uuid(1) }, T0 + 2_000, ctx);
    expect(s.currentCueId).toBe(uuid(1));
    expect(s.standbyCueIds).toEqual([uuid(2)]);
    expect(s.lastGo).toEqual({ cueId: uuid(1), atServerMs: T0 + 2_000, atShowMs: 11_000, by: actor });
    s = applyCommand(s, { kind: 'standby', cueIds: [] }, T0 + 3_000, ctx);
    expect(s.standbyCueIds).toEqual([]);
  });

  it('refuses unknown cues and elements that are not cues, by name', () => {
    const s = stateIn('PLAYING');
    const fail = (c: PlaybackCommand) => {
      try {
        applyCommand(s, c, T0, ctx);
      } catch (e) {
        return [(e as PlaybackError).code, (e as PlaybackError).message];
      }
      return null;
    };
    expect(fail({ kind: 'go', cueId: uuid(99) })).toEqual([
      'UNKNOWN_ELEMENT',
      `cannot go: no cue ${uuid(99)} in this script`,
    ]);
    expect(fail({ kind: 'go', cueId: uuid(6) })).toEqual(['NOT_A_CUE', 'cannot go: "House open" is a note, not a cue']);
    expect(fail({ kind: 'standby', cueIds: [uuid(1), uuid(6)] })?.[0]).toBe('NOT_A_CUE');
    expect(fail({ kind: 'seek', cueId: uuid(98) })?.[0]).toBe('UNKNOWN_ELEMENT');
    expect(fail({ kind: 'highlight', ids: [uuid(97)] })?.[0]).toBe('UNKNOWN_ELEMENT');
    expect(fail({ kind: 'highlight', ids: [uuid(6), uuid(1)] })).toBeNull();
  });

  it('names the ids a store must look up', () => {
    expect(commandElementIds({ kind: 'go', cueId: uuid(1) })).toEqual([uuid(1)]);
    expect(commandElementIds({ kind: 'seek', showMs: 3 })).toEqual([]);
    expect(commandElementIds({ kind: 'seek', cueId: uuid(2) })).toEqual([uuid(2)]);
    expect(commandElementIds({ kind: 'standby', cueIds: [uuid(1), uuid(2)] })).toEqual([uuid(1), uuid(2)]);
    expect(commandElementIds({ kind: 'highlight', ids: [uuid(6)] })).toEqual([uuid(6)]);
    expect(commandElementIds({ kind: 'play' })).toEqual([]);
  });
});

describe('command schemas (parsed at the boundary)', () => {
  const ok = (c: unknown) => PlaybackCommand.safeParse(c).success;
  it('accepts each command and refuses malformed ones', () => {
    for (const c of Object.values(sample)) expect(ok(c), JSON.stringify(c)).toBe(true);
    expect(ok({ kind: 'seek' })).toBe(false);
    expect(ok({ kind: 'seek', showMs: 1, cueId: uuid(1) })).toBe(false);
    expect(ok({ kind: 'rate', rate: 0.49 })).toBe(false);
    expect(ok({ kind: 'rate', rate: 2.01 })).toBe(false);
    expect(ok({ kind: 'safety', reason: '   ' })).toBe(false);
    expect(ok({ kind: 'standby', cueIds: [uuid(1), uuid(1)] })).toBe(false);
    expect(ok({ kind: 'go', cueId: 'LX 5' })).toBe(false);
    expect(ok({ kind: 'play', extra: true })).toBe(false);
    expect(ok({ kind: 'jump' })).toBe(false);
  });

  it('a command message carries a client-made id', () => {
    const m = { type: 'command', commandId: uuid(500), command: { kind: 'go', cueId: uuid(1) } };
    expect(CommandMessage.parse(m)).toEqual(m);
    expect(CommandMessage.safeParse({ ...m, commandId: 'x' }).success).toBe(false);
  });

  it('the safety message explains what is missing', () => {
    const r = PlaybackCommand.safeParse({ kind: 'safety', reason: '' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('say why the show is held');
  });
});

describe('cue lists with countdowns', () => {
  it('classifies past, current, standby and upcoming, with countdowns in show and real time', () => {
    let s = stateIn('PLAYING'); // show time 9 000 at T0
    s = applyCommand(s, { kind: 'rate', rate: 2 }, T0, ctx);
    s = applyCommand(s, { kind: 'go', cueId: uuid(2) }, T0, ctx);
    s = applyCommand(s, { kind: 'standby', cueIds: [uuid(4)] }, T0, ctx);
    const rows = cueRows(s, cues, T0 + 500, FULL_VIEW); // show time 10 000
    expect(rows.map((r) => [r.cue.name, r.status])).toEqual([
      ['Q1', 'past'],
      ['Q2', 'current'],
      ['Q3', 'upcoming'],
      ['Q4', 'standby'],
      ['Q5', 'upcoming'],
    ]);
    const q3 = rows[2]!;
    expect(q3.countdownMs).toBe(20_000);
    expect(q3.etaMs).toBe(10_000);
    expect(nextCues(s, cues, T0 + 500, FULL_VIEW, 2).map((r) => r.cue.name)).toEqual(['Q3', 'Q4']);
  });

  it('a crew view sees only its department, placed by the current cue it cannot see', () => {
    let s = stateIn('PLAYING');
    s = applyCommand(s, { kind: 'go', cueId: uuid(2) }, T0, ctx); // a sound cue
    const lx = crewView(false, [LX]);
    const lxCues = cues.filter((c) => c.departmentId !== SND);
    const rows = cueRows(s, lxCues, T0, lx);
    expect(rows.map((r) => [r.cue.name, r.status])).toEqual([
      ['Q1', 'past'],
      ['Q3', 'upcoming'],
      ['Q5', 'upcoming'],
    ]);
    expect(cueRows(s, cues, T0, lx).map((r) => r.cue.name)).toEqual(['Q1', 'Q3', 'Q5']);
  });

  it('without a current cue, a cue long overdue counts as past; paused show has no real-time eta', () => {
    const s = stateIn('PAUSED'); // show time frozen at 8 000
    const rows = cueRows(s, [el(90, { offsetMs: -70_000 }), ...cues], T0, FULL_VIEW);
    expect(rows[0]!.status).toBe('past');
    expect(rows[1]!.status).toBe('upcoming');
    expect(rows[1]!.etaMs).toBeNull();
    expect(rows[1]!.countdownMs).toBe(2_000);
  });
});

describe('cue lights: acknowledgements, nudges, guards, performances', () => {
  const lxCrew = (crewId = uuid(0x71), name = 'Sam LX') => ({
    ...ctx,
    actor: { kind: 'crew' as const, name },
    crew: { crewId, name, sees: (cue: Element) => cue.departmentId === LX },
  });
  const fail = (s: PlaybackState, c: PlaybackCommand, at = T0, context: CommandContext = ctx) => {
    try {
      applyCommand(s, c, at, context);
    } catch (e) {
      return [(e as PlaybackError).code, (e as PlaybackError).message];
    }
    throw new Error('the command was applied');
  };

  it('crew acknowledge a cue on standby in their view; the first answer counts; GO and standby changes drop acks', () => {
    let s = applyCommand(stateIn('PLAYING'), { kind: 'standby', cueIds: [uuid(1), uuid(3)] }, T0, ctx);
    s = applyCommand(s, { kind: 'ack', cueId: uuid(1) }, T0 + 300, lxCrew());
    const again = applyCommand(s, { kind: 'ack', cueId: uuid(1) }, T0 + 900, lxCrew());
    expect(again.acks).toEqual([{ cueId: uuid(1), crewId: uuid(0x71), name: 'Sam LX', atServerMs: T0 + 300 }]);
    s = applyCommand(s, { kind: 'ack', cueId: uuid(3) }, T0 + 400, lxCrew(uuid(0x72), 'Ali LX'));
    expect(s.acks.map((a) => a.name)).toEqual(['Sam LX', 'Ali LX']);
    s = applyCommand(s, { kind: 'go', cueId: uuid(1) }, T0 + 1_000, ctx);
    expect(s.acks.map((a) => a.cueId)).toEqual([uuid(3)]);
    s = applyCommand(s, { kind: 'standby', cueIds: [uuid(5)] }, T0 + 2_000, ctx);
    expect(s.acks).toEqual([]);
    expect(PlaybackState.parse(s)).toEqual(s);
  });

  it('an ack is refused without a crew link, for a cue outside the view, and for a cue not on standby', () => {
    const s = applyCommand(stateIn('PLAYING'), { kind: 'standby', cueIds: [uuid(1), uuid(2)] }, T0, ctx);
    expect(fail(s, { kind: 'ack', cueId: uuid(1) })[0]).toBe('UNKNOWN_CREW');
    expect(fail(s, { kind: 'ack', cueId: uuid(2) }, T0, lxCrew())).toEqual([
      'UNKNOWN_ELEMENT',
      `cannot ack: no cue ${uuid(2)} in your view`,
    ]);
    expect(fail(s, { kind: 'ack', cueId: uuid(3) }, T0, lxCrew())).toEqual([
      'NOT_ON_STANDBY',
      'cannot ack: "Q3" is not on standby now',
    ]);
  });

  it('by default a double GO inside half a second is refused; after it, GO goes', () => {
    expect(initialPlaybackState().guards).toEqual({ minGoIntervalMs: 500, requireStandby: false });
    let s = applyCommand(stateIn('PLAYING'), { kind: 'go', cueId: uuid(1) }, T0, ctx);
    expect(fail(s, { kind: 'go', cueId: uuid(3) }, T0 + 200)).toEqual([
      'TOO_SOON',
      'cannot go: 200 ms since the last GO; the minimum is 500 ms',
    ]);
    s = applyCommand(s, { kind: 'go', cueId: uuid(3) }, T0 + 500, ctx);
    expect(s.currentCueId).toBe(uuid(3));
    s = applyCommand(s, { kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } }, T0 + 501, ctx);
    s = applyCommand(s, { kind: 'go', cueId: uuid(5) }, T0 + 502, ctx);
    expect(s.currentCueId).toBe(uuid(5));
  });

  it('two-step mode: GO only for a cue on standby; the guards survive stop', () => {
    let s = applyCommand(
      stateIn('PLAYING'),
      { kind: 'guards', guards: { minGoIntervalMs: 500, requireStandby: true } },
      T0,
      ctx,
    );
    expect(fail(s, { kind: 'go', cueId: uuid(3) }, T0 + 1)).toEqual([
      'NOT_ON_STANDBY',
      'cannot go: "Q3" is not on standby (two-step mode: standby first, then GO)',
    ]);
    s = applyCommand(s, { kind: 'standby', cueIds: [uuid(3)] }, T0 + 2, ctx);
    s = applyCommand(s, { kind: 'go', cueId: uuid(3) }, T0 + 3, ctx);
    expect(s.currentCueId).toBe(uuid(3));
    s = applyCommand(s, { kind: 'stop' }, T0 + 4, ctx);
    expect(s.guards).toEqual({ minGoIntervalMs: 500, requireStandby: true });
  });

  it('a nudge names a crew member the show has, and a cue when given', () => {
    const hasCrew = (id: string) => id === uuid(0x71);
    const s = applyCommand(stateIn('PLAYING'), { kind: 'nudge', crewId: uuid(0x71), cueId: uuid(1) }, T0, {
      ...ctx,
      hasCrew,
    });
    expect(s.nudge).toEqual({ crewId: uuid(0x71), cueId: uuid(1), atServerMs: T0, by: actor });
    expect(fail(s, { kind: 'nudge', crewId: uuid(0x99) }, T0, { ...ctx, hasCrew })[0]).toBe('UNKNOWN_CREW');
    expect(fail(s, { kind: 'nudge', crewId: uuid(0x71), cueId: uuid(6) }, T0, { ...ctx, hasCrew })[0]).toBe(
      'NOT_A_CUE',
    );
  });

  it('house open or play starts a performance; acts and intervals alternate; stop ends it', () => {
    let s = initialPlaybackState(T0);
    expect(fail(s, { kind: 'note', text: 'hello' })[0]).toBe('INVALID_TRANSITION');
    s = applyCommand(s, { kind: 'mark', mark: 'houseOpen' }, T0, ctx);
    const perf = s.performanceId;
    expect(perf).not.toBeNull();
    expect(s.houseOpenAtServerMs).toBe(T0);
    expect(fail(s, { kind: 'mark', mark: 'houseOpen' })[1]).toBe('cannot mark houseOpen: the house is already open');
    expect(fail(s, { kind: 'mark', mark: 'actStart' })[1]).toBe(
      'cannot mark actStart: the show is not running: press play first',
    );
    s = applyCommand(s, { kind: 'play' }, T0 + 1_000, ctx);
    expect(s.performanceId).toBe(perf);
    s = applyCommand(s, { kind: 'mark', mark: 'actStart', label: 'Act 1' }, T0 + 1_000, ctx);
    expect(s.part).toEqual({ kind: 'act', label: 'Act 1', sinceServerMs: T0 + 1_000 });
    expect(fail(s, { kind: 'mark', mark: 'intervalStart' })[1]).toBe(
      'cannot mark intervalStart: the act "Act 1" is still running: end it first',
    );
    expect(fail(s, { kind: 'mark', mark: 'intervalEnd' })[1]).toBe('cannot mark intervalEnd: no interval is running');
    s = applyCommand(s, { kind: 'mark', mark: 'actEnd' }, T0 + 2_000, ctx);
    s = applyCommand(s, { kind: 'mark', mark: 'intervalStart' }, T0 + 2_000, ctx);
    expect(s.part?.label).toBe('Interval');
    s = applyCommand(s, { kind: 'note', text: 'bar queue' }, T0 + 2_500, ctx);
    s = applyCommand(s, { kind: 'complete' }, T0 + 3_000, ctx);
    expect(s.part).toBeNull();
    expect(s.performanceId).toBe(perf);
    s = applyCommand(s, { kind: 'stop' }, T0 + 4_000, ctx);
    expect(s.performanceId).toBeNull();
    s = applyCommand(s, { kind: 'play' }, T0 + 5_000, ctx);
    expect(s.performanceId).not.toBe(perf);
  });

  it('states stored before protocol 3 still read, with the new fields at their defaults', () => {
    const old: Record<string, unknown> = { ...initialPlaybackState(T0) };
    for (const k of ['acks', 'nudge', 'guards', 'performanceId', 'houseOpenAtServerMs', 'part', 'stoppedRun'])
      delete old[k];
    expect(PlaybackState.parse(old)).toEqual(initialPlaybackState(T0));
  });
});

describe('L2 reopen: an accidental stop or complete is undone into the same performance', () => {
  const fail = (s: PlaybackState, c: PlaybackCommand) => {
    try {
      applyCommand(s, c, T0 + 60_000, ctx);
    } catch (e) {
      return (e as PlaybackError).message;
    }
    return 'applied';
  };

  it('L2 a run stopped while playing reopens paused at the show time, cue and performance it had', () => {
    let s = initialPlaybackState(T0);
    const run = (c: PlaybackCommand, t: number) => (s = applyCommand(s, c, t, ctx));
    run({ kind: 'play' }, T0);
    run({ kind: 'pause' }, T0 + 5_000);
    run({ kind: 'resume' }, T0 + 7_000); // 2 s held
    run({ kind: 'mark', mark: 'actStart', label: 'Act 1' }, T0 + 7_000);
    run({ kind: 'go', cueId: uuid(1) }, T0 + 12_000);
    const perf = s.performanceId;
    const lastGo = s.lastGo;
    run({ kind: 'stop' }, T0 + 15_000); // show time 13 s
    expect(s.status).toBe('STOPPED');
    expect(showTimeAt(s, T0 + 16_000)).toBe(0);
    expect(s.performanceId).toBeNull();
    expect(s.stoppedRun?.performanceId).toBe(perf);
    expect(PlaybackState.safeParse(s).success).toBe(true);

    run({ kind: 'reopen' }, T0 + 20_000);
    expect(s.status).toBe('PAUSED');
    expect(s.performanceId).toBe(perf);
    expect(showTimeAt(s, T0 + 25_000)).toBe(13_000);
    expect(s.currentCueId).toBe(uuid(1));
    expect(s.lastGo).toEqual(lastGo);
    expect(s.part?.label).toBe('Act 1');
    expect(s.stoppedRun).toBeNull();
    // The time it stood stopped counts as held, from the stop: 2 s before + 5 s.
    expect(heldMsAt(s, T0 + 20_000)).toBe(7_000);
    run({ kind: 'resume' }, T0 + 21_000);
    expect(showTimeAt(s, T0 + 22_000)).toBe(14_000);
    expect(fail(s, { kind: 'reopen' })).toBe('cannot reopen now: the show is running');
  });

  it('L2 a run stopped during a safety hold reopens in that hold, with its reason and start', () => {
    let s = initialPlaybackState(T0);
    const run = (c: PlaybackCommand, t: number) => (s = applyCommand(s, c, t, ctx));
    run({ kind: 'play' }, T0);
    run({ kind: 'safety', reason: 'actor down' }, T0 + 3_000);
    run({ kind: 'stop' }, T0 + 4_000);
    run({ kind: 'reopen' }, T0 + 9_000);
    expect(s.status).toBe('SAFETY');
    expect(s.safetyReason).toBe('actor down');
    expect(s.pausedSinceServerMs).toBe(T0 + 3_000);
    expect(showTimeAt(s, T0 + 9_000)).toBe(3_000);
  });

  it('L2 complete reopens paused where show time froze; play or house open after a stop make it final', () => {
    let s = stateIn('COMPLETE');
    const frozen = showTimeAt(s, T0);
    const perf = s.performanceId;
    s = applyCommand(s, { kind: 'reopen' }, T0 + 1_000, ctx);
    expect(s.status).toBe('PAUSED');
    expect(s.performanceId).toBe(perf);
    expect(showTimeAt(s, T0 + 5_000)).toBe(frozen);

    const stopped = applyCommand(stateIn('PLAYING'), { kind: 'stop' }, T0, ctx);
    const replayed = applyCommand(stopped, { kind: 'play' }, T0 + 1_000, ctx);
    expect(replayed.stoppedRun).toBeNull();
    expect(replayed.performanceId).not.toBe(stopped.stoppedRun?.performanceId);
    const opened = applyCommand(stopped, { kind: 'mark', mark: 'houseOpen' }, T0 + 1_000, ctx);
    expect(opened.stoppedRun).toBeNull();
    expect(fail(stateIn('STOPPED'), { kind: 'reopen' })).toBe(
      'cannot reopen now: there is no stopped performance to reopen (press play to start one)',
    );
    for (const status of ['PLAYING', 'PAUSED', 'SAFETY'] as const)
      expect(fail(stateIn(status), { kind: 'reopen' })).toMatch(/^cannot reopen now: the show is running/);
  });
});
