/**
 * S16 A deterministic refusal is final: ops with arbitrary field values (order keys, offsets,
 * names, nesting; create / update / delete / move / shift / group / ungroup / batch sequences),
 * sent over a real socket and over REST to a real server, never get INTERNAL (or a 500), and a
 * SyncClient editing the same script beside them never keeps retrying a refused op.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysBetween, MAX_OFFSET_MS, type ErrorMessage, type Op } from '@cuebe/protocol';
import { MAX_INTERNAL_ATTEMPTS, type SyncEvents } from '@cuebe/client';
import { waitFor } from '@cuebe/client/testing';
import { elements as elementRows } from '../src/db/schema';
import { backend, startServer, type TestServer } from './harness';
import { connect, databaseState, expectConverged, newScript, settle, stage, type Stage } from './client-setup';
import { element } from './http';
import { Wire } from './hub-wire';

/**
 * Ids are drawn as picks: a create or group makes a new id (now and then reuses one), any other
 * reference picks among the ids made so far in the run (element ids are unique across scripts,
 * so each run makes its own).
 */
const idx = fc.nat(1000);

/** Mostly ordinary values, so scripts grow, nest and reorder; now and then a hostile one. */
const mostly = <T, U>(ordinary: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 24, arbitrary: ordinary }, { weight: 1, arbitrary: hostile });

const VALID_KEYS = keysBetween(null, null, 12);
const orderKeyArb = mostly(
  fc.constantFrom(...VALID_KEYS),
  fc.oneof(
    // Keys the schema once accepted and the ordering code refused.
    fc.constantFrom('a0BPdn0', 'a00', 'Z', 'b0', 'zz', 'A00000000000000000000000000', '0', 'a0V0'),
    fc.stringMatching(/^[0-9A-Za-z]{1,9}$/),
    fc.string({ maxLength: 6 }),
  ),
);
const textArb = mostly(
  fc.oneof(fc.constantFrom('LX 1', 'SND 4', 'Storm', 'Beginners'), fc.string({ minLength: 1, maxLength: 20 })),
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('', ' ', '\u0000', 'LX\u0000 5', '\ud800', 'a\udc00b', '🎭', 'x'.repeat(201)),
  ),
);
const offsetArb = mostly(
  fc.integer({ min: -3_600_000, max: 3_600_000 }),
  fc.oneof(
    fc.integer({ min: -MAX_OFFSET_MS, max: MAX_OFFSET_MS }),
    fc.constantFrom(-MAX_OFFSET_MS, MAX_OFFSET_MS, MAX_OFFSET_MS + 1, 2 ** 31, -(2 ** 31) - 1),
    fc.double(),
  ),
);
const durationArb = mostly(fc.oneof(fc.constant(null), fc.nat(600_000)), offsetArb);
const typeArb = mostly(fc.constantFrom('CUE', 'CUE', 'NOTE', 'GROUP'), fc.constant('BOGUS'));
const parentArb = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: idx });
const colourArb = mostly(fc.constant(null), fc.constantFrom('#1f6feb', '#FFFFFF', 'red', '#12345'));

/** An op in terms of pool indexes (and a department slot: 0 LX, 1 SND, 2 a foreign one, null). */
type Draft =
  | {
      kind: 'create';
      id: number;
      type: string;
      name: string;
      notes: string;
      offsetMs: number;
      durationMs: number | null;
      parent: number | null;
      orderKey: string;
      dept: number | null;
      colour: string | null;
    }
  | { kind: 'update'; id: number; fields: Record<string, unknown> }
  | { kind: 'delete' | 'ungroup'; id: number }
  | { kind: 'move'; id: number; orderKey: string; parent: number | null | undefined }
  | { kind: 'shift'; ids: number[]; deltaMs: number }
  | { kind: 'group'; group: number; ids: number[]; name: string }
  | { kind: 'junk'; value: unknown };
type Batch = { kind: 'batch'; ops: Draft[] };

