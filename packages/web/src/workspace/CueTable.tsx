/** The dense cue table with drag-to-reorder (dnd-kit: pointer and keyboard). */
import { useMemo } from 'react';
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type DragEndEvent,
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
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const ids = useMemo(() => rows.map((r) => r.element.id), [rows]);
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
        <div role="columnheader" className="c-handle" aria-label="Move" />
        <div role="columnheader" className="c-select" aria-label="Select" />
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
        <div role="columnheader" className="c-actions" aria-label="Actions" />
      </div>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        modifiers={[restrictToVertical]}
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
