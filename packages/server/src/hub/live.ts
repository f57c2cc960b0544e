/**
 * Live show mode on the socket (docs/LIVE.md): SM commands are persisted by PlaybackStore first,
 * then published on fan-out; every node sends the new playback state to every socket of the
 * script, encoded once. A device that joins gets the current state after its snapshot.
 */
import {
  CREW_COMMANDS,
  ErrorCode,
  playbackForProtocol,
  PROTOCOL_VERSION,
  RETRYABLE_ERRORS,
  type CommandError,
  type CommandMessage,
  type PlaybackState,
  type ServerMessage,
} from '@cuebe/protocol';
import { PlaybackCommandError } from '../live/errors';
import type { CrewRef } from '../live/playback-store';
import { toAppError, type ActorRef } from '../scripts/store';
import type { Hub } from './hub';
import { Outgoing } from './outgoing';

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/** What the command path needs of its connection. */
export interface CommandSender {
  readonly scriptId: string;
  /** Null: not an SM or editor (crew and viewers may not call the show). */
  readonly smActor: ActorRef | null;
  /** Set for a crew link: the only sender of CREW_COMMANDS (ack). */
  readonly crew: CrewRef | null;
  send(msg: ServerMessage): void;
}

/** Apply one command: commandAck or commandError to the sender, then the state to everyone. */
export async function runCommand(hub: Hub, conn: CommandSender, msg: CommandMessage): Promise<void> {
  const { commandId } = msg;
  const crew = conn.crew;
  let actor: ActorRef;
  if (CREW_COMMANDS.includes(msg.command.kind)) {
    if (!crew)
      return conn.send(commandError(commandId, ErrorCode.FORBIDDEN, null, 'only a crew link answers a standby (ack)'));
    actor = { kind: 'crew', name: crew.name, id: crew.crewId };
  } else if (conn.smActor) actor = conn.smActor;
  else return conn.send(commandError(commandId, ErrorCode.FORBIDDEN, null, 'only the stage manager can call the show'));
  let result;
  try {
    result = await hub.playback.command(conn.scriptId, msg.command, actor, hub.now(), { commandId, crew });
  } catch (err) {
    if (err instanceof PlaybackCommandError)
      return conn.send(commandError(commandId, ErrorCode.BAD_OP, err.reason, err.message));
    const e = toAppError(err);
    const code = ERROR_CODES.has(e.code) ? (e.code as ErrorCode) : ErrorCode.INTERNAL;
    if (code === ErrorCode.INTERNAL) hub.log.error({ err: e.cause ?? e, scriptId: conn.scriptId }, 'command failed');
    return conn.send(commandError(commandId, code, null, code === ErrorCode.INTERNAL ? 'internal error' : e.message));
  }
  conn.send({ type: 'commandAck', commandId, version: result.version, duplicate: result.duplicate });
  // A duplicate is published again: harmless (devices keep the highest version), and it heals a
  // node that died between its commit and its publish.
  await hub.publishPlayback(conn.scriptId, result.state);
}

export function commandError(
  commandId: string,
  code: ErrorCode,
  reason: CommandError['reason'],
  message: string,
): CommandError {
  return { type: 'commandError', commandId, code, reason, message, retryable: RETRYABLE_ERRORS.has(code) };
}

/**
 * The playback message for a state as clients of `protocol` read it, encoded once for every
 * socket that gets it (the state without the fields an older protocol's schema refuses).
 */
export function playbackOut(state: PlaybackState, serverTime: number, protocol = PROTOCOL_VERSION): Outgoing {
  const msg = { type: 'playback', version: state.version, state: playbackForProtocol(state, protocol), serverTime };
  return new Outgoing(Buffer.from(JSON.stringify(msg)));
}
