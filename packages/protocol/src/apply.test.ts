/** applyOp: every op kind and the rules of a script (group timing, group delete, moves, batches). */
import { describe, expect, it } from 'vitest';
import { applyOp, applyPatch, isEmptyPatch, OpError, type ScriptState } from './apply';
import type { Element, ScriptInfo } from './domain';
import type { Op } from './ops';
import { treeOrder } from './tree';

/** Deterministic UUIDs (v4 shape): tests stay reproducible and the package needs no I/O module. */
let seq = 0;
const randomUUID = (): string => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`;

const info: ScriptInfo = { name: 'Act 1', status: 'DRAFT', notes: '', plannedStart: null, plannedEnd: null };

function el(fields: Partial<Element> & Pick<Element, 'name'>): Element {
  return {
    id: randomUUID(),
    type: 'CUE',
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: 0,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: 'a0',
    ...fields,
  };
}

function stateOf(...elements: Element[]): ScriptState {
  return { info, elements: new Map(elements.map((e) => [e.id, e])) };
}

/** Apply and check the invariants every result must hold: input untouched, patch reproduces the state. */
function apply(state: ScriptState, op: Op, ctx?: Parameters<typeof applyOp>[2]) {
  const before = [...state.elements.entries()].map(([k, v]) => [k, { ...v }]);
  const result = applyOp(state, op, ctx);
  expect([...state.elements.entries()]).toEqual(before);
  const replayed = applyPatch(state, result.patch);
  expect(new Map(replayed.elements)).toEqual(new Map(result.state.elements));
  expect(replayed.info).toEqual(result.state.info);
  return result;
}

function expectOpError(fn: () => unknown, code: OpError['code']) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OpError);
    expect((err as OpError).code).toBe(code);
    return;
  }
  throw new Error('expected an OpError');
}

const names = (state: ScriptState, parentId: string | null) =>
  treeOrder(state.elements.values())
    .filter((r) => r.element.parentId === parentId)
    .map((r) => r.element.name);

describe('create', () => {
  it('adds the element and reports it in patch and prev', () => {
    const a = el({ name: 'LX 1' });
    const r = apply(stateOf(), { kind: 'create', element: a });
    expect(r.state.elements.get(a.id)).toEqual(a);
    expect(r.patch).toEqual({ upserts: [a], deletes: [] });
    expect(r.prev.elements).toEqual({ [a.id]: null });
  });

  it('refuses an id that exists, a missing parent, a parent that is not a group, a foreign department', () => {
    const a = el({ name: 'LX 1' });
    const s = stateOf(a);
    expectOpError(() => applyOp(s, { kind: 'create', element: { ...a } }), 'EXISTS');
    expectOpError(
      () => applyOp(s, { kind: 'create', element: el({ name: 'x', parentId: randomUUID() }) }),
      'NOT_FOUND',
    );
    expectOpError(() => applyOp(s, { kind: 'create', element: el({ name: 'x', parentId: a.id }) }), 'INVALID');
    const dept = randomUUID();
    const ctx = { departmentIds: new Set([dept]) };
    expectOpError(
      () => applyOp(s, { kind: 'create', element: el({ name: 'x', departmentId: randomUUID() }) }, ctx),
      'INVALID',
    );
    expect(
      apply(s, { kind: 'create', element: el({ name: 'x', departmentId: dept }) }, ctx).patch.upserts,
    ).toHaveLength(1);
  });

  it('a child created in a group stretches the group to cover it', () => {
    const g = el({ name: 'G', type: 'GROUP', offsetMs: 0, durationMs: 0 });
    const kid = el({ name: 'k', parentId: g.id, offsetMs: 5000, durationMs: 1000 });
    const r = apply(stateOf(g), { kind: 'create', element: kid });
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 5000, durationMs: 1000 });
    expect(r.prev.elements[g.id]).toEqual(g);
  });
});

describe('update', () => {
  it('changes the given fields only', () => {
    const a = el({ name: 'LX 1', notes: 'old' });
    const r = apply(stateOf(a), { kind: 'update', id: a.id, fields: { notes: 'new', priority: 'HIGH' } });
    expect(r.state.elements.get(a.id)).toEqual({ ...a, notes: 'new', priority: 'HIGH' });
    expect(r.prev.elements[a.id]).toEqual(a);
  });

  it('an update that changes nothing yields an empty patch', () => {
    const a = el({ name: 'LX 1', notes: 'same' });
    const r = apply(stateOf(a), { kind: 'update', id: a.id, fields: { notes: 'same' } });
    expect(isEmptyPatch(r.patch)).toBe(true);
  });

  it('refuses an unknown element and a foreign department', () => {
    expectOpError(() => applyOp(stateOf(), { kind: 'update', id: randomUUID(), fields: { notes: 'x' } }), 'NOT_FOUND');
    const a = el({ name: 'LX 1' });
    const ctx = { departmentIds: new Set([randomUUID()]) };
    expectOpError(
      () => applyOp(stateOf(a), { kind: 'update', id: a.id, fields: { departmentId: randomUUID() } }, ctx),
      'INVALID',
    );
  });

  it("a group's duration cannot be set; setting its offset moves its children", () => {
    const g = el({ name: 'G', type: 'GROUP', offsetMs: 1000, durationMs: 2000 });
    const k1 = el({ name: 'k1', parentId: g.id, offsetMs: 1000, orderKey: 'a0' });
    const k2 = el({ name: 'k2', parentId: g.id, offsetMs: 3000, orderKey: 'a1' });
    const s = stateOf(g, k1, k2);
    expectOpError(() => applyOp(s, { kind: 'update', id: g.id, fields: { durationMs: 5 } }), 'INVALID');
    const r = apply(s, { kind: 'update', id: g.id, fields: { offsetMs: 11_000, name: 'Group' } });
    expect(r.state.elements.get(k1.id)!.offsetMs).toBe(11_000);
    expect(r.state.elements.get(k2.id)!.offsetMs).toBe(13_000);
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 11_000, durationMs: 2000, name: 'Group' });
  });

  it('moving a child in time re-derives every enclosing group (nested)', () => {
    const outer = el({ name: 'outer', type: 'GROUP', offsetMs: 0, durationMs: 0 });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: outer.id, offsetMs: 0, durationMs: 0 });
    const a = el({ name: 'a', parentId: inner.id, offsetMs: 0, durationMs: 500 });
    const b = el({ name: 'b', parentId: outer.id, offsetMs: 1000, orderKey: 'a1' });
    let s = apply(stateOf(outer, inner, a, b), { kind: 'update', id: a.id, fields: { offsetMs: 100 } }).state;
    expect(s.elements.get(inner.id)).toMatchObject({ offsetMs: 100, durationMs: 500 });
    expect(s.elements.get(outer.id)).toMatchObject({ offsetMs: 100, durationMs: 900 });
    s = apply(s, { kind: 'update', id: a.id, fields: { offsetMs: 5000, durationMs: 1000 } }).state;
    expect(s.elements.get(inner.id)).toMatchObject({ offsetMs: 5000, durationMs: 1000 });
    expect(s.elements.get(outer.id)).toMatchObject({ offsetMs: 1000, durationMs: 5000 });
  });
});

describe('nested group timing', () => {
  it('an outer group is derived after the inner groups, whatever order the batch touched them in', () => {
    const outer = el({ name: 'outer', type: 'GROUP' });
    const mid = el({ name: 'mid', type: 'GROUP', parentId: outer.id });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: mid.id });
    const a = el({ name: 'a', parentId: inner.id, offsetMs: 0 });
    const b = el({ name: 'b', parentId: outer.id, offsetMs: 0, orderKey: 'a1' });
    const s = apply(stateOf(outer, mid, inner, a, b), { kind: 'update', id: a.id, fields: { notes: 'x' } }).state;
    // b (a child of outer) first, then a (three levels down).
    const r = apply(s, {
      kind: 'batch',
      ops: [
        { kind: 'update', id: b.id, fields: { offsetMs: 10 } },
        { kind: 'update', id: a.id, fields: { offsetMs: 100, durationMs: 5 } },
      ],
    });
    expect(r.state.elements.get(inner.id)).toMatchObject({ offsetMs: 100, durationMs: 5 });
    expect(r.state.elements.get(mid.id)).toMatchObject({ offsetMs: 100, durationMs: 5 });
    expect(r.state.elements.get(outer.id)).toMatchObject({ offsetMs: 10, durationMs: 95 });
  });
});

describe('delete and ungroup', () => {
  it('deletes a plain element', () => {
    const a = el({ name: 'a' });
    const r = apply(stateOf(a), { kind: 'delete', id: a.id });
    expect(r.state.elements.size).toBe(0);
    expect(r.patch).toEqual({ upserts: [], deletes: [a.id] });
    expect(r.prev.elements[a.id]).toEqual(a);
    expectOpError(() => applyOp(stateOf(), { kind: 'delete', id: a.id }), 'NOT_FOUND');
  });

  for (const kind of ['delete', 'ungroup'] as const) {
    it(`${kind} of a group promotes its children into its place, keeping their order`, () => {
      const before = el({ name: 'before', orderKey: 'a0' });
      const g = el({ name: 'G', type: 'GROUP', orderKey: 'a1' });
      const after = el({ name: 'after', orderKey: 'a2' });
      const k = [0, 1, 2].map((i) => el({ name: `k${i}`, parentId: g.id, orderKey: `a${i}`, offsetMs: 100 - i }));
      const r = apply(stateOf(before, g, after, ...k), { kind, id: g.id });
      expect(r.state.elements.has(g.id)).toBe(false);
      expect(names(r.state, null)).toEqual(['before', 'k0', 'k1', 'k2', 'after']);
      expect(r.patch.deletes).toEqual([g.id]);
    });
  }

  it('deleting a nested group moves its children up one level only, and re-derives the outer group', () => {
    const outer = el({ name: 'outer', type: 'GROUP' });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: outer.id, orderKey: 'a0' });
    const sib = el({ name: 'sib', parentId: outer.id, orderKey: 'a1', offsetMs: 10 });
    const k = el({ name: 'k', parentId: inner.id, offsetMs: 500, durationMs: 100 });
    const s = apply(stateOf(outer, inner, sib, k), { kind: 'update', id: sib.id, fields: { offsetMs: 20 } }).state;
    const r = apply(s, { kind: 'delete', id: inner.id });
    expect(r.state.elements.get(k.id)!.parentId).toBe(outer.id);
    expect(names(r.state, outer.id)).toEqual(['k', 'sib']);
    expect(r.state.elements.get(outer.id)).toMatchObject({ offsetMs: 20, durationMs: 580 });
  });

  it('ungroup refuses an element that is not a group', () => {
    const a = el({ name: 'a' });
    expectOpError(() => applyOp(stateOf(a), { kind: 'ungroup', id: a.id }), 'INVALID');
  });
});

describe('move', () => {
  it('changes the order key, and the parent when given (null: top level)', () => {
    const g = el({ name: 'G', type: 'GROUP', orderKey: 'a0' });
    const a = el({ name: 'a', orderKey: 'a1', offsetMs: 700 });
    let s = apply(stateOf(g, a), { kind: 'move', id: a.id, orderKey: 'Zz' }).state;
    expect(names(s, null)).toEqual(['a', 'G']);
    s = apply(s, { kind: 'move', id: a.id, orderKey: 'a0', parentId: g.id }).state;
    expect(s.elements.get(a.id)!.parentId).toBe(g.id);
    expect(s.elements.get(g.id)!.offsetMs).toBe(700);
    s = apply(s, { kind: 'move', id: a.id, orderKey: 'a5', parentId: null }).state;
    expect(s.elements.get(a.id)!.parentId).toBeNull();
    expect(names(s, null)).toEqual(['G', 'a']);
  });

  it('refuses moving a group into itself or its own descendant (cycle), or under a non-group', () => {
    const outer = el({ name: 'outer', type: 'GROUP' });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: outer.id });
    const deepest = el({ name: 'deepest', type: 'GROUP', parentId: inner.id });
    const cue = el({ name: 'cue', orderKey: 'a5' });
    const s = stateOf(outer, inner, deepest, cue);
    expectOpError(() => applyOp(s, { kind: 'move', id: outer.id, orderKey: 'a1', parentId: outer.id }), 'INVALID');
    expectOpError(() => applyOp(s, { kind: 'move', id: outer.id, orderKey: 'a1', parentId: deepest.id }), 'INVALID');
    expectOpError(() => applyOp(s, { kind: 'move', id: inner.id, orderKey: 'a1', parentId: deepest.id }), 'INVALID');
    expectOpError(() => applyOp(s, { kind: 'move', id: inner.id, orderKey: 'a1', parentId: cue.id }), 'INVALID');
    expectOpError(
      () => applyOp(s, { kind: 'move', id: inner.id, orderKey: 'a1', parentId: randomUUID() }),
      'NOT_FOUND',
    );
    expect(
      apply(s, { kind: 'move', id: deepest.id, orderKey: 'a1', parentId: null }).state.elements.get(deepest.id)!
        .parentId,
    ).toBeNull();
  });

  it('moving a child out of a group re-derives the group it left', () => {
    const g = el({ name: 'G', type: 'GROUP' });
    const a = el({ name: 'a', parentId: g.id, offsetMs: 0 });
    const b = el({ name: 'b', parentId: g.id, offsetMs: 9000, orderKey: 'a1' });
    const s = apply(stateOf(g, a, b), { kind: 'update', id: a.id, fields: { offsetMs: 1 } }).state;
    const r = apply(s, { kind: 'move', id: b.id, orderKey: 'b0', parentId: null });
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 1, durationMs: 0 });
  });
});

describe('group', () => {
  it('wraps siblings in a new group placed at the first of them, timing derived from them', () => {
    const a = el({ name: 'a', orderKey: 'a0', offsetMs: 3000 });
    const b = el({ name: 'b', orderKey: 'a1', offsetMs: 1000, durationMs: 500 });
    const c = el({ name: 'c', orderKey: 'a2', offsetMs: 9000 });
    const groupId = randomUUID();
    const r = apply(stateOf(a, b, c), { kind: 'group', groupId, ids: [c.id, b.id], name: 'Scene', colour: '#112233' });
    const g = r.state.elements.get(groupId)!;
    expect(g).toMatchObject({ type: 'GROUP', name: 'Scene', colour: '#112233', orderKey: 'a1', parentId: null });
    expect(g).toMatchObject({ offsetMs: 1000, durationMs: 8000 });
    expect(names(r.state, groupId)).toEqual(['b', 'c']);
    expect(r.prev.elements[groupId]).toBeNull();
  });

  it('refuses elements at different levels, an existing group id, unknown members', () => {
    const g = el({ name: 'G', type: 'GROUP' });
    const a = el({ name: 'a', parentId: g.id });
    const b = el({ name: 'b' });
    const s = stateOf(g, a, b);
    expectOpError(() => applyOp(s, { kind: 'group', groupId: randomUUID(), ids: [a.id, b.id], name: 'x' }), 'INVALID');
    expectOpError(() => applyOp(s, { kind: 'group', groupId: b.id, ids: [g.id], name: 'x' }), 'EXISTS');
    expectOpError(
      () => applyOp(s, { kind: 'group', groupId: randomUUID(), ids: [randomUUID()], name: 'x' }),
      'NOT_FOUND',
    );
  });

  it('groups inside a group (nested timing)', () => {
    const g = el({ name: 'G', type: 'GROUP' });
    const a = el({ name: 'a', parentId: g.id, offsetMs: 100 });
    const b = el({ name: 'b', parentId: g.id, offsetMs: 200, orderKey: 'a1' });
    const s = apply(stateOf(g, a, b), { kind: 'update', id: a.id, fields: { offsetMs: 150 } }).state;
    const groupId = randomUUID();
    const r = apply(s, { kind: 'group', groupId, ids: [a.id, b.id], name: 'inner' });
    expect(r.state.elements.get(groupId)).toMatchObject({ parentId: g.id, offsetMs: 150, durationMs: 50 });
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 150, durationMs: 50 });
  });
});

describe('shift', () => {
  it('shifts elements, and a group its whole subtree (each element once)', () => {
    const g = el({ name: 'G', type: 'GROUP' });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: g.id });
    const a = el({ name: 'a', parentId: inner.id, offsetMs: 1000 });
    const b = el({ name: 'b', parentId: g.id, offsetMs: 2000, orderKey: 'a1' });
    const c = el({ name: 'c', offsetMs: 5000, orderKey: 'a3' });
    const s = apply(stateOf(g, inner, a, b, c), { kind: 'update', id: a.id, fields: { durationMs: 10 } }).state;
    const r = apply(s, { kind: 'shift', ids: [g.id, a.id, c.id], deltaMs: -500 });
    expect(r.state.elements.get(a.id)!.offsetMs).toBe(500);
    expect(r.state.elements.get(b.id)!.offsetMs).toBe(1500);
    expect(r.state.elements.get(c.id)!.offsetMs).toBe(4500);
    expect(r.state.elements.get(inner.id)).toMatchObject({ offsetMs: 500, durationMs: 10 });
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 500, durationMs: 1000 });
  });

  it('refuses a shift past ±48 h and unknown ids', () => {
    const a = el({ name: 'a', offsetMs: 47 * 3600_000 });
    expectOpError(() => applyOp(stateOf(a), { kind: 'shift', ids: [a.id], deltaMs: 3600_000 + 1 }), 'INVALID');
    expectOpError(() => applyOp(stateOf(a), { kind: 'shift', ids: [randomUUID()], deltaMs: 1 }), 'NOT_FOUND');
    expect(
      apply(stateOf(a), { kind: 'shift', ids: [a.id], deltaMs: 3600_000 }).state.elements.get(a.id)!.offsetMs,
    ).toBe(48 * 3600_000);
  });
});

describe('scriptInfo', () => {
  it('changes the script fields and reports the previous ones', () => {
    const r = apply(stateOf(), { kind: 'scriptInfo', fields: { name: 'Act 2', status: 'FINAL' } });
    expect(r.state.info).toEqual({ ...info, name: 'Act 2', status: 'FINAL' });
    expect(r.patch.info).toEqual(r.state.info);
    expect(r.prev.info).toEqual(info);
    expect(apply(stateOf(), { kind: 'scriptInfo', fields: { name: info.name } }).patch.info).toBeUndefined();
  });
});

describe('batch', () => {
  it('applies every sub-op as one patch; later sub-ops see earlier ones', () => {
    const a = el({ name: 'a' });
    const groupId = randomUUID();
    const r = apply(stateOf(), {
      kind: 'batch',
      ops: [
        { kind: 'create', element: a },
        { kind: 'update', id: a.id, fields: { notes: 'n' } },
        { kind: 'group', groupId, ids: [a.id], name: 'G' },
      ],
    });
    expect(r.state.elements.get(a.id)).toMatchObject({ notes: 'n', parentId: groupId });
    // Created in this batch: prev says it did not exist, whatever happened to it in between.
    expect(r.prev.elements).toEqual({ [a.id]: null, [groupId]: null });
  });

  it('is atomic: a failing sub-op throws and leaves the input state untouched', () => {
    const a = el({ name: 'a', notes: 'keep' });
    const s = stateOf(a);
    const snapshot = [...s.elements.entries()].map(([k, v]) => [k, { ...v }]);
    expectOpError(
      () =>
        applyOp(s, {
          kind: 'batch',
          ops: [
            { kind: 'update', id: a.id, fields: { notes: 'lost' } },
            { kind: 'create', element: el({ name: 'b' }) },
            { kind: 'delete', id: randomUUID() },
          ],
        }),
      'NOT_FOUND',
    );
    expect([...s.elements.entries()]).toEqual(snapshot);
    expect(s.info).toBe(info);
  });
});
