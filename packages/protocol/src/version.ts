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
 *   3 — cue lights: commands ack (crew), nudge, guards, mark, note; playback state carries
 *       acks, nudge, guards, performanceId, houseOpenAtServerMs, part; commandError reasons
 *       NOT_ON_STANDBY, TOO_SOON, UNKNOWN_CREW. Server message departments (the show's list,
 *       whenever it changes). A protocol-2 client cannot read the new state,
 *       so the server refuses it (close 4000, reload the app).
 *   4 — hello `unacked`: an editor's ops sent without an answer, acked (duplicate) before the
 *       catch-up. Optional, so protocol-3 clients are still served. A protocol-3 server refuses
 *       a hello that carries it (4002); the client then says hello without it. Server message
 *       sharing (to SM devices: whether the script is shared with crew).
 *   5 — presence crew entries carry `deviceList`: each device with a tag, a label and its clock
 *       (error bound, server times of its last sync and report). Sent only to protocol-5
 *       clients (older ones refuse unknown fields). Error / commandError code OUTCOME_UNKNOWN
 *       (a write whose commit reply was lost: retry with the same id); protocol-3/4 clients,
 *       whose schema lacks it, get INTERNAL (retryable, claims nothing about the write). Command
 *       reopen (undo an accidental stop or complete); playback state carries stoppedRun, sent
 *       to protocol-3/4 clients without it, so they are still served; they cannot reopen.
 */
export const PROTOCOL_VERSION = 5;
/** Oldest client protocol the server still accepts. */
export const MIN_PROTOCOL_VERSION = 3;
/** The first protocol whose clients read the `sharing` message (older ones are not sent it). */
export const SHARING_SINCE = 4;
/** The first protocol whose clients read presence `deviceList`. */
export const DEVICE_LIST_SINCE = 5;
/** The first protocol whose clients read the OUTCOME_UNKNOWN error code (older ones get INTERNAL). */
export const OUTCOME_UNKNOWN_SINCE = 5;
/** The first protocol whose clients read playback state `stoppedRun` (older ones get it without). */
export const STOPPED_RUN_SINCE = 5;
