/**
 * Live show playback (DESIGN §5): the state the server holds per script, the SM's commands,
 * and the pure transition function both sides share. No I/O, no clock reads: the caller passes
 * the server reference time in. docs/LIVE.md explains the model.
 *
 * Show time is computed, never stored into element offsets:
 *   PLAYING:   showMs = anchorShowMs + (serverNowMs − anchorServerMs) × rate
 *   otherwise: showMs = anchorShowMs (frozen)
 * Every command that changes how time runs re-anchors at the command's server time, so show
 * time is continuous across pause, resume and rate changes.
 *
 * Transition table (command → allowed from → result). Anything else throws a PlaybackError
 * with code INVALID_TRANSITION and a message that says what to do instead.
 *
 *   play       STOPPED                   → PLAYING  (starts the run from the current position)
 *   pause      PLAYING                   → PAUSED   (freezes show time)
 *   safety     PLAYING, PAUSED           → SAFETY   (a hold with a reason; freezes show time)
 *   resume     PAUSED, SAFETY            → PLAYING  (show time carries on from where it froze)
 *   complete   PLAYING, PAUSED, SAFETY   → COMPLETE (freezes show time, clears standby)
 *   stop       PLAYING, PAUSED, SAFETY,
 *              COMPLETE                  → STOPPED  (back to show time 0, everything cleared;
 *                                                    the run is kept in stoppedRun for reopen)
 *   reopen     STOPPED with a stoppedRun,
 *              COMPLETE                  → PAUSED   (the same performance carries on, held)
 *   seek       STOPPED, PLAYING, PAUSED,
 *              SAFETY                    → same     (moves show time; {cueId} also makes it current)
 *   standby    STOPPED, PLAYING, PAUSED,
 *              SAFETY                    → same     (replaces the standby set; [] clears it)
 *   go         PLAYING, PAUSED, SAFETY   → same     (the cue becomes current, leaves standby)
 *   highlight  every status              → same     (replaces the highlighted set)
 *   rate       STOPPED, PLAYING, PAUSED,
 *              SAFETY                    → same     (show time stays continuous)
 *   ack        STOPPED, PLAYING, PAUSED,
 *              SAFETY                    → same     (crew only: "standing by" for a cue on standby)
 *   nudge      STOPPED, PLAYING, PAUSED,
 *              SAFETY                    → same     (one crew member's devices vibrate and sound)
 *   guards     every status              → same     (minimum time between GOs, two-step mode)
 *   mark       houseOpen: STOPPED; act/interval start and end: PLAYING, PAUSED, SAFETY
 *   note       every status but STOPPED without a performance → same (a timestamped SM note)
 *
 * Performances (DESIGN §5): a run of the show is a performance. It starts with house open or
 * play from STOPPED (ctx.newId() names it), ends with complete or stop; every event of the run
 * is logged under it and the show report is computed from them (report.ts).
 */
import { z } from 'zod';
import { Id, type Element } from './domain';
import { Actor } from './actor';
import { timeOrder } from './tree';
import { isVisible, type View } from './view';
import { STOPPED_RUN_SINCE } from './version';

export const PLAYBACK_STATUSES = ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY', 'COMPLETE'] as const;
export const PlaybackStatus = z.enum(PLAYBACK_STATUSES);
export type PlaybackStatus = z.infer<typeof PlaybackStatus>;

/** Rehearsal speeds: 0.5× to 2×; 1 is a performance. */
export const MIN_RATE = 0.5;
export const MAX_RATE = 2;
export const PlaybackRate = z.number().min(MIN_RATE).max(MAX_RATE);

/** Limits that keep a state small enough to broadcast on every change. */
export const PLAYBACK_LIMITS = {
  maxStandby: 50,
  maxHighlighted: 500,
  maxReasonLength: 500,
  /** Acknowledgements held at once (standby cues × crew answering them). */
  maxAcks: 1000,
  maxNoteLength: 2000,
  maxLabelLength: 80,
  /** Longest minimum time between GOs a guard may ask for. */
  maxGoIntervalMs: 10_000,
} as const;

/** Server reference time, ms since the Unix epoch (may carry fractions). */
const ServerMs = z.number().finite().min(0);
/** Show time may run before 0 (pre-show) and past the end, within the offset range's double. */
const ShowMs = z
  .number()
  .finite()
  .min(-4 * 48 * 3600 * 1000)
  .max(4 * 48 * 3600 * 1000);

