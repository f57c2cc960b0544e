/** Elements, departments and script headers for client tests. */
import type { Department, Element, ScriptHeader } from '@cuebe/protocol';

export const SHOW_ID = '5a000000-0000-4000-8000-000000000001';
export const LX: Department = {
  id: 'd1000000-0000-4000-8000-000000000001',
  showId: SHOW_ID,
  name: 'Lighting',
  initials: 'LX',
  colour: '#ffcc00',
};
export const SND: Department = {
  id: 'd2000000-0000-4000-8000-000000000002',
  showId: SHOW_ID,
  name: 'Sound',
  initials: 'SND',
  colour: '#00ccff',
};

export const script: ScriptHeader = {
  id: '5c000000-0000-4000-8000-000000000001',
  showId: SHOW_ID,
  shared: true,
  name: 'Act 1',
  status: 'DRAFT',
  notes: '',
  plannedStart: null,
  plannedEnd: null,
};

export function cue(fields: Partial<Element> & Pick<Element, 'name'>): Element {
  return {
    id: crypto.randomUUID(),
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

/** Elements as a plain sorted list, for comparing two views. */
export function sortedElements(elements: Iterable<Element>): Element[] {
  return [...elements].sort((a, b) => (a.id < b.id ? -1 : 1));
}
