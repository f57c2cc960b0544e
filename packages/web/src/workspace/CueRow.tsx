/**
 * One row of the cue table. Memoised on its element: a change to one cue re-renders one row.
 */
import { memo, type CSSProperties } from 'react';
import { useSortable } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { PRIORITIES, type Department, type Element, type ElementPatch } from '@cuebe/protocol';
import { EditableCell } from './EditableCell';
import type { TableRow } from './rows';

export interface RowActions {
  edit: (id: string, fields: ElementPatch) => void;
  select: (id: string, range: boolean) => void;
  toggleCollapse: (id: string) => void;
  remove: (id: string) => void;
  dismissConflict: (id: string) => void;
}

export interface TimeCodec {
  format: (ms: number) => string;
  parse: (text: string) => number | null;
}

interface Props {
  row: TableRow;
  index: number;
  departments: readonly Department[];
  selected: boolean;
  collapsed: boolean;
  conflict: string | undefined;
  /** The other people editing this row now. */
  editors?: readonly string[] | undefined;
  /** New rows go here: a line above or below this row. */
  insertEdge?: 'before' | 'after' | undefined;
  dragEnabled: boolean;
  time: TimeCodec;
  actions: RowActions;
}

const PRIORITY_SHORT: Record<Element['priority'], string> = {
  SAFETY: 'Safety',
  CRITICAL: 'Critical',
  HIGH: 'High',
  NORMAL: 'Normal',
  LOW: 'Low',
  OPTIONAL: 'Optional',
};

export const CueRow = memo(function CueRow({
  row,
  index,
  departments,
  selected,
  collapsed,
  conflict,
  editors,
  insertEdge,
  dragEnabled,
  time,
  actions,
}: Props) {
  const el = row.element;
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: el.id,
    disabled: !dragEnabled,
  });
  const dept = departments.find((d) => d.id === el.departmentId);
  const style: CSSProperties = {
    transform: CSS.Translate.toString(transform),
    transition,
    ['--dept' as string]: dept?.colour ?? 'transparent',
    ['--depth' as string]: row.depth,
  };
  const isGroup = el.type === 'GROUP';
  const label = el.name;
  const nav = (col: string) => ({ row: index, col });

  return (
    <div
      ref={setNodeRef}
      style={style}
      role="row"
      aria-selected={selected}
      data-id={el.id}
      data-type={el.type}
      data-testid="cue-row"
      className={`cue-row type-${el.type.toLowerCase()} prio-${el.priority.toLowerCase()}${selected ? ' selected' : ''}${isDragging ? ' dragging' : ''}${conflict ? ' has-conflict' : ''}${insertEdge ? ` insert-${insertEdge}` : ''}`}
    >
      <div role="gridcell" className="c-handle">
        {dragEnabled && (
          <button
            type="button"
            className="drag-handle"
            aria-label={`Move ${label}`}
            title="Drag to reorder (or focus and use Enter, arrows)"
            {...attributes}
            {...listeners}
          >
            ⋮⋮
          </button>
        )}
      </div>
      <div role="gridcell" className="c-select">
        <input
          type="checkbox"
          aria-label={`Select ${label}`}
          checked={selected}
          onChange={() => undefined}
          onClick={(e) => actions.select(el.id, e.shiftKey)}
          data-row={index}
          data-col="select"
        />
      </div>
      <div role="gridcell" className="c-time">
        {isGroup ? (
          <span className="derived" title="A group's time comes from its cues">
            {time.format(el.offsetMs)}
          </span>
        ) : (
          <EditableCell
            className="mono"
            value={String(el.offsetMs)}
            format={(v) => time.format(Number(v))}
            parse={(t) => {
              const ms = time.parse(t);
              return ms === null ? null : String(ms);
            }}
            onCommit={(v) => actions.edit(el.id, { offsetMs: Number(v) })}
            label={`${label} time`}
            nav={nav('time')}
          />
        )}
      </div>
      <div role="gridcell" className="c-dept">
        {el.type === 'CUE' ? (
          <select
            className="cell dept-select"
            aria-label={`${label} department`}
            value={el.departmentId ?? ''}
            data-row={index}
            data-col="dept"
            onChange={(e) => actions.edit(el.id, { departmentId: e.target.value || null })}
          >
            <option value="">—</option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.initials}
              </option>
            ))}
          </select>
        ) : (
          <span className="type-tag">{isGroup ? 'GROUP' : 'NOTE'}</span>
        )}
      </div>
      <div role="gridcell" className="c-prio">
        {isGroup ? null : (
          <select
            className="cell"
            aria-label={`${label} priority`}
            value={el.priority}
            data-row={index}
            data-col="prio"
            onChange={(e) => {
              const p = PRIORITIES.find((x) => x === e.target.value);
              if (p) actions.edit(el.id, { priority: p });
            }}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_SHORT[p]}
              </option>
            ))}
          </select>
        )}
      </div>
      <div role="gridcell" className="c-name">
        {isGroup && (
          <button
            type="button"
            className="collapse"
            aria-expanded={!collapsed}
            aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${label}`}
            onClick={() => actions.toggleCollapse(el.id)}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        )}
        <EditableCell
          value={el.name}
          parse={(t) => (t.trim() ? t.trim() : null)}
          onCommit={(v) => actions.edit(el.id, { name: v })}
          label={`${label} name`}
          nav={nav('name')}
          className="name-input"
        />
        {isGroup && <span className="count">{row.childCount}</span>}
        {editors && editors.length > 0 && (
          <span className="editing-by" title={`${editors.join(', ')} editing this row`} data-testid="editing-by">
            {editors.map((n) => (
              <span key={n}>{n}</span>
            ))}
          </span>
        )}
      </div>
      <div role="gridcell" className="c-notes">
        <EditableCell
          value={el.notes}
          onCommit={(v) => actions.edit(el.id, { notes: v })}
          label={`${label} notes`}
          nav={nav('notes')}
        />
      </div>
      <div role="gridcell" className="c-loc">
        {isGroup ? null : (
          <EditableCell
            value={el.location}
            onCommit={(v) => actions.edit(el.id, { location: v })}
            label={`${label} location`}
            nav={nav('loc')}
          />
        )}
      </div>
      <div role="gridcell" className="c-actions">
        {conflict && (
          <button
            type="button"
            className="conflict-flag"
            role="status"
            title={conflict}
            onClick={() => actions.dismissConflict(el.id)}
          >
            ⚠<span className="conflict-text">{conflict}</span>
          </button>
        )}
        <button
          type="button"
          className="btn btn-ghost btn-icon row-delete"
          aria-label={`Delete ${label}`}
          title={isGroup ? 'Delete group (its cues stay)' : 'Delete'}
          onClick={() => actions.remove(el.id)}
        >
          ×
        </button>
      </div>
    </div>
  );
});
