/**
 * Socket messages, both directions. Every frame is parsed with these at the boundary.
 * docs/PROTOCOL.md documents each message, field and close code.
 */
import { z } from 'zod';
import { Department, Element, Id, IsoDateTime, ScriptInfo } from './domain';
import { ErrorCode } from './codes';
import { Op } from './ops';
import { Actor } from './actor';
import { EditingMessage, PresenceEditor } from './team';
import { CommandAck, CommandError, CommandMessage, PlaybackMessage, SyncQualityMessage } from './live-messages';

const Version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The most op ids a hello may list as sent and unanswered (LIMITS.maxUnackedInHello). */
const MAX_UNACKED_IN_HELLO = 200;

// ---- client → server -------------------------------------------------------------------------

/** First message on every socket. Crew send their share token here (never in the URL). */
export const Hello = z.strictObject({
  type: z.literal('hello'),
  protocol: z.number().int().min(0).max(1_000_000),
  /** Crew share token. SMs authenticate with their session cookie instead. */
  token: z.string().min(1).max(200).optional(),
  /** The last version this client holds; null for a client with nothing. */
  lastVersion: Version.nullable(),
  /** A stable id of this device (kept in local storage), for presence. */
  deviceId: z.string().min(1).max(64),
  /**
   * Ops this device sent on an earlier connection without an answer (oldest first, at most
   * LIMITS.maxUnackedInHello). Those already committed are acknowledged (`duplicate: true`) right
   * after the welcome, before the catch-up: a client never re-applies one of them on top of a
   * snapshot that holds it. Left out when there are none.
   */
  unacked: z.array(Id).min(1).max(MAX_UNACKED_IN_HELLO).optional(),
});
export type Hello = z.infer<typeof Hello>;

export const OpMessage = z.strictObject({
  type: z.literal('op'),
  /** Client-made id; the server applies each opId once. */
  opId: Id,
  /** The script version the client had applied when it made the op (for conflict notices). */
  baseVersion: Version,
  op: Op,
});
export type OpMessage = z.infer<typeof OpMessage>;

/** Ask for every change after fromVersion (a gap was seen). */
export const Resync = z.strictObject({ type: z.literal('resync'), fromVersion: Version });
export type Resync = z.infer<typeof Resync>;

/** Clock sync and liveness: t0 is the client's send time (its own monotonic clock). */
export const Ping = z.strictObject({
  type: z.literal('ping'),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  t0: z.number().finite(),
});
export type Ping = z.infer<typeof Ping>;

