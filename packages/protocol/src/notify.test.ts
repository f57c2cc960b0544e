import { describe, expect, it } from 'vitest';
import type { Element } from './domain';
import { AccountPreferences, changeNotifies, DEFAULT_NOTIFY_PREFS } from './notify';

const LX = '00000000-0000-4000-8000-00000000000a';
const SND = '00000000-0000-4000-8000-00000000000b';
const el = (id: string, over: Partial<Element> = {}): Element => ({
  id,
  type: 'CUE',
  name: id,
  notes: '',
  departmentId: LX,
  priority: 'NORMAL',
  offsetMs: 0,
  durationMs: null,
  location: '',
  colour: null,
  parentId: null,
  orderKey: 'a0',
  ...over,
});
const patch = (upserts: Element[], deletes: string[] = []) => ({ patch: { upserts, deletes } });

describe('which changes notify', () => {
  const before = new Map([
    ['lx1', el('lx1')],
    ['snd1', el('snd1', { departmentId: SND })],
    ['note', el('note', { type: 'NOTE', departmentId: null })],
  ]);
  const mine = new Set([LX]);
  it("'none' never, 'all' always", () => {
    expect(changeNotifies(patch([el('lx1')]), before, { changes: 'none' }, mine)).toBe(false);
    expect(
      changeNotifies(patch([el('note', { type: 'NOTE', departmentId: null })]), before, { changes: 'all' }, mine),
    ).toBe(true);
  });
  it("'departments': cues of my departments — edited, added, deleted, or moved out of them", () => {
    const p = { changes: 'departments' } as const;
    expect(changeNotifies(patch([el('lx1', { notes: 'x' })]), before, p, mine)).toBe(true);
    expect(changeNotifies(patch([el('lx9')]), before, p, mine)).toBe(true);
    expect(changeNotifies(patch([], ['lx1']), before, p, mine)).toBe(true);
    expect(changeNotifies(patch([el('lx1', { departmentId: SND })]), before, p, mine)).toBe(true);
    expect(changeNotifies(patch([el('snd1', { departmentId: SND, notes: 'x' })]), before, p, mine)).toBe(false);
    expect(changeNotifies(patch([el('note', { type: 'NOTE', departmentId: null, notes: 'x' })]), before, p, mine)).toBe(
      false,
    );
    expect(changeNotifies(patch([el('snd1', { departmentId: SND, notes: 'x' })]), before, p, 'all')).toBe(true);
  });
  it('stored preferences are read leniently, field by field', () => {
    expect(AccountPreferences.parse({})).toEqual({ notify: DEFAULT_NOTIFY_PREFS });
    expect(AccountPreferences.parse({ notify: { changes: 'bogus', sound: true } })).toEqual({
      notify: { changes: 'all', departmentIds: [], sound: true },
    });
  });
});
