/** inverseOp: applying an op and then its inverse gives back the elements and info as they were. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, compareSiblings, OpError, type ScriptState } from './apply';
import type { Element, ScriptInfo } from './domain';
import type { Op, SimpleOp } from './ops';
import { keyBetween } from './order';
import { inverseOp } from './undo';

/** Deterministic UUIDs (v4 shape): tests stay reproducible and the package needs no I/O module. */
let seq = 0;
const randomUUID = (): string => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`;

const info: ScriptInfo = { name: 'Act 1', status: 'DRAFT', notes: '', plannedStart: null, plannedEnd: null };
const DEPTS = ['6f1c1f5e-0000-4000-8000-000000000001', '6f1c1f5e-0000-4000-8000-000000000002'];

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

const stateOf = (...elements: Element[]): ScriptState => ({ info, elements: new Map(elements.map((e) => [e.id, e])) });

/** Elements and info, for comparison. */
function comparable(state: ScriptState): Map<string, unknown> {
  return new Map(state.elements);
}

/** Apply op, then its inverse: the state must be what it was. Returns the state after op. */
function roundTrip(state: ScriptState, op: Op): ScriptState {
  const { state: after, prev } = applyOp(state, op);
  const inverse = inverseOp(after, prev);
  if (inverse === null) {
    expect(comparable(after)).toEqual(comparable(state));
    return after;
  }
  const restored = applyOp(after, inverse).state;
  expect(comparable(restored)).toEqual(comparable(state));
  expect(restored.info).toEqual(state.info);
  return after;
}

function fixture() {
  const g = el({ name: 'G', type: 'GROUP', orderKey: 'a1' });
  const k1 = el({ name: 'k1', parentId: g.id, orderKey: 'a0', offsetMs: 1000, durationMs: 500 });
  const k2 = el({ name: 'k2', parentId: g.id, orderKey: 'a1', offsetMs: 3000 });
  const a = el({ name: 'a', orderKey: 'a0', departmentId: DEPTS[0]! });
  const b = el({ name: 'b', orderKey: 'a2', offsetMs: 7000 });
  // Derive the group's timing first, so the fixture is a state applyOp could have produced.
  const s = applyOp(stateOf(g, k1, k2, a, b), { kind: 'update', id: k2.id, fields: { notes: 'x' } }).state;
  return { s, g, k1, k2, a, b };
}

describe('inverseOp restores the previous state for every op kind', () => {
  const { s, g, k1, a, b } = fixture();
  const cases: [string, Op][] = [
    ['create', { kind: 'create', element: el({ name: 'new', parentId: g.id, offsetMs: 9000 }) }],
    ['update', { kind: 'update', id: a.id, fields: { notes: 'n', departmentId: DEPTS[1]!, priority: 'HIGH' } }],
    ['update of a group offset', { kind: 'update', id: g.id, fields: { offsetMs: 60_000, name: 'GG' } }],
    ['delete', { kind: 'delete', id: b.id }],
    ['delete of a group', { kind: 'delete', id: g.id }],
    ['move', { kind: 'move', id: k1.id, orderKey: 'Zz', parentId: null }],
    ['group', { kind: 'group', groupId: randomUUID(), ids: [a.id, b.id], name: 'new group' }],
    ['ungroup', { kind: 'ungroup', id: g.id }],
    ['shift', { kind: 'shift', ids: [g.id, b.id], deltaMs: -250 }],
    ['scriptInfo', { kind: 'scriptInfo', fields: { name: 'Act 2', notes: 'n' } }],
    [
      'batch',
      {
        kind: 'batch',
        ops: [
          { kind: 'delete', id: g.id },
          { kind: 'update', id: k1.id, fields: { name: 'renamed' } },
          { kind: 'create', element: el({ name: 'c', orderKey: 'a5' }) },
        ],
      },
    ],
  ];
  for (const [name, op] of cases) it(name, () => void roundTrip(s, op));

  it('returns null when the change was already undone', () => {
    const { state: after, prev } = applyOp(s, { kind: 'update', id: a.id, fields: { notes: 'n' } });
    const back = applyOp(after, inverseOp(after, prev)!).state;
    expect(inverseOp(back, prev)).toBeNull();
  });
});

// ---- property: random op sequences -----------------------------------------------------------

const KINDS = ['create', 'create', 'update', 'delete', 'move', 'group', 'ungroup', 'shift', 'scriptInfo'] as const;
const intentArb = fc.record({
  kind: fc.constantFrom(...KINDS),
  id: fc.uuid({ version: 4 }),
  pick: fc.nat(1000),
  pick2: fc.nat(1000),
  delta: fc.integer({ min: -20_000, max: 20_000 }),
  text: fc.constantFrom('a', 'b', 'c', 'd'),
});
type Intent = typeof intentArb extends fc.Arbitrary<infer T> ? T : never;

function opFor(state: ScriptState, i: Intent): SimpleOp | null {
  const all = [...state.elements.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  const groups = all.filter((e) => e.type === 'GROUP');
  const target = all.length ? all[i.pick % all.length]! : undefined;
  const key = (parentId: string | null, except?: string) => {
    const sibs = all.filter((e) => e.parentId === parentId && e.id !== except).sort(compareSiblings);
    const at = i.pick2 % (sibs.length + 1);
    return keyBetween(sibs[at - 1]?.orderKey ?? null, sibs[at]?.orderKey ?? null);
  };
  const someGroup = () => (groups.length && i.pick2 % 2 ? groups[i.pick2 % groups.length]!.id : null);
  switch (i.kind) {
    case 'create': {
      const parentId = someGroup();
      const type = (['CUE', 'NOTE', 'GROUP'] as const)[i.pick % 3]!;
      const element = el({
        id: i.id,
        name: i.text,
        type,
        parentId,
        orderKey: key(parentId),
        offsetMs: Math.abs(i.delta),
      });
      return { kind: 'create', element: { ...element, durationMs: i.pick2 } };
    }
    case 'update':
      if (!target) return null;
      if (i.pick2 % 3 === 0) return { kind: 'update', id: target.id, fields: { offsetMs: Math.abs(i.delta) } };
      if (i.pick2 % 3 === 1) return { kind: 'update', id: target.id, fields: { departmentId: DEPTS[i.pick % 2]! } };
      return { kind: 'update', id: target.id, fields: { name: i.text, notes: i.text } };
    case 'delete':
      return target ? { kind: 'delete', id: target.id } : null;
    case 'move': {
      if (!target) return null;
      const parentId = someGroup();
      return { kind: 'move', id: target.id, parentId, orderKey: key(parentId, target.id) };
    }
    case 'group': {
      if (!target) return null;
      const ids = all.filter((e) => e.parentId === target.parentId).slice(0, 1 + (i.pick2 % 3));
      return { kind: 'group', groupId: i.id, ids: ids.map((e) => e.id), name: i.text };
    }
    case 'ungroup':
      return groups.length ? { kind: 'ungroup', id: groups[i.pick % groups.length]!.id } : null;
    case 'shift':
      return target ? { kind: 'shift', ids: [target.id], deltaMs: i.delta } : null;
    case 'scriptInfo':
      return { kind: 'scriptInfo', fields: { notes: i.text } };
  }
}

describe('inverseOp (property)', () => {
  it('after any sequence of ops, applying op then its inverse gives back the same elements', () => {
    fc.assert(
      fc.property(fc.array(fc.array(intentArb, { minLength: 1, maxLength: 3 }), { maxLength: 40 }), (steps) => {
        let state: ScriptState = stateOf();
        const used = new Set<string>();
        for (const step of steps) {
          const ops: SimpleOp[] = [];
          let at = state;
          for (const intent of step) {
            // Ids are UUIDs made once (DESIGN §2): never reuse one, even of a deleted element.
            if ((intent.kind === 'create' || intent.kind === 'group') && used.has(intent.id)) continue;
            used.add(intent.id);
            const op = opFor(at, intent);
            if (!op) continue;
            try {
              at = applyOp(at, op).state;
              ops.push(op);
            } catch (err) {
              if (!(err instanceof OpError)) throw err;
            }
          }
          if (ops.length === 0) continue;
          const op: Op = ops.length === 1 ? ops[0]! : { kind: 'batch', ops };
          state = roundTrip(state, op);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('empty groups', () => {
  // An empty group has no span (duration null) and keeps its own offset, so nothing stale passes
  // to a group that holds it, and undoing the first child of an empty nested group restores both.
  it('undo of the first child of an empty nested group restores the outer group', () => {
    const outer = el({ name: 'outer', type: 'GROUP' });
    const inner = el({ name: 'inner', type: 'GROUP', parentId: outer.id, offsetMs: 0, durationMs: null });
    const cue = el({ name: 'c', offsetMs: 0 });
    let s = applyOp(stateOf(outer, inner, cue), { kind: 'update', id: cue.id, fields: { notes: 'x' } }).state;
    s = applyOp(s, { kind: 'update', id: inner.id, fields: { name: 'inner' } }).state;
    roundTrip(s, { kind: 'create', element: el({ name: 'k', parentId: inner.id, offsetMs: 5000, durationMs: 10 }) });
  });

  it('a group whose last child leaves has no duration, and keeps its offset', () => {
    const g = el({ name: 'G', type: 'GROUP' });
    const k = el({ name: 'k', parentId: g.id, offsetMs: 700, durationMs: 300 });
    const s = applyOp(stateOf(g, k), { kind: 'update', id: k.id, fields: { notes: 'x' } }).state;
    expect(s.elements.get(g.id)).toMatchObject({ offsetMs: 700, durationMs: 300 });
    const r = applyOp(s, { kind: 'move', id: k.id, orderKey: 'b0', parentId: null });
    expect(r.state.elements.get(g.id)).toMatchObject({ offsetMs: 700, durationMs: null });
  });
});
