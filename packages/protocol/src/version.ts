/**
 * Wire protocol version. Bump on any change to a message or op schema
 * (protocol.test.ts hashes the schemas and fails when they change without a bump).
 *
 * History:
 *   1 — first version: hello/welcome, ops with versioned log, catch-up, presence, ping/pong.
 */
export const PROTOCOL_VERSION = 1;
/** Oldest client protocol the server still accepts. */
export const MIN_PROTOCOL_VERSION = 1;
