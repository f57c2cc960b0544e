/**
 * The domain: shows, departments, scripts, elements, crew. DESIGN §2.
 * One schema per shape; REST bodies and socket messages are built from these.
 */
import { z } from 'zod';
import { orderKeyProblem } from './order';

export const ELEMENT_TYPES = ['CUE', 'NOTE', 'GROUP'] as const;
export const ElementType = z.enum(ELEMENT_TYPES);
export type ElementType = z.infer<typeof ElementType>;

/** Highest first: the order a calling script sorts and colours by. */
export const PRIORITIES = ['SAFETY', 'CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'OPTIONAL'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

export const SCRIPT_STATUSES = ['DRAFT', 'WORKING', 'FINAL', 'IMPORTED', 'BACKUP', 'COPY'] as const;
export const ScriptStatus = z.enum(SCRIPT_STATUSES);
export type ScriptStatus = z.infer<typeof ScriptStatus>;

export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

export const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour like #1f6feb');
/** Offsets may be negative (pre-show) and are bounded to ±48 h so arithmetic stays exact. */
export const MAX_OFFSET_MS = 48 * 3600 * 1000;
export const OffsetMs = z.number().int().min(-MAX_OFFSET_MS).max(MAX_OFFSET_MS);
export const DurationMs = z.number().int().min(0).max(MAX_OFFSET_MS);
/**
 * An order key as the server sends it: base62 digits. Tolerant, so a key stored before keys were
 * validated still loads (the ordering code places others around it, S16).
 */
export const StoredOrderKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[0-9A-Za-z]+$/, 'expected a fractional order key');
/** An order key a client sends: exactly the keys the ordering code accepts (S16). */
export const OrderKey = StoredOrderKey.superRefine((key, ctx) => {
  const problem = orderKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * A NUL character or half a surrogate pair cannot be stored (PostgreSQL text and jsonb refuse
 * them): refused here, at the boundary, instead of failing the commit (S16).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string) => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
const STORABLE_MESSAGE = 'text must be valid Unicode without NUL characters';
const text = (max: number) => z.string().max(max).refine(storable, STORABLE_MESSAGE);
/** A required name: trimmed, not empty, at most `max` characters. */
const nameText = (max: number) =>
  z.string().trim().min(1, 'name is required').max(max).refine(storable, STORABLE_MESSAGE);

export const ElementFields = {
  type: ElementType,
  name: nameText(200),
  notes: text(4000),
  departmentId: Id.nullable(),
  priority: Priority,
  offsetMs: OffsetMs,
  durationMs: DurationMs.nullable(),
  location: text(200),
  colour: Colour.nullable(),
  parentId: Id.nullable(),
  orderKey: StoredOrderKey,
};

/** An element as the server sends it (snapshots, patches, REST answers). */
export const Element = z.strictObject({ id: Id, ...ElementFields });
export type Element = z.infer<typeof Element>;
/** An element a client creates: as above, with an order key the ordering code accepts (S16). */
export const NewElement = z.strictObject({ id: Id, ...ElementFields, orderKey: OrderKey });

/** Fields an update op may set. type and parent/order change through their own ops. */
export const EDITABLE_FIELDS = [
  'name',
  'notes',
  'departmentId',
  'priority',
  'offsetMs',
  'durationMs',
  'location',
  'colour',
] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
export const ElementPatch = z
  .strictObject({
    name: ElementFields.name,
    notes: ElementFields.notes,
    departmentId: ElementFields.departmentId,
    priority: ElementFields.priority,
    offsetMs: ElementFields.offsetMs,
    durationMs: ElementFields.durationMs,
    location: ElementFields.location,
    colour: ElementFields.colour,
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'at least one field to change');
export type ElementPatch = z.infer<typeof ElementPatch>;

/** The script's own fields, as ops and snapshots carry them. */
export const ScriptInfoFields = {
  name: nameText(200),
  status: ScriptStatus,
  notes: text(4000),
  plannedStart: IsoDateTime.nullable(),
  plannedEnd: IsoDateTime.nullable(),
};
export const ScriptInfo = z.strictObject(ScriptInfoFields);
export type ScriptInfo = z.infer<typeof ScriptInfo>;
export const ScriptInfoPatch = z
  .strictObject(ScriptInfoFields)
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'at least one field to change');
export type ScriptInfoPatch = z.infer<typeof ScriptInfoPatch>;

export const Script = z.strictObject({
  id: Id,
  showId: Id,
  ...ScriptInfoFields,
  shared: z.boolean(),
  version: z.number().int().min(0),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Script = z.infer<typeof Script>;

export const Department = z.strictObject({
  id: Id,
  showId: Id,
  name: nameText(60),
  initials: z
    .string()
    .trim()
    .min(1)
    .max(5)
    .regex(/^[A-Za-z0-9]+$/, 'letters and digits only'),
  colour: Colour,
});
export type Department = z.infer<typeof Department>;

export const Show = z.strictObject({
  id: Id,
  name: nameText(200),
  venue: text(200),
  firstPerformanceAt: IsoDateTime.nullable(),
  endsAt: IsoDateTime.nullable(),
  notes: text(4000),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Show = z.infer<typeof Show>;

/** A crew member's view of the script: which departments' cues they may see. */
export const CrewView = z.strictObject({
  allDepartments: z.boolean(),
  departmentIds: z.array(Id),
});
export type CrewView = z.infer<typeof CrewView>;

export const CrewAssignment = z.strictObject({
  id: Id,
  showId: Id,
  name: nameText(120),
  email: z.email().max(254).nullable(),
  role: text(120),
  allDepartments: z.boolean(),
  departmentIds: z.array(Id),
  expiresAt: IsoDateTime,
  revokedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});
export type CrewAssignment = z.infer<typeof CrewAssignment>;

export const User = z.strictObject({
  id: Id,
  email: z.email(),
  displayName: z.string(),
});
export type User = z.infer<typeof User>;
