/**
 * Live playback, persisted (DESIGN §5): each SM command is applied in one transaction that
 * locks the script's playback row, bumps its version by one, writes the new state and appends
 * a show event. Persist first, broadcast second: the caller broadcasts only what this returns.
 * The state lives in the database, so any node (or this one after a restart) carries on from it.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNull, max, sql } from 'drizzle-orm';
import {
  applyCommand,
  commandElementIds,
  crewView,
  initialPlaybackState,
  isVisible,
  PlaybackError,
  PlaybackState,
  showTimeAt,
  type Element,
  type Performance,
  type PlaybackCommand,
  type StandbyAnswer,
} from '@cuebe/protocol';
import type { Conn, Db } from '../db/open';
import { crew, elements, performances, playback, scripts, showEvents, type ShowEventData } from '../db/schema';
import { mayHaveCommitted, settle } from '../db/outcome';
import { isUniqueViolation, notFound } from '../errors';
import { toAppError, type ActorRef } from '../scripts/store';
import { toElement } from '../scripts/rows';
import { PlaybackCommandError } from './errors';

export interface ShowEvent {
  id: number;
  scriptId: string;
  performanceId: string | null;
  /** Database wall time of the event. */
  at: string;
  /** Server reference time (ms since epoch, whole ms). */
  serverMs: number;
  kind: string;
  actor: ActorRef;
  data: ShowEventData;
  /** The playback version the event produced. */
  version: number | null;
  commandId: string | null;
}

export interface CommandResult {
  /** The state after the command (for a duplicate: the current state). */
  state: PlaybackState;
  /** The playback version the command produced. */
  version: number;
  /** The commandId had been applied before: nothing was applied now. */
  duplicate: boolean;
  /** The event appended; null for a duplicate. */
  event: ShowEvent | null;
}

export interface CommandOptions {
  /** Client-made id: a retried command is applied once. */
  commandId?: string | null;
  /** The crew member sending (an ack): who they are and what they may see. */
  crew?: CrewRef | null;
}

/** A crew member as the command path knows them. */
export interface CrewRef {
  crewId: string;
  name: string;
  allDepartments: boolean;
  departmentIds: readonly string[];
}

class Duplicate {
  constructor(readonly commandId: string) {}
}

export class PlaybackStore {
  constructor(private readonly db: Db) {}

  /** The script's playback state; STOPPED at version 0 when it never had a command. */
  async load(scriptId: string): Promise<PlaybackState> {
    try {
      const [row] = await this.db
        .select({ state: playback.state })
        .from(playback)
        .where(eq(playback.scriptId, scriptId));
      if (row) return parseStored(row.state);
      await requireScript(this.db, scriptId);
      return initialPlaybackState(0);
    } catch (err) {
      throw toAppError(err);
    }
  }

  /**
   * Apply one SM command at serverNowMs (server reference time). Throws a PlaybackCommandError
   * (nothing written) when the command does not apply, an AppError 404 for an unknown script.
   */
  async command(
    scriptId: string,
    command: PlaybackCommand,
    actor: ActorRef,
    serverNowMs: number,
    opts: CommandOptions = {},
  ): Promise<CommandResult> {
    const commandId = opts.commandId ?? null;
    try {
      return await this.db.transaction((tx) => this.commandIn(tx, scriptId, command, actor, serverNowMs, opts));
    } catch (err) {
      if (err instanceof Duplicate || (commandId && isUniqueViolation(err)))
        return this.duplicate(scriptId, commandId!);
      // Committed though its reply was lost: answered and published as applied (SPEC W3).
      if (commandId && mayHaveCommitted(err)) return settle(() => this.committedCommand(scriptId, commandId));
      throw toAppError(err);
    }
  }

