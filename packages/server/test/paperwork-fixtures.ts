/**
 * A production-sized script for the paperwork tests: 300 elements across the show's departments,
 * in groups nested three deep (acts > scenes > sequences), with notes, every priority, locations,
 * durations, colours, pre-show (negative) times and text that needs CSV quoting.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { PRIORITIES, keysBetween, treeOrder, type Department, type Element, type SimpleOp } from '@cuebe/protocol';
import type { SmClient } from './http';

/** The demo production's calling script, for browser tests and the docs' pictures. */
export { demoElements, departmentsByInitials } from '../src/seed/demo';

export interface BigScript {
  scriptId: string;
  showId: string;
  departments: Department[];
}

/** Creates a show and a script of exactly `total` elements (the SHOW START/END notes replaced). */
export async function bigScript(sm: SmClient, total = 300, name = 'Big book'): Promise<BigScript> {
  const { body } = await sm.post('/api/shows', { name: 'Paperwork: The Tempest', venue: 'Main House' });
  const showId: string = body.show.id;
  const departments: Department[] = body.departments;
  const made = await sm.post(`/api/shows/${showId}/scripts`, { name });
  const scriptId: string = made.body.script.id;
  const starting: Element[] = made.body.elements;

  const els: Element[] = [];
  const add = (el: Omit<Element, 'orderKey'>, key: string) => els.push({ ...el, orderKey: key });
  const base = (over: Partial<Element>): Omit<Element, 'orderKey'> => ({
    id: randomUUID(),
    type: 'CUE',
    name: 'x',
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: 0,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    ...over,
  });
  const acts = 2;
  const scenes = 3;
  const seqs = 2;
  const groupsCount = acts + acts * scenes + acts * scenes * seqs; // 20
  const leafTotal = total - groupsCount - 2;
  const perSeq = Math.floor(leafTotal / (acts * scenes * seqs));
  let leavesLeft = leafTotal;
  const topKeys = keysBetween(null, null, acts + 2);
  add(
    base({ type: 'NOTE', name: 'HOUSE OPEN', notes: 'FOH clearance, doors open', offsetMs: -30 * 60_000 }),
    topKeys[0]!,
  );
  let n = 0;
  for (let a = 0; a < acts; a++) {
    const act = base({ type: 'GROUP', name: `Act ${a + 1}`, colour: '#2f80ed', notes: 'Act notes, "quoted"' });
    add(act, topKeys[a + 1]!);
    const sceneKeys = keysBetween(null, null, scenes);
    for (let sc = 0; sc < scenes; sc++) {
      const scene = base({ type: 'GROUP', name: `Scene ${sc + 1}`, parentId: act.id, priority: 'HIGH' });
      add(scene, sceneKeys[sc]!);
      const seqKeys = keysBetween(null, null, seqs);
      for (let q = 0; q < seqs; q++) {
        const seq = base({ type: 'GROUP', name: q === 0 ? 'Storm' : 'Calm, after', parentId: scene.id });
        add(seq, seqKeys[q]!);
        const last = a === acts - 1 && sc === scenes - 1 && q === seqs - 1;
        const count = last ? leavesLeft : perSeq;
        leavesLeft -= count;
        const keys = keysBetween(null, null, count);
        for (let i = 0; i < count; i++) {
          n++;
          const dept = departments[n % departments.length]!;
          const isNote = n % 9 === 0;
          add(
            base({
              type: isNote ? 'NOTE' : 'CUE',
              name: isNote ? `Note ${n}` : `${dept.initials} ${n}`,
              notes: n % 5 === 0 ? `Line one, with a comma\nline two "quoted"` : n % 7 === 0 ? '=SUM(A1)' : `Cue ${n}`,
              departmentId: isNote && n % 2 ? null : dept.id,
              priority: PRIORITIES[n % PRIORITIES.length]!,
              offsetMs: (a * 60 + sc * 15 + q * 5) * 60_000 + i * 1500 + (n % 3 === 0 ? 250 : 0),
              durationMs: n % 4 === 0 ? null : (n % 10) * 1000,
              location: n % 3 === 0 ? 'Fly floor SL' : '',
              colour: n % 6 === 0 ? '#eb5757' : null,
              parentId: seq.id,
            }),
            keys[i]!,
          );
        }
      }
    }
  }
  add(base({ type: 'NOTE', name: 'SHOW END', offsetMs: 150 * 60_000 }), topKeys[acts + 1]!);
  const ops: SimpleOp[] = [
    ...starting.map((e): SimpleOp => ({ kind: 'delete', id: e.id })),
    ...els.map((element): SimpleOp => ({ kind: 'create', element })),
  ];
  const res = await sm.post(`/api/scripts/${scriptId}/ops`, {
    opId: randomUUID(),
    baseVersion: 0,
    op: { kind: 'batch', ops },
  });
  expect(res.status, res.text).toBe(200);
  expect(els).toHaveLength(total);
  return { scriptId, showId, departments };
}

/**
 * What a script says, without ids or order keys: each row in tree order with its depth and every
 * field (department by initials). Two scripts that read the same on paper compare equal.
 */
export function shape(elements: readonly Element[], departments: readonly Department[]) {
  const initials = new Map(departments.map((d) => [d.id, d.initials]));
  return treeOrder(elements).map(({ element: e, depth }) => ({
    depth,
    type: e.type,
    name: e.name,
    notes: e.notes,
    department: e.departmentId ? (initials.get(e.departmentId) ?? '?') : null,
    priority: e.priority,
    offsetMs: e.offsetMs,
    durationMs: e.durationMs,
    location: e.location,
    colour: e.colour,
  }));
}