export const ClientMessage = z.discriminatedUnion('type', [
  Hello,
  OpMessage,
  Resync,
  Ping,
  CommandMessage,
  SyncQualityMessage,
  EditingMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---- server → client -------------------------------------------------------------------------

export const Role = z.enum(['sm', 'crew']);
export type Role = z.infer<typeof Role>;

// Actor lives in its own module: playback.ts needs it, and messages.ts needs playback's messages.
export { Actor } from './actor';

export const PatchSchema = z.strictObject({
  upserts: z.array(Element),
  deletes: z.array(Id),
  info: ScriptInfo.optional(),
});

export const PrevSchema = z.strictObject({
  elements: z.record(z.string(), Element.nullable()),
  info: ScriptInfo.optional(),
});

/** One committed version, as one view sees it. */
export const Change = z.strictObject({
  version: Version,
  /** The op's client id: present for the full (SM) view only. */
  opId: Id.nullable(),
  actor: Actor,
  at: IsoDateTime,
  kind: z.string(),
  patch: PatchSchema,
});
export type Change = z.infer<typeof Change>;

export const Welcome = z.strictObject({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  role: Role,
  /** The script version at the moment of welcome; a snapshot or changes up to it follow. */
  version: Version,
  connectionId: z.string(),
  name: z.string(),
  /** Server clock (ms since epoch) when the welcome was sent. */
  serverTime: z.number(),
});
export type Welcome = z.infer<typeof Welcome>;

export const ScriptHeader = z.strictObject({
  id: Id,
  showId: Id,
  shared: z.boolean(),
  ...ScriptInfo.shape,
});
export type ScriptHeader = z.infer<typeof ScriptHeader>;

export const Snapshot = z.strictObject({
  type: z.literal('snapshot'),
  version: Version,
  script: ScriptHeader,
  elements: z.array(Element),
  departments: z.array(Department),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Live broadcast (one change) and catch-up (many), in version order, without gaps. */
export const Changes = z.strictObject({ type: z.literal('changes'), changes: z.array(Change) });
export type Changes = z.infer<typeof Changes>;

export const Ack = z.strictObject({
  type: z.literal('ack'),
  opId: Id,
  version: Version,
  /** Values before the op, so the client can build its undo. */
  prev: PrevSchema,
  /** True when this opId had already been applied (a retry); nothing was applied again. */
  duplicate: z.boolean(),
});
export type Ack = z.infer<typeof Ack>;

export const Conflict = z.strictObject({
  type: z.literal('conflict'),
  version: Version,
  elementId: Id,
  elementName: z.string(),
  field: z.string(),
  /** True: this client's change replaced the other's. False: the other's replaced this client's. */
  yoursWon: z.boolean(),
  other: Actor,
  /** When the replaced change was made. */
  otherAt: IsoDateTime,
  message: z.string(),
});
export type Conflict = z.infer<typeof Conflict>;

/**
 * One device of a crew member, as the SM's board needs it (K3, protocol 5): which phone it is and
 * how far its clock can be trusted. Times are on the server's reference clock, so the board
 * ages them with its own synced clock and flags a device that went quiet without a new message.
 */
export const PresenceDevice = z.strictObject({
  /** Short tag of the device id (the first 4 characters, upper case), to tell two phones apart. */
  tag: z.string().max(8),
  /** What the device is, from its User-Agent: "iPhone · Safari", "Android · Chrome", … */
  label: z.string().max(40),
  /** Its clock's error bound when it last reported, ms; null before its first sync. */
  errorMs: z.number().finite().min(0).nullable(),
  /** When its clock last synced; null before its first sync. */
  syncedAtServerMs: z.number().finite().nullable(),
  /** When its last report arrived; null when it has not reported. */
  reportedAtServerMs: z.number().finite().nullable(),
  hidden: z.boolean(),
});
export type PresenceDevice = z.infer<typeof PresenceDevice>;

export const PresenceCrew = z.strictObject({
  crewId: Id,
  name: z.string(),
  role: z.string(),
  allDepartments: z.boolean(),
  departmentIds: z.array(Id),
  devices: z.number().int().min(0),
  /**
   * Clock-sync health of this crew member's devices (from their syncQuality reports), for the
   * SM's board; absent until a device has reported.
   */
  sync: z
    .strictObject({
      /** Worst error bound among the devices, ms; null when one has not synced yet. */
      worstErrorMs: z.number().finite().min(0).nullable(),
      /** Age of the oldest last sync among the devices, ms; null when one has not synced yet. */
      oldestSyncAgeMs: z.number().finite().min(0).nullable(),
      /** Devices whose page is hidden. */
      hidden: z.number().int().min(0),
      /** Devices that have reported. */
      reported: z.number().int().min(0),
    })
    .optional(),
  /** Each device on this node, with its clock (protocol 5 on; sent to SMs only). */
  deviceList: z.array(PresenceDevice).max(50).optional(),
});
export type PresenceCrew = z.infer<typeof PresenceCrew>;

export const Presence = z.strictObject({
  type: z.literal('presence'),
  sm: z.strictObject({ connected: z.boolean(), devices: z.number().int().min(0) }),
  /** Who is watching: sent to SMs only. */
  crew: z.array(PresenceCrew).optional(),
  /** The show's team on this script (owner, editors, viewers) and the row each edits: SMs only. */
  editors: z.array(PresenceEditor).optional(),
});
export type Presence = z.infer<typeof Presence>;

export const ErrorMessage = z.strictObject({
  type: z.literal('error'),
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  opId: Id.optional(),
  retryable: z.boolean(),
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

export const Pong = z.strictObject({
  type: z.literal('pong'),
  id: z.number().int(),
  t0: z.number(),
  /** Server receive and send times, ms since epoch on the server's reference clock. */
  t1: z.number(),
  t2: z.number(),
});
export type Pong = z.infer<typeof Pong>;

/**
 * The show's departments changed (added, renamed, recoloured, removed): every socket of every
 * script of the show gets the whole list and replaces its own. Not versioned with the script.
 */
export const DepartmentsMessage = z.strictObject({
  type: z.literal('departments'),
  departments: z.array(Department),
});
export type DepartmentsMessage = z.infer<typeof DepartmentsMessage>;

/**
 * Whether the script is shared with crew, to the stage manager's devices: after each welcome and
 * catch-up, and whenever it changes (it is set outside the op log, on the show page).
 */
export const SharingMessage = z.strictObject({ type: z.literal('sharing'), shared: z.boolean() });
export type SharingMessage = z.infer<typeof SharingMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  Welcome,
  Snapshot,
  Changes,
  Ack,
  Conflict,
  Presence,
  ErrorMessage,
  Pong,
  PlaybackMessage,
  CommandAck,
  CommandError,
  DepartmentsMessage,
  SharingMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Limits the server enforces (also documented). */
export const LIMITS = {
  /** Largest frame accepted, bytes. */
  maxMessageBytes: 64 * 1024,
  /** Time to send a valid hello after connecting. */
  authTimeoutMs: 5_000,
  /** Sustained messages per second per connection (token bucket), and the burst allowed. */
  messagesPerSecond: 50,
  messageBurst: 200,
  /** Past this many bytes queued for a socket, it is cut off (it catches up when it returns). */
  maxBufferedBytes: 1024 * 1024,
  /** Catch-up sends changes when a client is at most this many versions behind; else a snapshot. */
  maxCatchUpChanges: 500,
  /** Op ids a hello may list as sent on an earlier connection and unanswered. */
  maxUnackedInHello: MAX_UNACKED_IN_HELLO,
  /** Open sockets per crew link and per SM account. */
  maxSocketsPerCrew: 5,
  maxSocketsPerUser: 20,
} as const;