  /** What `commandId` committed as, or null; read after any command to the script in flight. */
  private async committedCommand(scriptId: string, commandId: string): Promise<CommandResult | null> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '1s'`);
      await tx.select({ v: playback.version }).from(playback).where(eq(playback.scriptId, scriptId)).for('share');
      const [ev] = await tx
        .select()
        .from(showEvents)
        .where(and(eq(showEvents.scriptId, scriptId), eq(showEvents.commandId, commandId)));
      if (!ev) return null;
      const [row] = await tx.select({ state: playback.state }).from(playback).where(eq(playback.scriptId, scriptId));
      const state = row ? parseStored(row.state) : initialPlaybackState(0);
      return { state, version: ev.version ?? state.version, duplicate: false, event: toEvent(ev) };
    });
  }

  private async commandIn(
    tx: Conn,
    scriptId: string,
    command: PlaybackCommand,
    actor: ActorRef,
    serverNowMs: number,
    opts: CommandOptions,
  ): Promise<CommandResult> {
    const showId = await requireScript(tx, scriptId);
    // The first command of a script makes its row; every command then waits for the row lock,
    // so commands to one script are serialised across every node and versions have no holes.
    await tx
      .insert(playback)
      .values({ scriptId, version: 0, state: initialPlaybackState(0) })
      .onConflictDoNothing({ target: playback.scriptId });
    const [row] = await tx.select().from(playback).where(eq(playback.scriptId, scriptId)).for('update');
    if (!row) throw new Error('playback row vanished under its lock');
    const commandId = opts.commandId ?? null;
    if (commandId) {
      const seen = await tx
        .select({ id: showEvents.id })
        .from(showEvents)
        .where(and(eq(showEvents.scriptId, scriptId), eq(showEvents.commandId, commandId)));
      if (seen.length > 0) throw new Duplicate(commandId);
    }
    const before = parseStored(row.state);
    // The cues on standby are looked up with the ones the command names (one query, at most 50
    // more rows): when some leave standby, the log says who should have answered them.
    const referenced = await loadElements(tx, scriptId, [...commandElementIds(command), ...before.standbyCueIds]);
    const showCrew = command.kind === 'nudge' ? await loadCrew(tx, showId, serverNowMs) : null;
    const sender = opts.crew;
    let state: PlaybackState;
    try {
      state = applyCommand(before, command, serverNowMs, {
        actor: { kind: actor.kind, name: actor.name },
        element: (id) => referenced.get(id),
        crew: sender
          ? { crewId: sender.crewId, name: sender.name, sees: (cue) => isVisible(crewViewOf(sender), cue) }
          : undefined,
        hasCrew: (id) => showCrew?.some((c) => c.crewId === id) ?? false,
        newId: randomUUID,
      });
    } catch (err) {
      if (err instanceof PlaybackError) throw new PlaybackCommandError(err);
      throw err;
    }
    const at = Math.round(state.updatedAtServerMs);
    await tx
      .update(playback)
      .set({ version: state.version, state, updatedAt: new Date() })
      .where(eq(playback.scriptId, scriptId));
    const performanceId = state.performanceId ?? before.performanceId;
    if (state.performanceId !== null && state.performanceId !== before.performanceId && command.kind !== 'reopen')
      await startPerformance(tx, scriptId, state.performanceId, at, actor);
    if (before.performanceId !== null && (command.kind === 'complete' || command.kind === 'stop'))
      await tx
        .update(performances)
        .set({ endedServerMs: at })
        .where(and(eq(performances.id, before.performanceId), isNull(performances.endedServerMs)));
    // A reopened run is the same performance going on (SPEC L2): it has no end until the next one.
    if (command.kind === 'reopen' && state.performanceId !== null)
      await tx.update(performances).set({ endedServerMs: null }).where(eq(performances.id, state.performanceId));

    const data: ShowEventData = { command, status: state.status, showMs: showTimeAt(state, state.updatedAtServerMs) };
    const named = commandElementIds(command)
      .map((id) => referenced.get(id))
      .find((el) => el !== undefined);
    if (named && (command.kind === 'go' || command.kind === 'ack' || command.kind === 'nudge'))
      data.cue = { id: named.id, name: named.name, offsetMs: named.offsetMs };
    const ended = before.standbyCueIds.filter((id) => !state.standbyCueIds.includes(id));
    if (ended.length > 0) {
      const crewNow = showCrew ?? (await loadCrew(tx, showId, serverNowMs));
      data.ended = ended.map((cueId) => {
        const cue = referenced.get(cueId);
        return {
          cueId,
          name: cue?.name ?? '(deleted cue)',
          expected: cue ? crewNow.filter((c) => isVisible(crewViewOf(c), cue)).map(answer) : [],
          acked: before.acks
            .filter((a) => a.cueId === cueId)
            .map((a) => ({ crewId: a.crewId, name: a.name, atServerMs: a.atServerMs })),
        };
      });
    }
    const [ev] = await tx
      .insert(showEvents)
      .values({
        scriptId,
        performanceId,
        serverMs: at,
        kind: command.kind,
        actor: { kind: actor.kind, name: actor.name, id: actor.id },
        data,
        version: state.version,
        commandId,
      })
      .returning();
    return { state, version: state.version, duplicate: false, event: toEvent(ev!) };
  }

  private async duplicate(scriptId: string, commandId: string): Promise<CommandResult> {
    try {
      const [ev] = await this.db
        .select({ version: showEvents.version })
        .from(showEvents)
        .where(and(eq(showEvents.scriptId, scriptId), eq(showEvents.commandId, commandId)));
      const state = await this.load(scriptId);
      return { state, version: ev?.version ?? state.version, duplicate: true, event: null };
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** The script's performances, newest first. */
  async performances(scriptId: string): Promise<Performance[]> {
    try {
      const rows = await this.db
        .select()
        .from(performances)
        .where(eq(performances.scriptId, scriptId))
        .orderBy(desc(performances.number));
      return rows.map(toPerformance);
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** One performance, or a 404. */
  async performance(performanceId: string): Promise<Performance> {
    try {
      const [row] = await this.db.select().from(performances).where(eq(performances.id, performanceId));
      if (!row) throw notFound('performance');
      return toPerformance(row);
    } catch (err) {
      throw toAppError(err);
    }
  }

  async setPerformanceNotes(performanceId: string, notes: string): Promise<Performance> {
    try {
      const [row] = await this.db
        .update(performances)
        .set({ notes })
        .where(eq(performances.id, performanceId))
        .returning();
      if (!row) throw notFound('performance');
      return toPerformance(row);
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** Every event of one performance, oldest first. */
  async performanceEvents(performanceId: string): Promise<ShowEvent[]> {
    try {
      const rows = await this.db
        .select()
        .from(showEvents)
        .where(eq(showEvents.performanceId, performanceId))
        .orderBy(asc(showEvents.id));
      return rows.map(toEvent);
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** The show log of a script, oldest first, after the event id `afterId`. */
  async events(scriptId: string, opts: { afterId?: number; limit?: number } = {}): Promise<ShowEvent[]> {
    try {
      const rows = await this.db
        .select()
        .from(showEvents)
        .where(and(eq(showEvents.scriptId, scriptId), gt(showEvents.id, opts.afterId ?? 0)))
        .orderBy(asc(showEvents.id))
        .limit(opts.limit ?? 10_000);
      return rows.map(toEvent);
    } catch (err) {
      throw toAppError(err);
    }
  }
}

/** The script's show id, or a 404. */
async function requireScript(conn: Conn, scriptId: string): Promise<string> {
  const [s] = await conn.select({ showId: scripts.showId }).from(scripts).where(eq(scripts.id, scriptId));
  if (!s) throw notFound('script');
  return s.showId;
}

/** The show's crew whose links work at `serverNowMs`: who can be nudged, who should answer a standby. */
async function loadCrew(conn: Conn, showId: string, serverNowMs: number): Promise<CrewRef[]> {
  const rows = await conn
    .select({
      crewId: crew.id,
      name: crew.name,
      allDepartments: crew.allDepartments,
      departmentIds: crew.departmentIds,
      expiresAt: crew.expiresAt,
    })
    .from(crew)
    .where(and(eq(crew.showId, showId), isNull(crew.revokedAt)));
  return rows.filter((r) => r.expiresAt.getTime() > serverNowMs);
}

const crewViewOf = (c: CrewRef) => crewView(c.allDepartments, c.departmentIds);

const answer = (c: CrewRef): StandbyAnswer => ({ crewId: c.crewId, name: c.name });

async function startPerformance(tx: Conn, scriptId: string, id: string, at: number, actor: ActorRef): Promise<void> {
  const [last] = await tx
    .select({ n: max(performances.number) })
    .from(performances)
    .where(eq(performances.scriptId, scriptId));
  await tx.insert(performances).values({
    id,
    scriptId,
    number: (last?.n ?? 0) + 1,
    startedServerMs: at,
    calledBy: { kind: actor.kind, name: actor.name, id: actor.id },
  });
}

function toPerformance(r: typeof performances.$inferSelect): Performance {
  return {
    id: r.id,
    scriptId: r.scriptId,
    number: r.number,
    startedAtServerMs: r.startedServerMs,
    endedAtServerMs: r.endedServerMs,
    calledBy: { kind: r.calledBy.kind, name: r.calledBy.name },
    notes: r.notes,
  };
}

async function loadElements(conn: Conn, scriptId: string, ids: string[]): Promise<Map<string, Element>> {
  if (ids.length === 0) return new Map();
  const rows = await conn
    .select()
    .from(elements)
    .where(and(eq(elements.scriptId, scriptId), inArray(elements.id, ids)));
  return new Map(rows.map((r) => [r.id, toElement(r)]));
}

/** The stored state goes through the same schema as the wire: a bad row is an error, not a guess. */
function parseStored(value: unknown): PlaybackState {
  const parsed = PlaybackState.safeParse(value);
  if (!parsed.success) throw new Error(`stored playback state is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function toEvent(r: typeof showEvents.$inferSelect): ShowEvent {
  return {
    id: r.id,
    scriptId: r.scriptId,
    performanceId: r.performanceId,
    at: r.at.toISOString(),
    serverMs: r.serverMs,
    kind: r.kind,
    actor: r.actor,
    data: r.data,
    version: r.version,
    commandId: r.commandId,
  };
}
