/** Rows to domain shapes. Loaded rows are never mutated for display (DESIGN §7). */
import type { Department, Element, Script, ScriptHeader, ScriptInfo } from '@cuebe/protocol';
import type { departments, elements, scripts } from '../db/schema';

type ScriptRow = typeof scripts.$inferSelect;
type ElementRow = typeof elements.$inferSelect;
type DepartmentRow = typeof departments.$inferSelect;

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toElement(r: ElementRow): Element {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    notes: r.notes,
    departmentId: r.departmentId,
    priority: r.priority,
    offsetMs: r.offsetMs,
    durationMs: r.durationMs,
    location: r.location,
    colour: r.colour,
    parentId: r.parentId,
    orderKey: r.orderKey,
  };
}

export function toScriptInfo(r: ScriptRow): ScriptInfo {
  return {
    name: r.name,
    status: r.status,
    notes: r.notes,
    plannedStart: iso(r.plannedStart),
    plannedEnd: iso(r.plannedEnd),
  };
}

export function toScript(r: ScriptRow): Script {
  return {
    id: r.id,
    showId: r.showId,
    ...toScriptInfo(r),
    shared: r.shared,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toScriptHeader(r: ScriptRow): ScriptHeader {
  return { id: r.id, showId: r.showId, shared: r.shared, ...toScriptInfo(r) };
}

export function toDepartment(r: DepartmentRow): Department {
  return { id: r.id, showId: r.showId, name: r.name, initials: r.initials, colour: r.colour };
}
