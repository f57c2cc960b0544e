/**
 * applyOp: the one place the rules of a script live (group timing, group delete, moves, shifts).
 * Pure: it never mutates its input. The server runs it to commit; clients run it to apply their
 * own edits at once (optimistic) and to rebase pending edits on what the server sent.
 */
import type { Element, ScriptInfo } from './domain';
import { MAX_OFFSET_MS } from './domain';
import type { Op, SimpleOp } from './ops';
import { keysBetween } from './order';

export interface ScriptState {
  readonly info: ScriptInfo;
  readonly elements: ReadonlyMap<string, Element>;
}

/** What a committed op changed, as resulting values. */
export interface Patch {
  upserts: Element[];
  deletes: string[];
  info?: ScriptInfo;
}

/** The values before the op, for every element the patch touches (null: did not exist). */
export interface Prev {
  elements: Record<string, Element | null>;
  info?: ScriptInfo;
}

export interface ApplyResult {
  state: ScriptState;
  patch: Patch;
  prev: Prev;
}

export interface ApplyContext {
  /** When given, an element's departmentId must be one of these. */
  departmentIds?: ReadonlySet<string>;
}

/** A rule broken by an op. `code` is stable; `message` is for people. */
export class OpError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'EXISTS' | 'INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'OpError';
  }
}

/**
 * Throws OpError, and only OpError: applying is pure, so any failure is the op's on this state and
 * would fail again on a retry — a final refusal, never an internal error (S16).
 */
