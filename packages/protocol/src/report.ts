/**
 * Performances and the show report (issue 8, DESIGN §5). The server logs every call of a run as
 * a show event; the report is computed from those events alone by one pure function, so what
 * the SM sees, prints and exports is what the log says. docs/LIVE.md describes the figures.
 */
import { z } from 'zod';
import { Id } from './domain';
import { Actor } from './actor';
import type { Mark, PlaybackCommand } from './playback';

/** A run of the show: from house open (or play) to complete or stop. */
export const Performance = z.strictObject({
  id: Id,
  scriptId: Id,
  /** 1, 2, 3… per script, in the order the runs started. */
  number: z.number().int().min(1),
  startedAtServerMs: z.number(),
  /** Null while the run goes on. */
  endedAtServerMs: z.number().nullable(),
  calledBy: Actor,
  /** The SM's notes written after the show (timestamped notes during it are events). */
  notes: z.string(),
});
export type Performance = z.infer<typeof Performance>;

export const PerformanceNotesBody = z.strictObject({ notes: z.string().max(20_000) });

/** A crew member expected to answer a standby, and whether and when they did. */
export interface StandbyAnswer {
  crewId: string;
  name: string;
}

/** What a show event's data may carry (server: ShowEventData). */
export interface ShowEventDataWire {
  command?: PlaybackCommand;
  status?: string;
  showMs?: number;
  /** For go, ack, nudge: the cue as it was then. */
  cue?: { id: string; name: string; offsetMs: number };
  /** Cues that left standby with this event, with who should have answered and who did. */
  ended?: {
    cueId: string;
    name: string;
    expected: StandbyAnswer[];
    acked: (StandbyAnswer & { atServerMs: number })[];
  }[];
  [key: string]: unknown;
}

/** One show event as the REST API gives it. */
export interface ShowEventWire {
  id: number;
  performanceId: string | null;
  serverMs: number;
  kind: string;
  actor: Actor & { id: string | null };
  data: ShowEventDataWire;
  version: number | null;
}

export interface ReportPart {
  kind: 'act' | 'interval';
  label: string;
  startAtServerMs: number;
  endAtServerMs: number | null;
  durationMs: number | null;
}

export interface ReportCue {
  cueId: string;
  name: string;
  plannedMs: number;
  /** Show time of the GO; null when the cue was not called. */
  actualMs: number | null;
  goAtServerMs: number | null;
  /** actual − planned (positive: late). */
  deltaMs: number | null;
  late: boolean;
  /** Called more than the threshold before its planned time. */
  early: boolean;
  by: string | null;
}

export interface ReportHold {
  kind: 'pause' | 'safety';
  reason: string | null;
  atServerMs: number;
  showMs: number | null;
  /** Null when the run ended held. */
  durationMs: number | null;
  by: string;
}

export interface ReportStandby {
  cueId: string;
  name: string;
  standbyAtServerMs: number | null;
  /** How the standby ended: the cue's GO, or the SM cleared it, or the run ended. */
  endedBy: 'go' | 'cleared' | 'end';
  endedAtServerMs: number;
  acked: { crewId: string; name: string; afterMs: number | null }[];
  unacknowledged: StandbyAnswer[];
}

export interface ShowReport {
  performance: Performance;
  houseOpenAtServerMs: number | null;
  /** First play of the run. */
  startAtServerMs: number | null;
  /** Complete (or stop, when never completed). */
  endAtServerMs: number | null;
  /** From start to end, real time. */
  totalMs: number | null;
  /** Real time held (pause and safety) inside it. */
  heldMs: number;
  parts: ReportPart[];
  lateThresholdMs: number;
  cues: ReportCue[];
  lateGos: number;
  earlyGos: number;
  holds: ReportHold[];
  standbys: ReportStandby[];
  notes: { atServerMs: number; showMs: number | null; text: string; by: string }[];
  nudges: { atServerMs: number; crewId: string; by: string }[];
  events: number;
}

export interface ReportCueInput {
  id: string;
  name: string;
  offsetMs: number;
}

/** A GO later than this (show time) counts as late, one earlier than this before its time as early. */
export const DEFAULT_LATE_THRESHOLD_MS = 1_000;

const MARK_PART: Record<Exclude<Mark, 'houseOpen'>, { kind: 'act' | 'interval'; start: boolean }> = {
  actStart: { kind: 'act', start: true },
  actEnd: { kind: 'act', start: false },
  intervalStart: { kind: 'interval', start: true },
  intervalEnd: { kind: 'interval', start: false },
};

/**
 * The report of one performance from its events (oldest first) and the script's cues in time
 * order (cues no longer in the script but called during the run are listed from the log).
 */
