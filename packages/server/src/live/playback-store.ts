/**
 * Live playback, persisted (DESIGN §5): each SM command is applied in one transaction that
 * locks the script's playback row, bumps its version by one, writes the new state and appends
 * a show event. Persist first, broadcast second: the caller broadcasts only what this returns.
 * The state lives in the database, so any node (or this one after a restart) carries on from it.
 */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import {
  applyCommand,
  commandElementIds,
  initialPlaybackState,
  PlaybackError,
  PlaybackState,
  showTimeAt,
  type Element,
  type PlaybackCommand,
} from '@cuebe/protocol';
import type { Conn, Db } from '../db/open';
import { elements, playback, scripts, showEvents, type ShowEventData } from '../db/schema';
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
  performanceId?: string | null;
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
      throw toAppError(err);
    }
  }

  private async commandIn(
    tx: Conn,
    scriptId: string,
    command: PlaybackCommand,
    actor: ActorRef,
    serverNowMs: number,
    opts: CommandOptions,
  ): Promise<CommandResult> {
    await requireScript(tx, scriptId);
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
    const referenced = await loadElements(tx, scriptId, commandElementIds(command));
    let state: PlaybackState;
    try {
      state = applyCommand(before, command, serverNowMs, {
        actor: { kind: actor.kind, name: actor.name },
        element: (id) => referenced.get(id),
      });
    } catch (err) {
      if (err instanceof PlaybackError) throw new PlaybackCommandError(err);
      throw err;
    }
    await tx
      .update(playback)
      .set({ version: state.version, state, updatedAt: new Date() })
      .where(eq(playback.scriptId, scriptId));
    const [ev] = await tx
      .insert(showEvents)
      .values({
        scriptId,
        performanceId: opts.performanceId ?? null,
        serverMs: Math.round(state.updatedAtServerMs),
        kind: command.kind,
        actor: { kind: actor.kind, name: actor.name, id: actor.id },
        data: { command, status: state.status, showMs: showTimeAt(state, state.updatedAtServerMs) },
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

async function requireScript(conn: Conn, scriptId: string): Promise<void> {
  const [s] = await conn.select({ id: scripts.id }).from(scripts).where(eq(scripts.id, scriptId));
  if (!s) throw notFound('script');
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