const deptArb = mostly(fc.constantFrom(null, 0, 1), fc.constant(2));
const simpleArb: fc.Arbitrary<Draft> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      id: idx,
      type: typeArb,
      name: textArb,
      notes: textArb,
      offsetMs: offsetArb,
      durationMs: durationArb,
      parent: parentArb,
      orderKey: orderKeyArb,
      dept: deptArb,
      colour: colourArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      id: idx,
      fields: fc.record<Record<string, unknown>>(
        {
          name: textArb,
          notes: textArb,
          offsetMs: offsetArb,
          durationMs: durationArb,
          location: textArb,
          priority: mostly(fc.constantFrom('SAFETY', 'LOW'), fc.constant('MEH')),
          colour: colourArb,
        },
        { requiredKeys: [] },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'ungroup' as const), id: idx }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      id: idx,
      orderKey: orderKeyArb,
      parent: fc.oneof(fc.constant(undefined), parentArb),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('shift' as const),
      ids: fc.array(idx, { minLength: 1, maxLength: 3 }),
      deltaMs: mostly(
        fc.integer({ min: -600_000, max: 600_000 }),
        fc.oneof(fc.integer({ min: -2 * MAX_OFFSET_MS, max: 2 * MAX_OFFSET_MS }), fc.constant(MAX_OFFSET_MS)),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('group' as const),
      group: idx,
      ids: fc.array(idx, { minLength: 1, maxLength: 4 }),
      name: textArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: fc.jsonValue({ maxDepth: 2 }) }) },
);
const opArb: fc.Arbitrary<Draft | Batch> = fc.oneof(
  { weight: 5, arbitrary: simpleArb },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      ops: fc.array(simpleArb, { minLength: 1, maxLength: 4 }),
    }),
  },
);
const runArb = fc.array(fc.record({ op: opArb, rest: fc.boolean() }), { minLength: 4, maxLength: 24 });

class Ids {
  /** The script's elements now (read before each op), as { id, group }. */
  now: { id: string; group: boolean }[] = [];
  /** An existing element (one time in ten, or before any, an id nobody made). */
  pick(i: number): string {
    if (this.now.length === 0 || i % 10 === 9) return randomUUID();
    return this.now[i % this.now.length]!.id;
  }
  /** A parent: mostly an existing group. */
  parent(i: number): string {
    const groups = this.now.filter((e) => e.group);
    return groups.length > 0 && i % 4 !== 3 ? groups[i % groups.length]!.id : this.pick(i);
  }
  /** A new id, or (one time in eight) one in use. */
  fresh(i: number): string {
    return this.now.length > 0 && i % 8 === 0 ? this.pick(i) : randomUUID();
  }
}

/** The op as a client would put it on the wire (unchecked: the server is the one checking). */
function realise(d: Draft | Batch, ids: Ids, depts: (string | null)[]): unknown {
  const id = (i: number) => ids.pick(i);
  const dept = (i: number | null) => (i === null ? null : depts[i]!);
  switch (d.kind) {
    case 'batch':
      return { kind: 'batch', ops: d.ops.map((o) => realise(o, ids, depts)) };
    case 'create':
      return {
        kind: 'create',
        element: {
          ...element({ id: ids.fresh(d.id), departmentId: dept(d.dept) }),
          type: d.type,
          name: d.name,
          notes: d.notes,
          offsetMs: d.offsetMs,
          durationMs: d.durationMs,
          parentId: d.parent === null ? null : ids.parent(d.parent),
          orderKey: d.orderKey,
          colour: d.colour,
        },
      };
    case 'update':
      return { kind: 'update', id: id(d.id), fields: d.fields };
    case 'delete':
    case 'ungroup':
      return { kind: d.kind, id: id(d.id) };
    case 'move':
      return {
        kind: 'move',
        id: id(d.id),
        orderKey: d.orderKey,
        ...(d.parent === undefined ? {} : { parentId: d.parent === null ? null : ids.parent(d.parent) }),
      };
    case 'shift':
      return { kind: 'shift', ids: d.ids.map(id), deltaMs: d.deltaMs };
    case 'group':
      return { kind: 'group', ids: d.ids.map(id), groupId: ids.fresh(d.group), name: d.name };
    case 'junk':
      return d.value;
  }
}

