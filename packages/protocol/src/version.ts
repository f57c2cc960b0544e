/**
 * Wire protocol version. Bump on any change to a message or op schema
 * (protocol.test.ts hashes the schemas and fails when they change without a bump).
 *
 * History:
 *   1 — first version: hello/welcome, ops with versioned log, catch-up, presence, ping/pong.
 *   2 — live show mode: command/syncQuality (client), playback/commandAck/commandError
 *       (server); presence crew entries may carry their devices' clock-sync health.
 *       Production team: editing (client); presence editors (who of the show's team is on the
 *       script, with role, and which rows they are editing).
 */
export const PROTOCOL_VERSION = 2;
/** Oldest client protocol the server still accepts. */
export const MIN_PROTOCOL_VERSION = 2;