const uniqueIds = (max: number) =>
  z
    .array(Id)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat');

export const LastGo = z.strictObject({
  cueId: Id,
  /** Server reference time of the call: a device that shows it late knows by how much. */
  atServerMs: ServerMs,
  /** Show time at the call, for the report (planned vs actual). */
  atShowMs: ShowMs,
  by: Actor,
});
export type LastGo = z.infer<typeof LastGo>;

/** A crew member's "standing by" for a cue on standby (one per crew member and cue, the first kept). */
export const StandbyAck = z.strictObject({
  cueId: Id,
  crewId: Id,
  name: z.string(),
  atServerMs: ServerMs,
});
export type StandbyAck = z.infer<typeof StandbyAck>;

/** The last nudge: the devices of crew member crewId vibrate and sound when it changes. */
export const Nudge = z.strictObject({
  crewId: Id,
  cueId: Id.nullable(),
  atServerMs: ServerMs,
  by: Actor,
});
export type Nudge = z.infer<typeof Nudge>;

/** Guards against a double GO, set by the SM and kept across runs. */
export const GoGuards = z.strictObject({
  /** A GO within this many ms of the last one is refused (TOO_SOON); 0 turns the guard off. */
  minGoIntervalMs: z.number().int().min(0).max(PLAYBACK_LIMITS.maxGoIntervalMs),
  /** Two-step mode: GO only for a cue on standby (NOT_ON_STANDBY otherwise). */
  requireStandby: z.boolean(),
});
export type GoGuards = z.infer<typeof GoGuards>;
/**
 * On by default: a second GO within half a second of the last is refused (a double tap on a
 * phone, a bounced key, two fingers), which costs an SM calling two cues in one breath a second
 * press. The SM may lower it to 0 (off); two-step mode is theirs to turn on.
 */
export const DEFAULT_GO_GUARDS: GoGuards = { minGoIntervalMs: 500, requireStandby: false };

export const PART_KINDS = ['act', 'interval'] as const;
/** The act or interval running now, for every device's header and the report. */
export const ShowPart = z.strictObject({
  kind: z.enum(PART_KINDS),
  label: z.string().max(PLAYBACK_LIMITS.maxLabelLength),
  sinceServerMs: ServerMs,
});
export type ShowPart = z.infer<typeof ShowPart>;

/**
 * What stop cleared, kept so that an accidental stop can be undone into the same performance
 * (reopen, SPEC L2): where show time and the calls stood, and the hold the run was in.
 */
export const StoppedRun = z.strictObject({
  performanceId: Id,
  stoppedAtServerMs: ServerMs,
  /** Show time at the stop. */
  showMs: ShowMs,
  startedAtServerMs: ServerMs.nullable(),
  /** Held ms of the run before its last hold began. */
  pausedMs: z.number().finite().min(0),
  /** Start of the hold a reopen continues: the run's open hold, or the stop itself. */
  heldSinceServerMs: ServerMs,
  safetyReason: z.string().max(PLAYBACK_LIMITS.maxReasonLength).nullable(),
  currentCueId: Id.nullable(),
  currentCueOffsetMs: ShowMs.nullable(),
  lastGo: LastGo.nullable(),
  houseOpenAtServerMs: ServerMs.nullable(),
  part: ShowPart.nullable(),
});
export type StoppedRun = z.infer<typeof StoppedRun>;

