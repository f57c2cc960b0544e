/**
 * Operations: every change to a script is one of these. DESIGN §3.
 * The server validates, applies (applyOp), persists with a version bump, then broadcasts.
 */
import { z } from 'zod';
import { ElementFields, ElementPatch, Id, MAX_OFFSET_MS, NewElement, OrderKey, ScriptInfoPatch } from './domain';

export const CreateOp = z.strictObject({ kind: z.literal('create'), element: NewElement });
export const UpdateOp = z.strictObject({ kind: z.literal('update'), id: Id, fields: ElementPatch });
/** Deleting a group keeps its children: they move up one level (same rule as ungroup). */
export const DeleteOp = z.strictObject({ kind: z.literal('delete'), id: Id });
export const MoveOp = z.strictObject({
  kind: z.literal('move'),
  id: Id,
  orderKey: OrderKey,
  /** Omitted: stay in the current parent. null: top level. */
  parentId: Id.nullable().optional(),
});
export const GroupOp = z.strictObject({
  kind: z.literal('group'),
  /** Client-made id of the new group. */
  groupId: Id,
  ids: z.array(Id).min(1).max(1000),
  name: ElementFields.name,
  colour: ElementFields.colour.optional(),
  notes: ElementFields.notes.optional(),
});
export const UngroupOp = z.strictObject({ kind: z.literal('ungroup'), id: Id });
/** Shift the offsets of many elements (a group shifts its whole subtree) by deltaMs. */
export const ShiftOp = z.strictObject({
  kind: z.literal('shift'),
  ids: z.array(Id).min(1).max(5000),
  deltaMs: z
    .number()
    .int()
    .min(-2 * MAX_OFFSET_MS)
    .max(2 * MAX_OFFSET_MS),
});
export const ScriptInfoOp = z.strictObject({ kind: z.literal('scriptInfo'), fields: ScriptInfoPatch });

export const SimpleOp = z.discriminatedUnion('kind', [
  CreateOp,
  UpdateOp,
  DeleteOp,
  MoveOp,
  GroupOp,
  UngroupOp,
  ShiftOp,
  ScriptInfoOp,
]);
export type SimpleOp = z.infer<typeof SimpleOp>;

/** All or nothing: one version, one log entry. */
export const BatchOp = z.strictObject({ kind: z.literal('batch'), ops: z.array(SimpleOp).min(1).max(2000) });
export const Op = z.discriminatedUnion('kind', [
  CreateOp,
  UpdateOp,
  DeleteOp,
  MoveOp,
  GroupOp,
  UngroupOp,
  ShiftOp,
  ScriptInfoOp,
  BatchOp,
]);
export type Op = z.infer<typeof Op>;
export type OpKind = Op['kind'];