export function applyOp(state: ScriptState, op: Op, ctx: ApplyContext = {}): ApplyResult {
  try {
    const draft = new Draft(state, ctx);
    if (op.kind === 'batch') for (const sub of op.ops) draft.apply(sub);
    else draft.apply(op);
    return draft.finish();
  } catch (err) {
    if (err instanceof OpError) throw err;
    throw new OpError('INVALID', `this change cannot be applied: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Apply a committed patch (from the server) to a state. */
export function applyPatch(state: ScriptState, patch: Patch): ScriptState {
  const elements = new Map(state.elements);
  for (const id of patch.deletes) elements.delete(id);
  for (const el of patch.upserts) elements.set(el.id, el);
  return { info: patch.info ?? state.info, elements };
}

/** True when the patch changes nothing. */
export function isEmptyPatch(patch: Patch): boolean {
  return patch.upserts.length === 0 && patch.deletes.length === 0 && patch.info === undefined;
}

class Draft {
  private readonly elements: Map<string, Element>;
  private info: ScriptInfo;
  private readonly touched = new Set<string>();
  private readonly dirtyGroups = new Set<string>();

  constructor(
    private readonly base: ScriptState,
    private readonly ctx: ApplyContext,
  ) {
    this.elements = new Map(base.elements);
    this.info = base.info;
  }

  apply(op: SimpleOp): void {
    switch (op.kind) {
      case 'create':
        return this.create(op.element);
      case 'update':
        return this.update(op.id, op.fields);
      case 'delete':
        return this.remove(op.id);
      case 'move':
        return this.move(op.id, op.orderKey, op.parentId);
      case 'group':
        return this.group(op);
      case 'ungroup': {
        const el = this.get(op.id);
        if (el.type !== 'GROUP') throw new OpError('INVALID', `${label(el)} is not a group`);
        return this.remove(op.id);
      }
      case 'shift':
        return this.shift(op.ids, op.deltaMs);
      case 'scriptInfo':
        this.info = { ...this.info, ...op.fields };
        return;
    }
  }

  finish(): ApplyResult {
    this.recomputeGroups();
    const patch: Patch = { upserts: [], deletes: [] };
    const prev: Prev = { elements: {} };
    for (const id of this.touched) {
      const before = this.base.elements.get(id) ?? null;
      const after = this.elements.get(id) ?? null;
      if (sameElement(before, after)) continue;
      prev.elements[id] = before;
      if (after) patch.upserts.push(after);
      else patch.deletes.push(id);
    }
    if (!sameInfo(this.base.info, this.info)) {
      patch.info = this.info;
      prev.info = this.base.info;
    }
    return { state: { info: this.info, elements: this.elements }, patch, prev };
  }

  private get(id: string): Element {
    const el = this.elements.get(id);
    if (!el) throw new OpError('NOT_FOUND', `element ${id} does not exist`);
    return el;
  }

  private set(el: Element): void {
    this.elements.set(el.id, el);
    this.touched.add(el.id);
    if (el.parentId) this.dirtyGroups.add(el.parentId);
    if (el.type === 'GROUP') this.dirtyGroups.add(el.id);
  }

  private checkDepartment(departmentId: string | null): void {
    if (departmentId && this.ctx.departmentIds && !this.ctx.departmentIds.has(departmentId))
      throw new OpError('INVALID', `department ${departmentId} is not one of this show's departments`);
  }

  private checkParent(parentId: string | null, movingId?: string): void {
    if (parentId === null) return;
    const parent = this.elements.get(parentId);
    if (!parent) throw new OpError('NOT_FOUND', `parent group ${parentId} does not exist`);
    if (parent.type !== 'GROUP') throw new OpError('INVALID', `${label(parent)} is not a group`);
    if (movingId) {
      for (let at: Element | undefined = parent; at; at = at.parentId ? this.elements.get(at.parentId) : undefined)
        if (at.id === movingId) throw new OpError('INVALID', 'a group cannot be moved into itself');
    }
  }

  private create(el: Element): void {
    if (this.elements.has(el.id)) throw new OpError('EXISTS', `element ${el.id} already exists`);
    this.checkParent(el.parentId);
    this.checkDepartment(el.departmentId);
    this.set(el);
  }

  private update(id: string, fields: Partial<Element>): void {
    const el = this.get(id);
    this.checkDepartment(fields.departmentId ?? null);
    if (el.type === 'GROUP') {
      if (fields.durationMs !== undefined) throw new OpError('INVALID', `a group's duration comes from its children`);
      if (fields.offsetMs !== undefined && fields.offsetMs !== el.offsetMs) {
        // Moving a group in time moves its children; its offset then follows from them.
        const delta = fields.offsetMs - el.offsetMs;
        if (this.children(id).length > 0) this.shift([id], delta);
        else this.set({ ...this.get(id), offsetMs: fields.offsetMs });
      }
      const { offsetMs: _o, durationMs: _d, ...rest } = fields;
      if (Object.keys(rest).length > 0) this.set({ ...this.get(id), ...rest });
      return;
    }
    this.set({ ...el, ...fields });
  }

  private remove(id: string): void {
    const el = this.get(id);
    if (el.type === 'GROUP') {
      // Children move up one level, into the group's place, keeping their order.
      const kids = this.children(id);
      const next = this.nextSiblingKey(el);
      const keys = keysBetween(el.orderKey, next, kids.length);
      kids.forEach((kid, i) => this.set({ ...kid, parentId: el.parentId, orderKey: keys[i]! }));
    }
    this.elements.delete(id);
    this.touched.add(id);
    this.dirtyGroups.delete(id);
    if (el.parentId) this.dirtyGroups.add(el.parentId);
  }

  private move(id: string, orderKey: string, parentId: string | null | undefined): void {
    const el = this.get(id);
    const target = parentId === undefined ? el.parentId : parentId;
    this.checkParent(target, id);
    if (el.parentId) this.dirtyGroups.add(el.parentId);
    this.set({ ...el, orderKey, parentId: target });
  }

  private group(op: Extract<SimpleOp, { kind: 'group' }>): void {
    if (this.elements.has(op.groupId)) throw new OpError('EXISTS', `element ${op.groupId} already exists`);
    const ids = [...new Set(op.ids)];
    const members = ids.map((id) => this.get(id));
    const parentId = members[0]!.parentId;
    if (members.some((m) => m.parentId !== parentId))
      throw new OpError('INVALID', 'only elements at the same level can be grouped');
    const first = [...members].sort(compareSiblings)[0]!;
    this.set({
      id: op.groupId,
      type: 'GROUP',
      name: op.name,
      notes: op.notes ?? '',
      departmentId: null,
      priority: 'NORMAL',
      offsetMs: Math.min(...members.map((m) => m.offsetMs)),
      durationMs: null,
      location: '',
      colour: op.colour ?? null,
      parentId,
      orderKey: first.orderKey,
    });
    for (const m of members) this.set({ ...m, parentId: op.groupId });
  }

  private shift(ids: readonly string[], delta: number): void {
    const all = new Set<string>();
    const visit = (id: string) => {
      if (all.has(id)) return;
      const el = this.get(id);
      all.add(id);
      if (el.type === 'GROUP') for (const kid of this.children(id)) visit(kid.id);
    };
    ids.forEach(visit);
    for (const id of all) {
      const el = this.get(id);
      const offsetMs = el.offsetMs + delta;
      if (Math.abs(offsetMs) > MAX_OFFSET_MS)
        throw new OpError('INVALID', `shifting ${label(el)} would put it outside ±48 h`);
      this.set({ ...el, offsetMs });
    }
  }

  private children(groupId: string): Element[] {
    const kids: Element[] = [];
    for (const el of this.elements.values()) if (el.parentId === groupId) kids.push(el);
    return kids.sort(compareSiblings);
  }

  private nextSiblingKey(el: Element): string | null {
    let next: string | null = null;
    for (const other of this.elements.values()) {
      if (other.parentId !== el.parentId || other.id === el.id) continue;
      if (other.orderKey > el.orderKey && (next === null || other.orderKey < next)) next = other.orderKey;
    }
    return next;
  }

  /** A group's offset and duration follow from its children, innermost groups first. */
  private recomputeGroups(): void {
    // Every dirty group and its ancestors, each recomputed once, deepest first: a group is only
    // derived after every group below it that this op touched (whatever order they were touched in).
    const depth = new Map<string, number>();
    const depthOf = (id: string): number => {
      let d = 0;
      for (let at = this.elements.get(id); at?.parentId; at = this.elements.get(at.parentId)) d++;
      return d;
    };
    for (const id of this.dirtyGroups)
      for (
        let at = this.elements.get(id);
        at && !depth.has(at.id);
        at = at.parentId ? this.elements.get(at.parentId) : undefined
      )
        if (at.type === 'GROUP') depth.set(at.id, depthOf(at.id));
    const order = [...depth.keys()].sort((a, b) => depth.get(b)! - depth.get(a)!);
    for (const id of order) {
      const group = this.elements.get(id)!;
      const kids = this.children(id);
      if (kids.length === 0) {
        // No children, no span: an empty group keeps its own offset and has no duration.
        if (group.durationMs !== null) {
          this.elements.set(id, { ...group, durationMs: null });
          this.touched.add(id);
        }
        continue;
      }
      const start = Math.min(...kids.map((k) => k.offsetMs));
      const end = Math.max(...kids.map((k) => k.offsetMs + (k.durationMs ?? 0)));
      if (start !== group.offsetMs || end - start !== group.durationMs) {
        this.elements.set(id, { ...group, offsetMs: start, durationMs: end - start });
        this.touched.add(id);
      }
    }
  }
}

/** Sibling order: order key, then id, so equal keys made concurrently still sort the same everywhere. */
export function compareSiblings(a: Element, b: Element): number {
  if (a.orderKey !== b.orderKey) return a.orderKey < b.orderKey ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function label(el: Element): string {
  return `${el.type.toLowerCase()} "${el.name}"`;
}

function sameElement(a: Element | null, b: Element | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  for (const k of Object.keys(a) as (keyof Element)[]) if (a[k] !== b[k]) return false;
  return Object.keys(a).length === Object.keys(b).length;
}

function sameInfo(a: ScriptInfo, b: ScriptInfo): boolean {
  for (const k of Object.keys(a) as (keyof ScriptInfo)[]) if (a[k] !== b[k]) return false;
  return true;
}
