/**
 * Close codes and error codes: the stable list clients act on. Documented in docs/PROTOCOL.md.
 */
export const CloseCode = {
  /** Server shutting down or node draining; reconnect (to any node). */
  GOING_AWAY: 1001,
  /** Credential revoked, expired, rotated, script unshared or member removed. Do not reconnect with it. */
  POLICY: 1008,
  /** A frame larger than the message size limit. */
  TOO_BIG: 1009,
  /** Unexpected server error. Reconnect with backoff. */
  INTERNAL: 1011,
  /** Slow consumer cut off (send buffer over its cap) or server overloaded: reconnect later and catch up. */
  TRY_AGAIN_LATER: 1013,
  /** Client protocol version not supported. Reload the app. */
  UNSUPPORTED_PROTOCOL: 4000,
  /** No valid hello within the authentication timeout. */
  AUTH_TIMEOUT: 4001,
  /** First message was not a valid hello. */
  BAD_HANDSHAKE: 4002,
  /** Not allowed on this script (no session, foreign Origin, wrong owner, unknown token). */
  FORBIDDEN: 4003,
  /** The script does not exist (or was deleted while connected). */
  NOT_FOUND: 4004,
  /** This connection's rights changed (e.g. its departments): reconnect now for a fresh view. */
  RECONNECT: 4010,
  /** Too many connections for this credential. */
  TOO_MANY_CONNECTIONS: 4008,
  /** Sustained flooding past the per-connection rate limit. */
  RATE_LIMITED: 4029,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Reasons carried with CloseCode.POLICY, so a crew page can say what happened. */
export const PolicyReason = {
  REVOKED: 'revoked',
  EXPIRED: 'expired',
  ROTATED: 'rotated',
  UNSHARED: 'unshared',
  REMOVED: 'removed',
  LOGGED_OUT: 'logged-out',
} as const;
export type PolicyReason = (typeof PolicyReason)[keyof typeof PolicyReason];

export const ErrorCode = {
  /** Not JSON, or not a known message shape. Fix the client; do not retry as is. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** A well-formed op that breaks a rule (unknown element, cycle, duplicate id…). Drop it. */
  BAD_OP: 'BAD_OP',
  /** The connection's rights do not allow this. Drop it. */
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  /** Too many messages; slow down. Retryable. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Storage unavailable; the op was not applied. Retry later (the client keeps it queued). */
  UNAVAILABLE: 'UNAVAILABLE',
  /**
   * The database failed after the write may have reached it (its reply was lost), and the node
   * could not find out whether it committed. Retry with the same op id / command id /
   * Idempotency-Key: a retry is answered with the first outcome and never writes twice.
   */
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  /** A requested version range that does not exist. */
  BAD_VERSION: 'BAD_VERSION',
  /** A message received before the handshake finished. */
  NOT_READY: 'NOT_READY',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Errors a client should keep the op queued for and retry. */
export const RETRYABLE_ERRORS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.RATE_LIMITED,
  ErrorCode.UNAVAILABLE,
  ErrorCode.OUTCOME_UNKNOWN,
  ErrorCode.INTERNAL,
]);
