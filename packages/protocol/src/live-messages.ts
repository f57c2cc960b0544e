/**
 * Socket messages of live show mode, members of ClientMessage/ServerMessage (messages.ts) since
 * protocol 2. Clock sync reuses ping/pong from messages.ts. docs/LIVE.md describes the flow.
 */
import { z } from 'zod';
import { ErrorCode } from './codes';
import { Id } from './domain';
import { PLAYBACK_ERROR_CODES, PlaybackCommand, PlaybackState } from './playback';

const Version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// ---- client → server -------------------------------------------------------------------------

/**
 * An SM command, or a crew link's `ack` (the only command crew may send). commandId is made by
 * the client; a retried command is applied once.
 */
export const CommandMessage = z.strictObject({
  type: z.literal('command'),
  commandId: Id,
  command: PlaybackCommand,
});
export type CommandMessage = z.infer<typeof CommandMessage>;

/** A device's clock-sync quality, sent after each sync and on visibility changes (for the SM's board). */
export const SyncQualityMessage = z.strictObject({
  type: z.literal('syncQuality'),
  /** Estimated server − local offset, ms. */
  offsetMs: z.number().finite(),
  /** Bound on the estimate's error, ms; null before the first sync. */
  errorMs: z.number().finite().min(0).nullable(),
  /** Age of the last accepted sync, ms; null before the first sync. */
  lastSyncAgeMs: z.number().finite().min(0).nullable(),
  /** Samples behind the estimate. */
  samples: z.number().int().min(0).max(1000),
  /** The page is hidden: its timers are throttled and it cannot be trusted to show a GO on time. */
  hidden: z.boolean(),
});
export type SyncQualityMessage = z.infer<typeof SyncQualityMessage>;

export const LiveClientMessage = z.discriminatedUnion('type', [CommandMessage, SyncQualityMessage]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

// ---- server → client -------------------------------------------------------------------------

/**
 * The whole playback state, sent on join (after the snapshot) and after every applied command.
 * version is the playback version (separate from the script version); a client keeps the
 * highest it has seen and ignores older ones.
 */
export const PlaybackMessage = z.strictObject({
  type: z.literal('playback'),
  version: Version,
  state: PlaybackState,
  /** Server reference time when the message was sent (ms since epoch). */
  serverTime: z.number().finite(),
});
export type PlaybackMessage = z.infer<typeof PlaybackMessage>;

/** The command was applied (or had been: duplicate) and produced playback version `version`. */
export const CommandAck = z.strictObject({
  type: z.literal('commandAck'),
  commandId: Id,
  version: Version,
  duplicate: z.boolean(),
});
export type CommandAck = z.infer<typeof CommandAck>;

/** The command was refused; nothing was written. */
export const CommandError = z.strictObject({
  type: z.literal('commandError'),
  commandId: Id,
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  /** The playback rule broken, when that is the reason (see PlaybackErrorCode). */
  reason: z.enum(PLAYBACK_ERROR_CODES).nullable(),
  message: z.string(),
  retryable: z.boolean(),
});
export type CommandError = z.infer<typeof CommandError>;

export const LiveServerMessage = z.discriminatedUnion('type', [PlaybackMessage, CommandAck, CommandError]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;