describe(`S16 ops with arbitrary values (${backend})`, () => {
  let s: TestServer;
  let st: Stage;
  let foreignDept: string;
  beforeAll(async () => {
    s = await startServer();
    st = await stage(s);
    const other = await stage(s);
    foreignDept = other.LX;
  });
  afterAll(() => s?.close());

  it('S16 the server never answers INTERNAL or 500, every refusal is final, and a client beside them settles', async () => {
    let sent = 0;
    let refused = 0;
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(runArb, fc.array(opArb, { maxLength: 8 }), async (run, clientDrafts) => {
        const scriptId = await newScript(st);
        const ids = new Ids();
        const depts = [st.LX, st.SND, foreignDept];
        const wire = await Wire.hello(s, scriptId, { cookie: st.sm.cookie });
        const sm = connect(() => s, scriptId, { cookie: st.sm.cookie });
        const dropped: SyncEvents['dropped'][] = [];
        sm.client.on('dropped', (e) => dropped.push(e));
        try {
          const welcome = await wire.next('welcome');
          let version = welcome.version;
          await waitFor(() => sm.client.getSnapshot().status === 'live', 'client live', 10_000);
          for (const [i, { op, rest }] of run.entries()) {
            // The client edits the same script meanwhile (whatever its own checks let through), so
            // the server also refuses ops the client believed valid.
            ids.now = (await databaseState(s, scriptId)).elements.map((e) => ({ id: e.id, group: e.type === 'GROUP' }));
            const mine = clientDrafts[i];
            if (mine !== undefined)
              try {
                sm.client.submit(realise(mine, ids, depts) as Op);
              } catch {
                // refused locally: never sent
              }
            const body = realise(op, ids, depts);
            sent++;
            if (rest) {
              const res = await st.sm.post(`/api/scripts/${scriptId}/ops`, {
                opId: randomUUID(),
                op: body,
                baseVersion: version,
              });
              expect(res.status, `REST ${JSON.stringify(body)} → ${res.text}`).toBeLessThan(500);
              if (res.status === 200) version = Math.max(version, res.body.version as number);
              else {
                refused++;
                reasons.add(String(res.body.error.message).replace(/[0-9a-f-]{36}/g, 'ID'));
                expect(['BAD_OP', 'BAD_MESSAGE', 'NOT_FOUND']).toContain(res.body.error.code);
              }
              continue;
            }
            const opId = randomUUID();
            wire.send({ type: 'op', opId, baseVersion: version, op: body } as never);
            await wire.until(
              (all) => all.some((m) => (m.type === 'ack' || m.type === 'error') && 'opId' in m && m.opId === opId),
              10_000,
              `an answer to ${opId}`,
            );
            const answer = wire.messages.find(
              (m) => (m.type === 'ack' || m.type === 'error') && 'opId' in m && m.opId === opId,
            )!;
            if (answer.type === 'ack') version = Math.max(version, answer.version);
            else {
              refused++;
              const e = answer as ErrorMessage;
              reasons.add(e.message.replace(/[0-9a-f-]{36}/g, 'ID'));
              expect(e.code, `${JSON.stringify(body)} → ${e.message}`).not.toBe('INTERNAL');
              expect(e.retryable, `${JSON.stringify(body)} → ${e.code} ${e.message}`).toBe(false);
            }
          }
          expect(wire.invalid).toEqual([]);
          expect(wire.all('error').filter((e) => e.code === 'INTERNAL')).toEqual([]);
          // Every op the client sent was acknowledged or dropped for good: nothing stays queued.
          const db = await settle(s, scriptId, [sm], 15_000);
          expectConverged(db, [sm]);
          expect(dropped.filter((d) => d.code === 'INTERNAL')).toEqual([]);
        } finally {
          sm.client.close();
          wire.close();
        }
      }),
      { numRuns: backend === 'postgres' ? 25 : 30, seed: 20261204, endOnFailure: true },
    );
    // The runs did reach refusals (the property is not vacuous).
    expect(sent).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(20);
    expect(refused).toBeLessThan(sent * 0.7);
    // Refused for rules of the script (not only for the shape), so the ops did reach applyOp.
    expect(
      [...reasons].filter((r) => /does not exist|is not a group|same level|already exists/.test(r)).length,
    ).toBeGreaterThan(2);
  }, 240_000);

  it('S16 a key the schema once accepted and the ordering code refuses ("a0BPdn0") is a BAD_MESSAGE naming orderKey, on socket and REST', async () => {
    const scriptId = await newScript(st);
    const wire = await Wire.hello(s, scriptId, { cookie: st.sm.cookie });
    const { version } = await wire.next('welcome');
    const poisoned = element({ orderKey: 'a0BPdn0' });
    const opId = wire.op({ kind: 'create', element: poisoned }, version);
    const err = await wire.next('error', (e) => e.opId === opId);
    expect(err).toMatchObject({ code: 'BAD_MESSAGE', retryable: false });
    expect(err.message).toMatch(/orderKey/);
    const rest = await st.sm.post(`/api/scripts/${scriptId}/elements`, poisoned);
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: 'BAD_MESSAGE', field: 'orderKey' });
    wire.close();
  });

  it('S16 a stored key the ordering code refuses (written before keys were checked) does not block deleting its group', async () => {
    const scriptId = await newScript(st);
    const cue = element({ name: 'LX 9', departmentId: st.LX, orderKey: 'a0V' });
    const made = await st.sm.post(`/api/scripts/${scriptId}/elements`, cue);
    expect(made.status).toBe(201);
    const groupId = randomUUID();
    const grouped = await st.sm.post(`/api/scripts/${scriptId}/ops`, {
      opId: randomUUID(),
      baseVersion: made.body.version,
      op: { kind: 'group', groupId, ids: [cue.id], name: 'Storm' },
    });
    expect(grouped.status).toBe(200);
    // As an older server let it in: the group's key ends in "0".
    await s.ctx.database.db
      .update(elementRows)
      .set({ orderKey: 'a0BPdn0' })
      .where(and(eq(elementRows.scriptId, scriptId), eq(elementRows.id, groupId)));
    s.ctx.store.invalidate(scriptId);
    const del = await st.sm.del(`/api/scripts/${scriptId}/elements/${groupId}`);
    expect(del.status).toBe(200);
    const db = await databaseState(s, scriptId);
    const kid = db.elements.find((e) => e.id === cue.id)!;
    expect(kid.parentId).toBeNull();
    expect(kid.orderKey > 'a0BPdn0').toBe(true);
  });

  it('S16 the client drops an op the server keeps answering INTERNAL after a few tries; later ops go through', async () => {
    const scriptId = await newScript(st);
    const store = s.ctx.store;
    const commit = store.commit.bind(store);
    const poisoned = element({ name: 'Poison', orderKey: 'a0V' });
    let tries = 0;
    store.commit = async (input) => {
      if (input.op.kind === 'create' && input.op.element.id === poisoned.id) {
        tries++;
        throw new Error('a fault this op always meets');
      }
      return commit(input);
    };
    const sm = connect(() => s, scriptId, { cookie: st.sm.cookie });
    try {
      await waitFor(() => sm.client.getSnapshot().status === 'live', 'client live', 10_000);
      const dropped: SyncEvents['dropped'][] = [];
      sm.client.on('dropped', (e) => dropped.push(e));
      sm.client.submit({ kind: 'create', element: poisoned });
      const after = element({ name: 'After', orderKey: 'a0W' });
      sm.client.submit({ kind: 'create', element: after });
      const db = await settle(s, scriptId, [sm], 15_000);
      expect(tries).toBe(MAX_INTERNAL_ATTEMPTS);
      expect(dropped).toEqual([expect.objectContaining({ code: 'INTERNAL' })]);
      expect(db.elements.map((e) => e.name)).toContain('After');
      expect(db.elements.map((e) => e.name)).not.toContain('Poison');
    } finally {
      store.commit = commit;
      sm.client.close();
    }
  });
});
