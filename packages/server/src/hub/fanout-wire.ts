/**
 * Fan-out messages on the wire between nodes: JSON, parsed with zod on arrival like any other
 * input (another node may run an older or newer build during a rolling deploy).
 */
import { z } from 'zod';
import {
  Actor,
  Department,
  IsoDateTime,
  PatchSchema,
  PlaybackState,
  PolicyReason,
  PrevSchema,
  ShowRole,
} from '@cuebe/protocol';
import type { FanoutMessage } from './fanout';

/** Bumped when the envelope changes; a node drops envelopes of a version it does not know. */
export const WIRE_VERSION = 1;

const Version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const NodeId = z.string().min(1).max(100);
const SomeId = z.string().min(1).max(100);

const ActorRef = z.strictObject({
  ...Actor.shape,
  id: z.string().nullable(),
  deviceId: z.string().nullable().optional(),
});

const Conflict = z.strictObject({
  elementId: z.string(),
  elementName: z.string(),
  field: z.string(),
  other: ActorRef,
  otherAt: z.string(),
});

const EntryMessage = z.strictObject({
  type: z.literal('entry'),
  origin: NodeId,
  entry: z.strictObject({
    scriptId: SomeId,
    version: Version,
    opId: z.string().nullable(),
    actor: ActorRef,
    kind: z.string(),
    patch: PatchSchema,
    prev: PrevSchema,
    at: IsoDateTime,
  }),
  conflicts: z.array(Conflict).optional(),
});

const PlaybackMessage = z.strictObject({
  type: z.literal('playback'),
  origin: NodeId,
  scriptId: SomeId,
  version: Version,
  state: PlaybackState,
});

const AccessMessage = z.strictObject({
  type: z.literal('access'),
  origin: NodeId,
  reason: z.enum([...Object.values(PolicyReason), 'changed', 'deleted']),
  crewId: SomeId.optional(),
  scriptId: SomeId.optional(),
  showId: SomeId.optional(),
  userId: SomeId.optional(),
  sessionId: SomeId.optional(),
});

const Name = z.string().max(500);
const DeviceId = z.string().min(1).max(200);

const PresenceMember = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('sm'),
    userId: SomeId,
    name: Name,
    deviceId: DeviceId,
    showRole: ShowRole.optional(),
    editing: SomeId.nullable().optional(),
  }),
  z.strictObject({
    role: z.literal('crew'),
    crewId: SomeId,
    name: Name,
    crewRole: Name,
    allDepartments: z.boolean(),
    departmentIds: z.array(SomeId).max(1_000),
    deviceId: DeviceId,
  }),
]);

const PresenceMessage = z.strictObject({
  type: z.literal('presence'),
  origin: NodeId,
  scriptId: SomeId,
  // A snapshot of one node's sockets on one script; bounded so one message stays small enough.
  members: z.array(PresenceMember).max(20_000),
  ttlMs: z.number().int().min(1_000).max(120_000),
});

const DepartmentsMessage = z.strictObject({
  type: z.literal('departments'),
  origin: NodeId,
  showId: SomeId,
  departments: z.array(Department).max(1_000),
});

const SharingMessage = z.strictObject({
  type: z.literal('sharing'),
  origin: NodeId,
  scriptId: SomeId,
  shared: z.boolean(),
  /** For the show's crew lists (S18); absent from nodes that predate it. */
  showId: SomeId.optional(),
});

const WireMessage = z.discriminatedUnion('type', [
  EntryMessage,
  PlaybackMessage,
  AccessMessage,
  PresenceMessage,
  DepartmentsMessage,
  SharingMessage,
]);

const Envelope = z.strictObject({ v: z.literal(WIRE_VERSION), msg: WireMessage });

// A message type added to FanoutMessage without a schema here fails to compile, rather than
// being dropped silently by every other node.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<z.infer<typeof WireMessage>, FanoutMessage> = true;
void schemaMatchesType;

export function encodeMessage(msg: FanoutMessage): string {
  return JSON.stringify({ v: WIRE_VERSION, msg });
}

/** The message, or null when the payload is not a valid envelope of this version. */
export function decodeMessage(payload: string): FanoutMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = Envelope.safeParse(json);
  return parsed.success ? parsed.data.msg : null;
}
