/**
 * Server-side forks by client protocol (docs/PROTOCOL.md, version.ts), for messages every
 * socket may get: each older client gets what its schema can read.
 */
import { ErrorCode, OUTCOME_UNKNOWN_SINCE, type ServerMessage } from '@cuebe/protocol';

/** `msg` as a client speaking `protocol` can parse it. */
export function forProtocol(msg: ServerMessage, protocol: number): ServerMessage {
  if (protocol >= OUTCOME_UNKNOWN_SINCE) return msg;
  // Before OUTCOME_UNKNOWN: INTERNAL is retryable too and, unlike UNAVAILABLE, does not claim
  // that nothing was written.
  if ((msg.type === 'error' || msg.type === 'commandError') && msg.code === ErrorCode.OUTCOME_UNKNOWN)
    return { ...msg, code: ErrorCode.INTERNAL };
  return msg;
}
