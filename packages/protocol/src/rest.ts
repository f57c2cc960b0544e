/**
 * REST request bodies. Responses use the domain shapes (Show, Department, Script, Element,
 * CrewAssignment); errors are `{ error: { code, message, field? } }` with an HTTP status.
 */
import { z } from 'zod';
import { CrewAssignment, Department, IsoDateTime, NewElement, ScriptInfoFields, Show } from './domain';

export const RegisterBody = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(8, 'at least 8 characters').max(200),
  displayName: z.string().trim().min(1, 'display name is required').max(120),
});
export const LoginBody = z.strictObject({
  email: z.string().max(254),
  password: z.string().max(200),
});

const ShowFields = Show.omit({ id: true, createdAt: true, updatedAt: true }).shape;
export const ShowCreateBody = z.strictObject({
  name: ShowFields.name,
  venue: ShowFields.venue.default(''),
  firstPerformanceAt: ShowFields.firstPerformanceAt.default(null),
  endsAt: ShowFields.endsAt.default(null),
  notes: ShowFields.notes.default(''),
  /** Create the usual departments (LX, SND, FLY, …) with the show. */
  defaultDepartments: z.boolean().default(true),
});
export const ShowUpdateBody = z.strictObject(ShowFields).partial();

const DeptFields = Department.omit({ id: true, showId: true }).shape;
/** Without a colour, the server gives the next free one (nextDepartmentColour, SPEC D1). */
export const DepartmentCreateBody = z.strictObject({ ...DeptFields, colour: DeptFields.colour.optional() });
export const DepartmentUpdateBody = z.strictObject(DeptFields).partial();

export const ScriptCreateBody = z.strictObject({
  name: ScriptInfoFields.name,
  status: ScriptInfoFields.status.default('DRAFT'),
  notes: ScriptInfoFields.notes.default(''),
  plannedStart: ScriptInfoFields.plannedStart.default(null),
  plannedEnd: ScriptInfoFields.plannedEnd.default(null),
  shared: z.boolean().default(false),
});
export const ScriptUpdateBody = z.strictObject({ ...ScriptInfoFields, shared: z.boolean() }).partial();
export const ScriptDuplicateBody = z.strictObject({ name: ScriptInfoFields.name.optional() });

/** Element create over REST: the same shape as the create op (client-made id). */
export const ElementCreateBody = NewElement;

const CrewFields = CrewAssignment.pick({ name: true, email: true, role: true }).shape;
/** The longest a link may live, from now. */
export const MAX_LINK_DAYS = 3650;
const ExpiresInDays = z.number().int().min(1).max(MAX_LINK_DAYS);
/**
 * An exact expiry ("until tonight 23:30"): an ISO 8601 date-time with its offset, at most
 * MAX_LINK_DAYS ahead. A time already past is allowed: the link is expired at once (its open
 * sockets close with 1008 `expired`).
 */
const ExpiresAt = IsoDateTime.refine(
  (t) => Date.parse(t) <= Date.now() + MAX_LINK_DAYS * 86_400_000,
  `at most ${MAX_LINK_DAYS} days from now`,
);
const oneExpiry = (b: { expiresInDays?: number; expiresAt?: string }) =>
  b.expiresInDays === undefined || b.expiresAt === undefined;
const ONE_EXPIRY = { message: 'give expiresAt or expiresInDays, not both', path: ['expiresAt'] };

export const CrewCreateBody = z
  .strictObject({
    name: CrewFields.name,
    email: CrewFields.email.default(null),
    role: CrewFields.role.default(''),
    allDepartments: z.boolean().default(false),
    departmentIds: z.array(z.uuid()).max(100).default([]),
    /** Days until the link expires (default 30 when neither this nor expiresAt is given). */
    expiresInDays: ExpiresInDays.optional(),
    expiresAt: ExpiresAt.optional(),
  })
  .refine(oneExpiry, ONE_EXPIRY);
export const CrewUpdateBody = z
  .strictObject({
    name: CrewFields.name,
    email: CrewFields.email,
    role: CrewFields.role,
    allDepartments: z.boolean(),
    departmentIds: z.array(z.uuid()).max(100),
    expiresInDays: ExpiresInDays,
    expiresAt: ExpiresAt,
  })
  .partial()
  .refine(oneExpiry, ONE_EXPIRY);

export interface ApiError {
  error: { code: string; message: string; field?: string };
}
