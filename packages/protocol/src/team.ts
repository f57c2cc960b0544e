/**
 * A show's production team (issue 9): who may do what, and the REST bodies of team management.
 * The owner does everything; an editor (deputy or assistant SM) edits scripts and calls the show;
 * a viewer reads everything and changes nothing. docs/SPEC.md P11–P15.
 */
import { z } from 'zod';
import { Id, IsoDateTime, Show } from './domain';

export const ShowRole = z.enum(['owner', 'editor', 'viewer']);
export type ShowRole = z.infer<typeof ShowRole>;

/** The roles an owner can give; ownership itself moves only by transfer. */
export const MemberRole = z.enum(['editor', 'viewer']);
export type MemberRole = z.infer<typeof MemberRole>;

/** May this role change a show's scripts (elements, ops, info, restore, import, versions, calling)? */
export const canEdit = (role: ShowRole): boolean => role === 'owner' || role === 'editor';

/** One person on a show's team, the owner included (role 'owner'). */
export const Member = z.strictObject({
  userId: Id,
  email: z.string(),
  displayName: z.string(),
  role: ShowRole,
  invitedAt: IsoDateTime.nullable(),
});
export type Member = z.infer<typeof Member>;

/** A show in the list, with what the signed-in account may do on it. */
export const ShowListed = Show.extend({ role: ShowRole });
export type ShowListed = z.infer<typeof ShowListed>;

export const MemberInviteBody = z.strictObject({
  email: z.email().max(254),
  role: MemberRole,
});
export const MemberUpdateBody = z.strictObject({ role: MemberRole });
export const TransferBody = z.strictObject({ userId: Id });

// ---- socket: who on the team is on the script, and which row each is editing ---------------

/**
 * Client → server: the row this device is editing now (null: none). SM sockets only; a viewer
 * may send it too (it edits nothing, so it is shown as looking). Coalesced into presence.
 */
export const EditingMessage = z.strictObject({ type: z.literal('editing'), elementId: Id.nullable() });
export type EditingMessage = z.infer<typeof EditingMessage>;

/** One account of the show's team connected to the script, in SM presence. */
export const PresenceEditor = z.strictObject({
  userId: Id,
  name: z.string(),
  role: ShowRole,
  devices: z.number().int().min(0),
  /** The rows its devices are editing now (none: an empty list). */
  editing: z.array(Id),
});
export type PresenceEditor = z.infer<typeof PresenceEditor>;
