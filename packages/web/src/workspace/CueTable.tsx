/** The dense cue table with drag-to-reorder (dnd-kit: pointer and keyboard). */
import { useMemo } from 'react';
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type ScreenReaderInstructions,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { restrictToVertical } from './restrictToVertical';
import type { Department } from '@cuebe/protocol';
import { CueRow, type RowActions, type TimeCodec } from './CueRow';
import type { TableRow } from './rows';
import type { InsertLine } from './insertion';

export function CueTable({
  rows,
  departments,
  selection,
  collapsed,
  conflicts,
  dragEnabled,
  time,
  actions,
  onMove,
  editingBy,
  insertLine,
}: {
  rows: TableRow[];
  departments: readonly Department[];
  selection: ReadonlySet<string>;
  collapsed: ReadonlySet<string>;
  conflicts: ReadonlyMap<string, string>;
  /** Element id → the other people editing it now (issue 9). */
  editingBy?: ReadonlyMap<string, readonly string[]>;
  /** Where + Cue adds: a line on this row's edge. */
  insertLine?: InsertLine | null;
  dragEnabled: boolean;
  time: TimeCodec;
  actions: RowActions;
  onMove: (activeId: string, overId: string, downward: boolean) => void;
}) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    // Enter, not Space: Space calls GO in the live panel above.
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates, keyboardCodes: KEYS }),
  );
  const ids = useMemo(() => rows.map((r) => r.element.id), [rows]);
  const announcements = useMemo(() => dragAnnouncements(rows), [rows]);
  const onDragEnd = (e: DragEndEvent) => {
    if (!e.over || e.active.id === e.over.id) return;
    const from = ids.indexOf(String(e.active.id));
    const to = ids.indexOf(String(e.over.id));
    if (from < 0 || to < 0) return;
    onMove(String(e.active.id), String(e.over.id), to > from);
  };
  return (
    <div className="cue-table" role="grid" aria-label="Cues" aria-rowcount={rows.length + 1} data-cue-table>
      <div className="cue-row cue-head" role="row">
        <div role="columnheader" className="c-handle">
          <span className="sr-only">Move</span>
        </div>
        <div role="columnheader" className="c-select">
          <span className="sr-only">Select</span>
        </div>
        <div role="columnheader" className="c-time">
          Time
        </div>
        <div role="columnheader" className="c-dept">
          Dept
        </div>
        <div role="columnheader" className="c-prio">
          Priority
        </div>
        <div role="columnheader" className="c-name">
          Name
        </div>
        <div role="columnheader" className="c-notes">
          Notes
        </div>
        <div role="columnheader" className="c-loc">
          Location
        </div>
        <div role="columnheader" className="c-actions">
          <span className="sr-only">Actions</span>
        </div>
      </div>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        modifiers={[restrictToVertical]}
        // The live region lives outside the grid, whose children may only be rows.
        accessibility={{ announcements, screenReaderInstructions: INSTRUCTIONS, container: document.body }}
      >
        <SortableContext items={ids} strategy={verticalListSortingStrategy}>
          {rows.map((row, i) => (
            <CueRow
              key={row.element.id}
              row={row}
              index={i}
              departments={departments}
              selected={selection.has(row.element.id)}
              collapsed={collapsed.has(row.element.id)}
              conflict={conflicts.get(row.element.id)}
              editors={editingBy?.get(row.element.id)}
              insertEdge={insertLine?.id === row.element.id ? insertLine.edge : undefined}
              dragEnabled={dragEnabled}
              time={time}
              actions={actions}
            />
          ))}
        </SortableContext>
      </DndContext>
      {rows.length === 0 && <p className="empty">Nothing here yet — add a cue with “+ Cue” or Ctrl+Enter.</p>}
    </div>
  );
}

const KEYS = { start: ['Enter'], end: ['Enter'], cancel: ['Escape'] };

const INSTRUCTIONS: ScreenReaderInstructions = {
  draggable:
    'To move this row, press Enter. Then the up and down arrow keys choose its new place, Enter drops it there and Escape cancels.',
};

/** What a screen reader hears while a row is dragged: cue names and positions, never ids. */
function dragAnnouncements(rows: readonly TableRow[]): Announcements {
  const at = new Map(rows.map((r, i) => [r.element.id, i]));
  const name = (id: UniqueIdentifier) => {
    const el = rows[at.get(String(id)) ?? -1]?.element;
    return el ? el.name || `untitled ${el.type.toLowerCase()}` : 'the row';
  };
  const position = (id: UniqueIdentifier) => `position ${(at.get(String(id)) ?? 0) + 1} of ${rows.length}`;
  // A drag starts over its own row: that first "over" would only drown the pick-up.
  let justPicked = false;
  return {
    onDragStart: ({ active }) => {
      justPicked = true;
      return `Picked up ${name(active.id)}, ${position(active.id)}.`;
    },
    onDragOver: ({ active, over }) => {
      const first = justPicked;
      justPicked = false;
      if (!over) return `${name(active.id)} is no longer over a row.`;
      if (over.id === active.id) return first ? undefined : `${name(active.id)} is back at ${position(active.id)}.`;
      return `${name(active.id)} is over ${position(over.id)}, ${name(over.id)}.`;
    },
    onDragEnd: ({ active, over }) =>
      over
        ? `${name(active.id)} was dropped at ${position(over.id)}.`
        : `${name(active.id)} was dropped where it was, ${position(active.id)}.`,
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled. It stays at ${position(active.id)}.`,
  };
}