export const PlaybackState = z.strictObject({
  status: PlaybackStatus,
  /** Server time at which show time was last anchored. */
  anchorServerMs: ServerMs,
  /** Show time at anchorServerMs. */
  anchorShowMs: ShowMs,
  rate: PlaybackRate,
  /** When this run started (play from STOPPED); null while stopped. */
  startedAtServerMs: ServerMs.nullable(),
  /** Server ms spent in PAUSED and SAFETY during this run, not counting the current hold. */
  pausedMs: z.number().finite().min(0),
  /** Start of the current PAUSED/SAFETY hold; null otherwise. */
  pausedSinceServerMs: ServerMs.nullable(),
  /** The cue most recently called (go) or sought to. */
  currentCueId: Id.nullable(),
  /** The current cue's offset when it became current: places it in time order for views that cannot see it. */
  currentCueOffsetMs: ShowMs.nullable(),
  standbyCueIds: uniqueIds(PLAYBACK_LIMITS.maxStandby),
  highlightedIds: uniqueIds(PLAYBACK_LIMITS.maxHighlighted),
  lastGo: LastGo.nullable(),
  safetyReason: z.string().max(PLAYBACK_LIMITS.maxReasonLength).nullable(),
  /** Acknowledgements of the cues on standby (dropped when the cue leaves standby). */
  acks: z.array(StandbyAck).max(PLAYBACK_LIMITS.maxAcks).default([]),
  nudge: Nudge.nullable().default(null),
  guards: GoGuards.default(DEFAULT_GO_GUARDS),
  /** The performance this run belongs to (from house open or play to stop); null between runs. */
  performanceId: Id.nullable().default(null),
  /** When the house opened for this performance; null before. */
  houseOpenAtServerMs: ServerMs.nullable().default(null),
  part: ShowPart.nullable().default(null),
  /** The run the last stop ended, while it may be reopened (until play or house open starts another). */
  stoppedRun: StoppedRun.nullable().default(null),
  /** Server time of the last change; commands never move time backwards past it. */
  updatedAtServerMs: ServerMs,
  /** Bumped by one on every applied command (0: never commanded). */
  version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type PlaybackState = z.infer<typeof PlaybackState>;

// ---- commands --------------------------------------------------------------------------------

export const PlayCommand = z.strictObject({ kind: z.literal('play') });
export const PauseCommand = z.strictObject({ kind: z.literal('pause') });
export const SafetyCommand = z.strictObject({
  kind: z.literal('safety'),
  reason: z.string().trim().min(1, 'say why the show is held').max(PLAYBACK_LIMITS.maxReasonLength),
});
export const ResumeCommand = z.strictObject({ kind: z.literal('resume') });
export const CompleteCommand = z.strictObject({ kind: z.literal('complete') });
export const StopCommand = z.strictObject({ kind: z.literal('stop') });
/** Undo an accidental stop (or complete): the same performance carries on, held (SPEC L2). */
export const ReopenCommand = z.strictObject({ kind: z.literal('reopen') });
/** Seek to a show time, or to a cue's planned time (which then becomes the current cue). */
export const SeekCommand = z
  .strictObject({ kind: z.literal('seek'), showMs: ShowMs.optional(), cueId: Id.optional() })
  .refine((c) => (c.showMs === undefined) !== (c.cueId === undefined), 'give either showMs or cueId, not both');
export const StandbyCommand = z.strictObject({
  kind: z.literal('standby'),
  cueIds: uniqueIds(PLAYBACK_LIMITS.maxStandby),
});
export const GoCommand = z.strictObject({ kind: z.literal('go'), cueId: Id });
export const HighlightCommand = z.strictObject({
  kind: z.literal('highlight'),
  ids: uniqueIds(PLAYBACK_LIMITS.maxHighlighted),
});
export const RateCommand = z.strictObject({ kind: z.literal('rate'), rate: PlaybackRate });
/** Crew: "standing by" for a cue on standby in their departments. */
export const AckCommand = z.strictObject({ kind: z.literal('ack'), cueId: Id });
/** SM: make one crew member's devices vibrate and sound (optionally about one cue). */
export const NudgeCommand = z.strictObject({ kind: z.literal('nudge'), crewId: Id, cueId: Id.optional() });
export const GuardsCommand = z.strictObject({ kind: z.literal('guards'), guards: GoGuards });
export const MARKS = ['houseOpen', 'actStart', 'actEnd', 'intervalStart', 'intervalEnd'] as const;
export type Mark = (typeof MARKS)[number];
/** SM: a moment of the performance — house open, an act or interval starting or ending. */
export const MarkCommand = z.strictObject({
  kind: z.literal('mark'),
  mark: z.enum(MARKS),
  /** "Act 1", "Interval"; "Act" or "Interval" when absent (the SM panel numbers them). */
  label: z.string().trim().min(1).max(PLAYBACK_LIMITS.maxLabelLength).optional(),
});
/** SM: a note for the show report, stamped with server and show time. */
export const NoteCommand = z.strictObject({
  kind: z.literal('note'),
  text: z.string().trim().min(1, 'the note is empty').max(PLAYBACK_LIMITS.maxNoteLength),
});

export const PlaybackCommand = z.discriminatedUnion('kind', [
  PlayCommand,
  PauseCommand,
  SafetyCommand,
  ResumeCommand,
  CompleteCommand,
  StopCommand,
  ReopenCommand,
  SeekCommand,
  StandbyCommand,
  GoCommand,
  HighlightCommand,
  RateCommand,
  AckCommand,
  NudgeCommand,
  GuardsCommand,
  MarkCommand,
  NoteCommand,
]);
export type PlaybackCommand = z.infer<typeof PlaybackCommand>;
export type PlaybackCommandKind = PlaybackCommand['kind'];

export const PLAYBACK_COMMAND_KINDS = [
  'play',
  'pause',
  'safety',
  'resume',
  'complete',
  'stop',
  'reopen',
  'seek',
  'standby',
  'go',
  'highlight',
  'rate',
  'ack',
  'nudge',
  'guards',
  'mark',
  'note',
] as const satisfies readonly PlaybackCommandKind[];

/** Which statuses accept each command: the transition table above, as data. */
export const ALLOWED_FROM: Readonly<Record<PlaybackCommandKind, readonly PlaybackStatus[]>> = {
  play: ['STOPPED'],
  pause: ['PLAYING'],
  safety: ['PLAYING', 'PAUSED'],
  resume: ['PAUSED', 'SAFETY'],
  complete: ['PLAYING', 'PAUSED', 'SAFETY'],
  stop: ['PLAYING', 'PAUSED', 'SAFETY', 'COMPLETE'],
  reopen: ['STOPPED', 'COMPLETE'],
  seek: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  standby: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  go: ['PLAYING', 'PAUSED', 'SAFETY'],
  highlight: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY', 'COMPLETE'],
  rate: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  ack: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  nudge: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  guards: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY', 'COMPLETE'],
  mark: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY'],
  note: ['STOPPED', 'PLAYING', 'PAUSED', 'SAFETY', 'COMPLETE'],
};

/** Commands a crew link may send; every other command is the SM's (or an editor's). */
export const CREW_COMMANDS: readonly PlaybackCommandKind[] = ['ack'];

// ---- errors ----------------------------------------------------------------------------------

export type PlaybackErrorCode =
  /** The command is not allowed in the current status. */
  | 'INVALID_TRANSITION'
  /** A cue or element id that the script does not hold. */
  | 'UNKNOWN_ELEMENT'
  /** An element that is not a cue where a cue is needed (go, standby, seek to a cue). */
  | 'NOT_A_CUE'
  /** Two-step mode: GO of a cue not on standby; or an ack of a cue not on standby. */
  | 'NOT_ON_STANDBY'
  /** A GO inside the minimum time since the last GO (a double tap). */
  | 'TOO_SOON'
  /** A crew member named by nudge that this show does not have, or an ack outside one's view. */
  | 'UNKNOWN_CREW';

export const PLAYBACK_ERROR_CODES = [
  'INVALID_TRANSITION',
  'UNKNOWN_ELEMENT',
  'NOT_A_CUE',
  'NOT_ON_STANDBY',
  'TOO_SOON',
  'UNKNOWN_CREW',
] as const satisfies readonly PlaybackErrorCode[];

export class PlaybackError extends Error {
  constructor(
    readonly code: PlaybackErrorCode,
    message: string,
    readonly command: PlaybackCommandKind,
  ) {
    super(message);
    this.name = 'PlaybackError';
  }
}

/** What to say instead, per status, when a command does not apply there. */
function refusal(kind: PlaybackCommandKind, status: PlaybackStatus): string {
  const hint: Partial<Record<PlaybackCommandKind, Partial<Record<PlaybackStatus, string>>>> = {
    play: {
      PLAYING: 'the show is already playing',
      PAUSED: 'the show is paused: resume it instead',
      SAFETY: 'the show is held for safety: resume it instead',
      COMPLETE: 'the show is complete: stop it first to start a new run',
    },
    pause: {
      STOPPED: 'the show is not running',
      PAUSED: 'the show is already paused',
      SAFETY: 'the show is already held for safety',
      COMPLETE: 'the show is complete',
    },
    safety: {
      STOPPED: 'the show is not running',
      SAFETY: 'the show is already held for safety',
      COMPLETE: 'the show is complete',
    },
    resume: {
      STOPPED: 'the show is stopped: press play to start it',
      PLAYING: 'the show is already playing',
      COMPLETE: 'the show is complete: stop it first to start a new run',
    },
    complete: { STOPPED: 'the show is not running', COMPLETE: 'the show is already complete' },
    stop: { STOPPED: 'the show is already stopped' },
    reopen: {
      PLAYING: 'the show is running',
      PAUSED: 'the show is running (paused)',
      SAFETY: 'the show is running (held for safety)',
    },
    go: {
      STOPPED: 'the show is not running: press play before calling cues',
      COMPLETE: 'the show is complete: stop it first to start a new run',
    },
  };
  const why = hint[kind]?.[status] ?? `the show is ${status.toLowerCase()}: stop it first to start a new run`;
  return `cannot ${kind} now: ${why}`;
}

// ---- applying commands -----------------------------------------------------------------------

export interface CommandContext {
  /** Who sent the command (recorded on go). */
  actor: Actor;
  /** Looks up an element of the script by id; undefined when the script has no such element. */
  element(id: string): Element | undefined;
  /** The crew member sending (ack): their id and whether a cue is in their view. */
  crew?: { crewId: string; name: string; sees(cue: Element): boolean };
  /** Whether the show has this crew member (nudge); absent: any id is taken. */
  hasCrew?(crewId: string): boolean;
  /** A new id, for the performance a run starts (needed by play from STOPPED and house open). */
  newId?(): string;
}

export function initialPlaybackState(serverNowMs = 0): PlaybackState {
  return {
    status: 'STOPPED',
    anchorServerMs: serverNowMs,
    anchorShowMs: 0,
    rate: 1,
    startedAtServerMs: null,
    pausedMs: 0,
    pausedSinceServerMs: null,
    currentCueId: null,
    currentCueOffsetMs: null,
    standbyCueIds: [],
    highlightedIds: [],
    lastGo: null,
    safetyReason: null,
    acks: [],
    nudge: null,
    guards: DEFAULT_GO_GUARDS,
    performanceId: null,
    houseOpenAtServerMs: null,
    part: null,
    stoppedRun: null,
    updatedAtServerMs: serverNowMs,
    version: 0,
  };
}

/** The state as a client of `protocol` reads it: before STOPPED_RUN_SINCE, without stoppedRun. */
export function playbackForProtocol(
  state: PlaybackState,
  protocol: number,
): PlaybackState | Omit<PlaybackState, 'stoppedRun'> {
  if (protocol >= STOPPED_RUN_SINCE) return state;
  const { stoppedRun: _dropped, ...older } = state;
  return older;
}

/** Show time at a server time. Never write it into element offsets. */
export function showTimeAt(state: PlaybackState, serverNowMs: number): number {
  if (state.status !== 'PLAYING') return state.anchorShowMs;
  return state.anchorShowMs + (serverNowMs - state.anchorServerMs) * state.rate;
}

/** Server ms held (PAUSED or SAFETY) during this run, up to serverNowMs. */
export function heldMsAt(state: PlaybackState, serverNowMs: number): number {
  const current = state.pausedSinceServerMs === null ? 0 : Math.max(0, serverNowMs - state.pausedSinceServerMs);
  return state.pausedMs + current;
}

/**
 * The state after `command` at `serverNowMs`, with version + 1; throws PlaybackError when the
 * command does not apply. The input state is not changed. Time never runs backwards in the
 * state: a command stamped earlier than the last change (it waited for a lock) counts as
 * happening at the last change.
 */
export function applyCommand(
  state: PlaybackState,
  command: PlaybackCommand,
  serverNowMs: number,
  ctx: CommandContext,
): PlaybackState {
  const kind = command.kind;
  if (!ALLOWED_FROM[kind].includes(state.status))
    throw new PlaybackError('INVALID_TRANSITION', refusal(kind, state.status), kind);
  const now = Math.max(serverNowMs, state.updatedAtServerMs);
  const showNow = showTimeAt(state, now);
  const next: PlaybackState = { ...state, updatedAtServerMs: now, version: state.version + 1 };
  /** Freeze or restart show time at `now` from `showMs`. */
  const anchor = (showMs: number) => {
    next.anchorServerMs = now;
    next.anchorShowMs = showMs;
  };
  /** Close the current hold, adding it to the run's paused total. */
  const endHold = () => {
    next.pausedMs = heldMsAt(state, now);
    next.pausedSinceServerMs = null;
  };
  /** A run needs a performance: house open or play from STOPPED starts one. */
  const startPerformance = () => {
    if (state.performanceId !== null) return;
    if (!ctx.newId) throw new Error('applyCommand: ctx.newId is needed to start a performance');
    next.performanceId = ctx.newId();
  };
  /** Keep only the acks of cues still on standby. */
  const keepAcks = () => {
    const standby = new Set(next.standbyCueIds);
    next.acks = state.acks.filter((a) => standby.has(a.cueId));
  };

  switch (command.kind) {
    case 'play':
      next.status = 'PLAYING';
      anchor(state.anchorShowMs);
      next.startedAtServerMs = now;
      next.pausedMs = 0;
      next.pausedSinceServerMs = null;
      next.stoppedRun = null;
      startPerformance();
      break;
    case 'pause':
      next.status = 'PAUSED';
      anchor(showNow);
      next.pausedSinceServerMs = now;
      break;
    case 'safety':
      next.status = 'SAFETY';
      anchor(showNow);
      next.safetyReason = command.reason;
      if (state.pausedSinceServerMs === null) next.pausedSinceServerMs = now;
      break;
    case 'resume':
      next.status = 'PLAYING';
      anchor(showNow);
      endHold();
      next.safetyReason = null;
      break;
    case 'complete':
      next.status = 'COMPLETE';
      anchor(showNow);
      endHold();
      next.safetyReason = null;
      next.standbyCueIds = [];
      next.acks = [];
      next.part = null;
      break;
    case 'stop':
      return {
        ...initialPlaybackState(now),
        rate: state.rate,
        guards: state.guards,
        stoppedRun: state.performanceId === null ? null : stoppedRunOf(state, now, showNow, state.performanceId),
        version: state.version + 1,
      };
    case 'reopen': {
      if (state.status === 'COMPLETE') {
        // Complete froze show time where it was: carry on from there, held from now.
        next.status = 'PAUSED';
        anchor(showNow);
        next.pausedSinceServerMs = now;
        break;
      }
      const run = state.stoppedRun;
      if (!run)
        throw new PlaybackError(
          'INVALID_TRANSITION',
          'cannot reopen now: there is no stopped performance to reopen (press play to start one)',
          'reopen',
        );
      next.status = run.safetyReason === null ? 'PAUSED' : 'SAFETY';
      anchor(run.showMs);
      next.startedAtServerMs = run.startedAtServerMs;
      next.pausedMs = run.pausedMs;
      next.pausedSinceServerMs = run.heldSinceServerMs;
      next.safetyReason = run.safetyReason;
      next.currentCueId = run.currentCueId;
      next.currentCueOffsetMs = run.currentCueOffsetMs;
      next.lastGo = run.lastGo;
      next.performanceId = run.performanceId;
      next.houseOpenAtServerMs = run.houseOpenAtServerMs;
      next.part = run.part;
      next.stoppedRun = null;
      break;
    }
    case 'seek': {
      if (command.cueId !== undefined) {
        const cue = requireCue(ctx, command.cueId, 'seek');
        anchor(cue.offsetMs);
        next.currentCueId = cue.id;
        next.currentCueOffsetMs = cue.offsetMs;
      } else anchor(command.showMs ?? showNow);
      break;
    }
    case 'standby':
      for (const id of command.cueIds) requireCue(ctx, id, 'standby');
      next.standbyCueIds = [...command.cueIds];
      keepAcks();
      break;
    case 'go': {
      const cue = requireCue(ctx, command.cueId, 'go');
      const { minGoIntervalMs, requireStandby } = state.guards;
      if (requireStandby && !state.standbyCueIds.includes(cue.id))
        throw new PlaybackError(
          'NOT_ON_STANDBY',
          `cannot go: "${cue.name}" is not on standby (two-step mode: standby first, then GO)`,
          'go',
        );
      if (state.lastGo && minGoIntervalMs > 0 && now - state.lastGo.atServerMs < minGoIntervalMs)
        throw new PlaybackError(
          'TOO_SOON',
          `cannot go: ${Math.round(now - state.lastGo.atServerMs)} ms since the last GO; the minimum is ${minGoIntervalMs} ms`,
          'go',
        );
      next.currentCueId = cue.id;
      next.currentCueOffsetMs = cue.offsetMs;
      next.standbyCueIds = state.standbyCueIds.filter((id) => id !== cue.id);
      keepAcks();
      next.lastGo = { cueId: cue.id, atServerMs: now, atShowMs: showNow, by: ctx.actor };
      break;
    }
    case 'highlight':
      for (const id of command.ids)
        if (!ctx.element(id))
          throw new PlaybackError('UNKNOWN_ELEMENT', `cannot highlight: no element ${id} in this script`, 'highlight');
      next.highlightedIds = [...command.ids];
      break;
    case 'rate':
      // Re-anchor first so the time already run keeps its old speed.
      anchor(showNow);
      next.rate = command.rate;
      break;
    case 'ack': {
      const crew = ctx.crew;
      if (!crew) throw new PlaybackError('UNKNOWN_CREW', 'cannot ack: only a crew link answers a standby', 'ack');
      const cue = ctx.element(command.cueId);
      if (!cue || cue.type !== 'CUE' || !crew.sees(cue))
        throw new PlaybackError('UNKNOWN_ELEMENT', `cannot ack: no cue ${command.cueId} in your view`, 'ack');
      if (!state.standbyCueIds.includes(cue.id))
        throw new PlaybackError('NOT_ON_STANDBY', `cannot ack: "${cue.name}" is not on standby now`, 'ack');
      if (state.acks.some((a) => a.cueId === cue.id && a.crewId === crew.crewId)) break; // the first answer counts
      if (state.acks.length >= PLAYBACK_LIMITS.maxAcks)
        throw new PlaybackError('INVALID_TRANSITION', 'cannot ack: too many acknowledgements held', 'ack');
      next.acks = [...state.acks, { cueId: cue.id, crewId: crew.crewId, name: crew.name, atServerMs: now }];
      break;
    }
    case 'nudge':
      if (ctx.hasCrew && !ctx.hasCrew(command.crewId))
        throw new PlaybackError(
          'UNKNOWN_CREW',
          `cannot nudge: this show has no crew member ${command.crewId}`,
          'nudge',
        );
      if (command.cueId !== undefined) requireCue(ctx, command.cueId, 'nudge');
      next.nudge = { crewId: command.crewId, cueId: command.cueId ?? null, atServerMs: now, by: ctx.actor };
      break;
    case 'guards':
      next.guards = { ...command.guards };
      break;
    case 'mark':
      applyMark(state, next, command.mark, command.label, now, startPerformance);
      break;
    case 'note':
      if (state.performanceId === null)
        throw new PlaybackError(
          'INVALID_TRANSITION',
          'cannot note: no performance is running (open the house or play)',
          'note',
        );
      break;
  }
  return next;
}

/**
 * The run a stop ends, for reopen: a run stopped while held carries on in that hold (its start
 * and reason kept); one stopped while playing or complete is held from the stop.
 */
function stoppedRunOf(state: PlaybackState, now: number, showNow: number, performanceId: string): StoppedRun {
  return {
    performanceId,
    stoppedAtServerMs: now,
    showMs: showNow,
    startedAtServerMs: state.startedAtServerMs,
    pausedMs: state.pausedMs,
    heldSinceServerMs: state.pausedSinceServerMs ?? now,
    safetyReason: state.status === 'SAFETY' ? state.safetyReason : null,
    currentCueId: state.currentCueId,
    currentCueOffsetMs: state.currentCueOffsetMs,
    lastGo: state.lastGo,
    houseOpenAtServerMs: state.houseOpenAtServerMs,
    part: state.part,
  };
}

/** House open starts a performance; acts and intervals alternate, one running at a time. */
function applyMark(
  state: PlaybackState,
  next: PlaybackState,
  mark: Mark,
  label: string | undefined,
  now: number,
  startPerformance: () => void,
): void {
  const refuse = (why: string) => {
    throw new PlaybackError('INVALID_TRANSITION', `cannot mark ${mark}: ${why}`, 'mark');
  };
  const running = state.status !== 'STOPPED';
  switch (mark) {
    case 'houseOpen':
      if (running) refuse('the show is already running');
      if (state.houseOpenAtServerMs !== null) refuse('the house is already open');
      startPerformance();
      next.stoppedRun = null;
      next.houseOpenAtServerMs = now;
      return;
    case 'actStart':
    case 'intervalStart': {
      if (!running) refuse('the show is not running: press play first');
      const kind = mark === 'actStart' ? 'act' : 'interval';
      if (state.part) refuse(`the ${state.part.kind} "${state.part.label}" is still running: end it first`);
      next.part = { kind, label: label ?? (kind === 'act' ? 'Act' : 'Interval'), sinceServerMs: now };
      return;
    }
    case 'actEnd':
    case 'intervalEnd': {
      const kind = mark === 'actEnd' ? 'act' : 'interval';
      if (state.part?.kind !== kind) refuse(`no ${kind} is running`);
      next.part = null;
      return;
    }
  }
}

function requireCue(ctx: CommandContext, id: string, kind: PlaybackCommandKind): Element {
  const el = ctx.element(id);
  if (!el) throw new PlaybackError('UNKNOWN_ELEMENT', `cannot ${kind}: no cue ${id} in this script`, kind);
  if (el.type !== 'CUE')
    throw new PlaybackError('NOT_A_CUE', `cannot ${kind}: "${el.name}" is a ${el.type.toLowerCase()}, not a cue`, kind);
  return el;
}

/** Element ids a command refers to: what a store must look up before applying it. */
export function commandElementIds(command: PlaybackCommand): string[] {
  switch (command.kind) {
    case 'seek':
      return command.cueId === undefined ? [] : [command.cueId];
    case 'standby':
      return command.cueIds;
    case 'go':
      return [command.cueId];
    case 'highlight':
      return command.ids;
    case 'ack':
      return [command.cueId];
    case 'nudge':
      return command.cueId === undefined ? [] : [command.cueId];
    default:
      return [];
  }
}

// ---- cue lists for the SM and crew views -----------------------------------------------------

export type CueStatus = 'past' | 'current' | 'standby' | 'upcoming';

export interface CueRow {
  cue: Element;
  status: CueStatus;
  /** Show ms until the cue's planned time (negative: its time has passed). */
  countdownMs: number;
  /** Real ms until then at the current rate, while PLAYING and still ahead; null otherwise. */
  etaMs: number | null;
}

export interface CueListOptions {
  /**
   * A cue after the current one whose planned time passed more than this long ago, and that is
   * not on standby, counts as past: the show moved on without calling it. Default 60 s.
   */
  overdueMs?: number;
}

/**
 * Every cue the view may see, in time order, with its status and countdown. A cue is past when
 * it comes before the current cue in time order (or is overdue, see overdueMs); the current
 * cue's position is known from its recorded offset even in views that cannot see it.
 */
export function cueRows(
  state: PlaybackState,
  elements: Iterable<Element>,
  serverNowMs: number,
  view: View,
  opts: CueListOptions = {},
): CueRow[] {
  const overdueMs = opts.overdueMs ?? 60_000;
  const showMs = showTimeAt(state, serverNowMs);
  const ordered = timeOrder(elements).filter((el) => el.type === 'CUE');
  const currentIndex = state.currentCueId === null ? -1 : ordered.findIndex((el) => el.id === state.currentCueId);
  const standby = new Set(state.standbyCueIds);
  const rows: CueRow[] = [];
  ordered.forEach((cue, index) => {
    if (!isVisible(view, cue)) return;
    const countdownMs = cue.offsetMs - showMs;
    let status: CueStatus;
    if (cue.id === state.currentCueId) status = 'current';
    else if (standby.has(cue.id)) status = 'standby';
    else if (currentIndex >= 0 ? index < currentIndex : isBeforeCurrent(state, cue)) status = 'past';
    else if (countdownMs < -overdueMs) status = 'past';
    else status = 'upcoming';
    const etaMs = state.status === 'PLAYING' && countdownMs >= 0 ? countdownMs / state.rate : null;
    rows.push({ cue, status, countdownMs, etaMs });
  });
  return rows;
}

/** Without the current cue in hand, order by its recorded offset (ties count as not past). */
function isBeforeCurrent(state: PlaybackState, cue: Element): boolean {
  return state.currentCueOffsetMs !== null && cue.offsetMs < state.currentCueOffsetMs;
}

/** The cues still to call (on standby or upcoming), in time order, at most `limit`. */
export function nextCues(
  state: PlaybackState,
  elements: Iterable<Element>,
  serverNowMs: number,
  view: View,
  limit = 5,
  opts: CueListOptions = {},
): CueRow[] {
  return cueRows(state, elements, serverNowMs, view, opts)
    .filter((r) => r.status === 'standby' || r.status === 'upcoming')
    .slice(0, limit);
}
