/**
 * A refused playback command as an AppError: REST answers it with its status, the socket with
 * code BAD_OP (the stable list clients know) and the playback reason beside it.
 */
import type { PlaybackError, PlaybackErrorCode } from '@cuebe/protocol';
import { AppError } from '../errors';

const STATUS: Record<PlaybackErrorCode, number> = {
  /** The command does not apply in the current status: the state moved on; refresh and retry by hand. */
  INVALID_TRANSITION: 409,
  UNKNOWN_ELEMENT: 404,
  NOT_A_CUE: 400,
  /** A guard: the cue must be on standby first (two-step mode), or an ack of a cue not on standby. */
  NOT_ON_STANDBY: 409,
  /** A guard: a GO inside the minimum time since the last one. */
  TOO_SOON: 409,
  UNKNOWN_CREW: 404,
};

export class PlaybackCommandError extends AppError {
  readonly reason: PlaybackErrorCode;

  constructor(err: PlaybackError) {
    super(STATUS[err.code], 'BAD_OP', err.message);
    this.name = 'PlaybackCommandError';
    this.reason = err.code;
  }
}
