/**
 * Random but meaningful ops for property tests: fast-check draws an "intent" (numbers and
 * strings), and `opFor` turns it into an op against the current state (pick an existing element,
 * a sibling gap for an order key, a group as parent…). Shrinking works on the intents, and the
 * same intents replayed against the same state give the same ops.
 */
import fc from 'fast-check';
import {
  applyOp,
  compareSiblings,
  keyBetween,
  OpError,
  PRIORITIES,
  type Element,
  type Op,
  type ScriptState,
  type SimpleOp,
} from '@cuebe/protocol';

const SIMPLE_KINDS = [
  'create',
  'create',
  'update',
  'update',
  'delete',
  'move',
  'group',
  'ungroup',
  'shift',
  'scriptInfo',
] as const;

export interface Intent {
  kind: (typeof SIMPLE_KINDS)[number] | 'batch';
  id: string;
  pick: number;
  pick2: number;
  count: number;
  delta: number;
  text: string;
  sub: Omit<Intent, 'sub'>[];
}

const simpleIntent = fc.record({
  kind: fc.constantFrom(...SIMPLE_KINDS),
  id: fc.uuid({ version: 4 }),
  pick: fc.nat(1000),
  pick2: fc.nat(1000),
  count: fc.integer({ min: 1, max: 3 }),
  delta: fc.integer({ min: -60_000, max: 60_000 }),
  text: fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.trim() || 'x'),
});

export const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 9, arbitrary: simpleIntent.map((i) => ({ ...i, sub: [] })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ first: simpleIntent, sub: fc.array(simpleIntent, { minLength: 1, maxLength: 3 }) })
      .map(({ first, sub }) => ({ ...first, kind: 'batch' as const, sub })),
  },
);

/** The departments random ops assign cues to (null too). */
export interface RandomOpsContext {
  departmentIds: readonly string[];
}

const pickOf = <T>(list: readonly T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);

function sorted(state: ScriptState): Element[] {
  return [...state.elements.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

function siblings(state: ScriptState, parentId: string | null, except?: string): Element[] {
  return [...state.elements.values()].filter((e) => e.parentId === parentId && e.id !== except).sort(compareSiblings);
}

/** An order key in a gap chosen by n among the siblings of parentId. */
function keyIn(state: ScriptState, parentId: string | null, n: number, except?: string): string {
  const sibs = siblings(state, parentId, except);
  const at = n % (sibs.length + 1);
  return keyBetween(sibs[at - 1]?.orderKey ?? null, sibs[at]?.orderKey ?? null);
}

function simpleOpFor(state: ScriptState, i: Omit<Intent, 'sub'>, ctx: RandomOpsContext): SimpleOp | null {
  const all = sorted(state);
  const groups = all.filter((e) => e.type === 'GROUP');
  const target = pickOf(all, i.pick);
  switch (i.kind) {
    case 'create': {
      const type = (['CUE', 'CUE', 'NOTE', 'GROUP'] as const)[i.pick2 % 4]!;
      const parentId = i.pick % 3 === 0 ? (pickOf(groups, i.pick2)?.id ?? null) : null;
      const departmentId = type === 'CUE' ? (pickOf([null, ...ctx.departmentIds], i.pick2) ?? null) : null;
      return {
        kind: 'create',
        element: {
          id: i.id,
          type,
          name: `${type[0]} ${i.text}`,
          notes: '',
          departmentId,
          priority: 'NORMAL',
          offsetMs: Math.abs(i.delta) * 10,
          durationMs: type === 'GROUP' ? null : i.count * 1000,
          location: '',
          colour: null,
          parentId,
          orderKey: keyIn(state, parentId, i.pick2),
        },
      };
    }
    case 'update': {
      if (!target) return null;
      const choice = i.pick2 % 6;
      if (choice === 0) return { kind: 'update', id: target.id, fields: { notes: i.text } };
      if (choice === 1) return { kind: 'update', id: target.id, fields: { name: i.text } };
      if (choice === 2)
        return { kind: 'update', id: target.id, fields: { offsetMs: Math.max(0, target.offsetMs + i.delta) } };
      if (choice === 3)
        return {
          kind: 'update',
          id: target.id,
          fields: { departmentId: pickOf([null, ...ctx.departmentIds], i.pick2 + i.count) ?? null },
        };
      if (choice === 4) return { kind: 'update', id: target.id, fields: { priority: PRIORITIES[i.count % 6]! } };
      if (target.type === 'GROUP') return { kind: 'update', id: target.id, fields: { location: i.text } };
      return { kind: 'update', id: target.id, fields: { durationMs: i.count * 500, location: i.text } };
    }
    case 'delete':
      return target ? { kind: 'delete', id: target.id } : null;
    case 'move': {
      if (!target) return null;
      const parentId = i.pick2 % 2 === 0 ? null : (pickOf(groups, i.pick2)?.id ?? null);
      return { kind: 'move', id: target.id, parentId, orderKey: keyIn(state, parentId, i.count, target.id) };
    }
    case 'group': {
      if (!target) return null;
      const sibs = siblings(state, target.parentId);
      const start = sibs.findIndex((s) => s.id === target.id);
      const ids = sibs.slice(start, start + i.count).map((s) => s.id);
      return { kind: 'group', groupId: i.id, ids, name: `G ${i.text}` };
    }
    case 'ungroup': {
      const g = pickOf(groups, i.pick);
      return g ? { kind: 'ungroup', id: g.id } : null;
    }
    case 'shift': {
      if (!target) return null;
      const other = pickOf(all, i.pick2)!;
      return { kind: 'shift', ids: [...new Set([target.id, other.id])], deltaMs: i.delta };
    }
    case 'scriptInfo':
      return { kind: 'scriptInfo', fields: i.count === 1 ? { notes: i.text } : { name: `Script ${i.text}` } };
    case 'batch':
      return null;
  }
}

/**
 * The op an intent means against this state, or null when it means nothing here (nothing to
 * pick, or an op the rules refuse, like a move into its own subtree).
 */
export function opFor(state: ScriptState, intent: Intent, ctx: RandomOpsContext): Op | null {
  if (intent.kind !== 'batch') {
    const op = simpleOpFor(state, intent, ctx);
    return op && applies(state, op, ctx) ? op : null;
  }
  const ops: SimpleOp[] = [];
  let at = state;
  for (const sub of [intent, ...intent.sub]) {
    const op = simpleOpFor(at, { ...sub, kind: sub.kind === 'batch' ? 'create' : sub.kind }, ctx);
    if (!op) continue;
    try {
      at = applyOp(at, op, { departmentIds: new Set(ctx.departmentIds) }).state;
      ops.push(op);
    } catch (err) {
      if (!(err instanceof OpError)) throw err;
    }
  }
  return ops.length > 0 ? { kind: 'batch', ops } : null;
}

function applies(state: ScriptState, op: Op, ctx: RandomOpsContext): boolean {
  try {
    applyOp(state, op, { departmentIds: new Set(ctx.departmentIds) });
    return true;
  } catch (err) {
    if (err instanceof OpError) return false;
    throw err;
  }
}
