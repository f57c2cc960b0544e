/** The workspace's commands: add, group, shift, delete, filter, sort, time display, undo/redo, history. */
import { useState } from 'react';
import type { Department } from '@cuebe/protocol';
import { parseOffset } from '../lib/time';
import { Link } from '../ui/Link';

export interface ToolbarProps {
  departments: readonly Department[];
  selectedCount: number;
  filter: ReadonlySet<string>;
  onFilter: (f: ReadonlySet<string>) => void;
  sort: 'script' | 'time';
  onSort: (s: 'script' | 'time') => void;
  timeMode: 'offset' | 'clock';
  onTimeMode: (m: 'offset' | 'clock') => void;
  clockAvailable: boolean;
  onAdd: (type: 'CUE' | 'NOTE') => void;
  /** Where an added row goes, in words (the table draws it as a line). */
  insertHint: string;
  onGroup: () => void;
  onUngroup: () => void;
  onDelete: () => void;
  onShift: (deltaMs: number) => void;
  onClearSelection: () => void;
  undo: { can: boolean; run: () => void };
  redo: { can: boolean; run: () => void };
  historyOpen: boolean;
  onHistory: () => void;
  paperworkOpen: boolean;
  onPaperwork: () => void;
  /** The script's performances and show reports. */
  performancesHref: string;
}

export function Toolbar(p: ToolbarProps) {
  const [shift, setShift] = useState('0:00:05');
  const delta = parseOffset(shift);
  const toggle = (id: string) => {
    const next = new Set(p.filter);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    p.onFilter(next);
  };
  return (
    <div className="toolbar" role="toolbar" aria-label="Script tools">
      <div className="tool-group">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => p.onAdd('CUE')}
          title="Add a cue (Ctrl+Enter)"
          aria-describedby="insert-hint"
        >
          + Cue
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => p.onAdd('NOTE')}
          title="Add a note (Ctrl+Shift+Enter)"
          aria-describedby="insert-hint"
        >
          + Note
        </button>
        <span id="insert-hint" className="muted small insert-hint" data-testid="insert-hint">
          {p.insertHint}
        </span>
      </div>
      <div className="tool-group" aria-label="Selection">
        <span className="muted small sel-count" aria-live="polite">
          {p.selectedCount > 0 ? `${p.selectedCount} selected` : 'None selected'}
        </span>
        <button
          type="button"
          className="btn"
          disabled={p.selectedCount === 0}
          onClick={p.onGroup}
          title="Group (Ctrl+G)"
        >
          Group
        </button>
        <button
          type="button"
          className="btn"
          disabled={p.selectedCount === 0}
          onClick={p.onUngroup}
          title="Ungroup (Ctrl+Shift+G)"
        >
          Ungroup
        </button>
        <span className="shift">
          <input
            aria-label="Shift selected by (H:MM:SS, negative for earlier)"
            value={shift}
            size={8}
            className="mono"
            aria-invalid={delta === null}
            onChange={(e) => setShift(e.target.value)}
          />
          <button
            type="button"
            className="btn"
            disabled={p.selectedCount === 0 || delta === null}
            onClick={() => delta !== null && p.onShift(-delta)}
            title="Earlier by this much"
          >
            −
          </button>
          <button
            type="button"
            className="btn"
            disabled={p.selectedCount === 0 || delta === null}
            onClick={() => delta !== null && p.onShift(delta)}
            title="Later by this much"
          >
            +
          </button>
        </span>
        <button
          type="button"
          className="btn btn-danger-ghost"
          disabled={p.selectedCount === 0}
          onClick={p.onDelete}
          title="Delete selected (Ctrl+Delete)"
        >
          Delete
        </button>
        {p.selectedCount > 0 && (
          <button type="button" className="btn btn-ghost" onClick={p.onClearSelection}>
            Clear
          </button>
        )}
      </div>
      <div className="tool-group">
        <button type="button" className="btn" disabled={!p.undo.can} onClick={p.undo.run} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" className="btn" disabled={!p.redo.can} onClick={p.redo.run} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button type="button" className="btn" aria-pressed={p.historyOpen} onClick={p.onHistory}>
          History
        </button>
        <button
          type="button"
          className="btn"
          aria-pressed={p.paperworkOpen}
          onClick={p.onPaperwork}
          title="Print, PDF, CSV and saved versions"
        >
          Paperwork
        </button>
        <Link className="btn" href={p.performancesHref} title="Run times and show reports of every performance">
          Performances
        </Link>
      </div>
      <div className="tool-group view-tools" aria-label="View">
        <span className="seg" role="group" aria-label="Order">
          <button type="button" className="btn" aria-pressed={p.sort === 'script'} onClick={() => p.onSort('script')}>
            Script order
          </button>
          <button type="button" className="btn" aria-pressed={p.sort === 'time'} onClick={() => p.onSort('time')}>
            By time
          </button>
        </span>
        <span className="seg" role="group" aria-label="Time shown as">
          <button
            type="button"
            className="btn"
            aria-pressed={p.timeMode === 'offset'}
            onClick={() => p.onTimeMode('offset')}
          >
            Offset
          </button>
          <button
            type="button"
            className="btn"
            aria-pressed={p.timeMode === 'clock'}
            disabled={!p.clockAvailable}
            title={p.clockAvailable ? 'Clock time from the planned start' : 'Set a planned start to show clock times'}
            onClick={() => p.onTimeMode('clock')}
          >
            Clock
          </button>
        </span>
      </div>
      <div className="tool-group dept-filter" role="group" aria-label="Show departments">
        {p.departments.map((d) => (
          <button
            key={d.id}
            type="button"
            className="btn btn-small filter-chip"
            aria-pressed={p.filter.has(d.id)}
            style={{ ['--dept' as string]: d.colour }}
            onClick={() => toggle(d.id)}
            title={`Only ${d.name} cues`}
          >
            {d.initials}
          </button>
        ))}
        {p.filter.size > 0 && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => p.onFilter(new Set())}>
            All
          </button>
        )}
      </div>
    </div>
  );
}