export function showReport(
  performance: Performance,
  events: readonly ShowEventWire[],
  cues: readonly ReportCueInput[],
  lateThresholdMs = DEFAULT_LATE_THRESHOLD_MS,
): ShowReport {
  let houseOpenAt: number | null = null;
  let startAt: number | null = null;
  let endAt: number | null = null;
  let heldMs = 0;
  const parts: ReportPart[] = [];
  const holds: ReportHold[] = [];
  const standbys: ReportStandby[] = [];
  const notes: ShowReport['notes'] = [];
  const nudges: ShowReport['nudges'] = [];
  const gos = new Map<string, { name: string; plannedMs: number; actualMs: number; at: number; by: string }>();
  const standbyAt = new Map<string, number>();
  let openHold: ReportHold | null = null;
  let openPart: ReportPart | null = null;
  /** What the last complete or stop closed, so that a reopen carries it on (SPEC L2). */
  let ended: { at: number; hold: ReportHold | null; part: ReportPart | null } | null = null;

  const closeHold = (at: number) => {
    if (!openHold) return;
    openHold.durationMs = at - openHold.atServerMs;
    heldMs += openHold.durationMs;
    openHold = null;
  };
  const closePart = (at: number) => {
    if (!openPart) return;
    openPart.endAtServerMs = at;
    openPart.durationMs = at - openPart.startAtServerMs;
    openPart = null;
  };

  for (const ev of events) {
    const cmd = ev.data.command;
    const at = ev.serverMs;
    const showMs = typeof ev.data.showMs === 'number' ? ev.data.showMs : null;
    for (const end of ev.data.ended ?? []) {
      const ackedIds = new Set(end.acked.map((a) => a.crewId));
      const since = standbyAt.get(end.cueId) ?? null;
      standbys.push({
        cueId: end.cueId,
        name: end.name,
        standbyAtServerMs: since,
        endedBy:
          ev.kind === 'go' && cmd?.kind === 'go' && cmd.cueId === end.cueId
            ? 'go'
            : ev.kind === 'standby'
              ? 'cleared'
              : 'end',
        endedAtServerMs: at,
        acked: end.acked.map((a) => ({
          crewId: a.crewId,
          name: a.name,
          afterMs: since === null ? null : a.atServerMs - since,
        })),
        unacknowledged: end.expected.filter((e) => !ackedIds.has(e.crewId)),
      });
      standbyAt.delete(end.cueId);
    }
    if (!cmd) continue;
    switch (cmd.kind) {
      case 'play':
        startAt ??= at;
        break;
      case 'pause':
      case 'safety': {
        const reason = cmd.kind === 'safety' ? cmd.reason : null;
        // One hold from its start to resume: a safety during a pause turns it into a safety hold.
        if (openHold) {
          if (reason !== null) Object.assign(openHold, { kind: 'safety', reason });
        } else {
          openHold = { kind: cmd.kind, reason, atServerMs: at, showMs, durationMs: null, by: ev.actor.name };
          holds.push(openHold);
        }
        break;
      }
      case 'resume':
        closeHold(at);
        break;
      case 'complete':
      case 'stop':
        if (endAt === null) ended = { at, hold: openHold, part: cmd.kind === 'stop' ? openPart : null };
        closeHold(at);
        closePart(at);
        endAt ??= at;
        break;
      case 'reopen': {
        // The run carries on held: the hold it ended in goes on, or one starts at the end.
        endAt = null;
        if (!ended) break;
        if (ended.hold) {
          heldMs -= ended.hold.durationMs ?? 0;
          ended.hold.durationMs = null;
          openHold = ended.hold;
        } else {
          openHold = { kind: 'pause', reason: null, atServerMs: ended.at, showMs, durationMs: null, by: ev.actor.name };
          holds.push(openHold);
        }
        if (ended.part) {
          ended.part.endAtServerMs = null;
          ended.part.durationMs = null;
          openPart = ended.part;
        }
        ended = null;
        break;
      }
      case 'standby':
        for (const id of cmd.cueIds) if (!standbyAt.has(id)) standbyAt.set(id, at);
        break;
      case 'go': {
        const cue = ev.data.cue;
        if (cue && showMs !== null && !gos.has(cue.id))
          gos.set(cue.id, { name: cue.name, plannedMs: cue.offsetMs, actualMs: showMs, at, by: ev.actor.name });
        break;
      }
      case 'mark':
        if (cmd.mark === 'houseOpen') houseOpenAt ??= at;
        else {
          const m = MARK_PART[cmd.mark];
          if (m.start) {
            closePart(at);
            openPart = {
              kind: m.kind,
              label: cmd.label ?? (m.kind === 'act' ? 'Act' : 'Interval'),
              startAtServerMs: at,
              endAtServerMs: null,
              durationMs: null,
            };
            parts.push(openPart);
          } else if (openPart?.kind === m.kind) closePart(at);
        }
        break;
      case 'note':
        notes.push({ atServerMs: at, showMs, text: cmd.text, by: ev.actor.name });
        break;
      case 'nudge':
        nudges.push({ atServerMs: at, crewId: cmd.crewId, by: ev.actor.name });
        break;
      default:
        break;
    }
  }

  const listed = new Set<string>();
  const reportCues: ReportCue[] = [];
  const row = (id: string, name: string, plannedMs: number): ReportCue => {
    const go = gos.get(id);
    const deltaMs = go ? go.actualMs - go.plannedMs : null;
    return {
      cueId: id,
      name: go?.name ?? name,
      plannedMs: go?.plannedMs ?? plannedMs,
      actualMs: go?.actualMs ?? null,
      goAtServerMs: go?.at ?? null,
      deltaMs,
      late: deltaMs !== null && deltaMs > lateThresholdMs,
      early: deltaMs !== null && deltaMs < -lateThresholdMs,
      by: go?.by ?? null,
    };
  };
  for (const c of cues) {
    listed.add(c.id);
    reportCues.push(row(c.id, c.name, c.offsetMs));
  }
  for (const [id, go] of gos) if (!listed.has(id)) reportCues.push(row(id, go.name, go.plannedMs));
  reportCues.sort((a, b) => a.plannedMs - b.plannedMs);

  const totalMs = startAt !== null && endAt !== null ? endAt - startAt : null;
  return {
    performance,
    houseOpenAtServerMs: houseOpenAt,
    startAtServerMs: startAt,
    endAtServerMs: endAt,
    totalMs,
    heldMs,
    parts,
    lateThresholdMs,
    cues: reportCues,
    lateGos: reportCues.filter((c) => c.late).length,
    earlyGos: reportCues.filter((c) => c.early).length,
    holds,
    standbys,
    notes,
    nudges,
    events: events.length,
  };
}
