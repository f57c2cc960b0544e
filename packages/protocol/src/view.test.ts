/** Per-recipient views (DESIGN §4): crew see notes, groups and their departments' cues. */
import { describe, expect, it } from 'vitest';
import { applyOp, type ScriptState } from './apply';
import type { Element, ScriptInfo } from './domain';
import { crewView, filterElements, filterPatch, FULL_VIEW, isVisible, viewKey } from './view';

/** Deterministic UUIDs (v4 shape): tests stay reproducible and the package needs no I/O module. */
let seq = 0;
const randomUUID = (): string => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`;

const LX = randomUUID();
const SND = randomUUID();
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
const stateOf = (...elements: Element[]): ScriptState => ({ info, elements: new Map(elements.map((e) => [e.id, e])) });

const lxCrew = crewView(false, [LX]);
const sndCrew = crewView(false, [SND]);
const allCrew = crewView(true, []);

describe('visibility', () => {
  it('crew see their departments’ cues, every note and group, never cues of other or no department', () => {
    const lx = el({ name: 'LX 1', departmentId: LX });
    const snd = el({ name: 'SND 1', departmentId: SND });
    const none = el({ name: 'cue', departmentId: null });
    const note = el({ name: 'note', type: 'NOTE', departmentId: SND });
    const group = el({ name: 'G', type: 'GROUP' });
    const all = [lx, snd, none, note, group];
    expect(filterElements(lxCrew, all).map((e) => e.name)).toEqual(['LX 1', 'note', 'G']);
    expect(filterElements(allCrew, all)).toHaveLength(5);
    expect(filterElements(FULL_VIEW, all)).toHaveLength(5);
    expect(isVisible(sndCrew, snd)).toBe(true);
  });

  it('views with the same rights share one key, whatever the order of departments', () => {
    expect(viewKey(crewView(false, [LX, SND]))).toBe(viewKey(crewView(false, [SND, LX])));
    expect(viewKey(lxCrew)).not.toBe(viewKey(sndCrew));
    expect(viewKey(allCrew)).not.toBe(viewKey(FULL_VIEW));
  });
});

describe('filterPatch', () => {
  const cue = el({ name: 'LX 5', departmentId: LX });
  const base = stateOf(cue);

  it('a cue moved from LX to SND is a delete for LX crew, a create for SND crew, an update for the SM', () => {
    const { patch, prev } = applyOp(base, { kind: 'update', id: cue.id, fields: { departmentId: SND } });
    const moved = { ...cue, departmentId: SND };
    expect(filterPatch(lxCrew, patch, prev)).toEqual({ upserts: [], deletes: [cue.id] });
    expect(filterPatch(sndCrew, patch, prev)).toEqual({ upserts: [moved], deletes: [] });
    expect(filterPatch(FULL_VIEW, patch, prev)).toEqual({ upserts: [moved], deletes: [] });
    expect(filterPatch(allCrew, patch, prev)).toEqual({ upserts: [moved], deletes: [] });
  });

  it('a cue moved to no department disappears for LX crew; moved back it reappears', () => {
    const away = applyOp(base, { kind: 'update', id: cue.id, fields: { departmentId: null } });
    expect(filterPatch(lxCrew, away.patch, away.prev)).toEqual({ upserts: [], deletes: [cue.id] });
    const back = applyOp(away.state, { kind: 'update', id: cue.id, fields: { departmentId: LX } });
    expect(filterPatch(lxCrew, back.patch, back.prev)).toEqual({ upserts: [cue], deletes: [] });
  });

  it('changes to cues a crew never sees, and their deletion, send that crew nothing', () => {
    const upd = applyOp(base, { kind: 'update', id: cue.id, fields: { notes: 'n' } });
    expect(filterPatch(sndCrew, upd.patch, upd.prev)).toEqual({ upserts: [], deletes: [] });
    const del = applyOp(base, { kind: 'delete', id: cue.id });
    expect(filterPatch(sndCrew, del.patch, del.prev)).toEqual({ upserts: [], deletes: [] });
    expect(filterPatch(lxCrew, del.patch, del.prev)).toEqual({ upserts: [], deletes: [cue.id] });
  });

  it('a create is seen only by the views that may see the element; script info by every view', () => {
    const sndCue = el({ name: 'SND 2', departmentId: SND });
    const r = applyOp(base, {
      kind: 'batch',
      ops: [
        { kind: 'create', element: sndCue },
        { kind: 'scriptInfo', fields: { name: 'Act 2' } },
      ],
    });
    const lx = filterPatch(lxCrew, r.patch, r.prev);
    expect(lx.upserts).toEqual([]);
    expect(lx.info?.name).toBe('Act 2');
    expect(filterPatch(sndCrew, r.patch, r.prev).upserts).toEqual([sndCue]);
  });

  it('grouping a hidden cue sends the crew the new group but not the cue', () => {
    const other = el({ name: 'SND 3', departmentId: SND, orderKey: 'a1' });
    const groupId = randomUUID();
    const r = applyOp(stateOf(cue, other), { kind: 'group', groupId, ids: [cue.id, other.id], name: 'G' });
    const lx = filterPatch(lxCrew, r.patch, r.prev);
    expect(lx.upserts.map((e) => e.id).sort()).toEqual([cue.id, groupId].sort());
    expect(lx.deletes).toEqual([]);
  });
});
