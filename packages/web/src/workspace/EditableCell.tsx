/**
 * A table cell that is always an input (spreadsheet-like): it shows the live value until the SM
 * starts typing, then keeps their draft — even if a remote change arrives — until they commit
 * (Enter, Tab, leaving the cell, arrow up/down) or revert (Escape).
 */
import { useRef, useState, type KeyboardEvent } from 'react';

export interface CellNav {
  row: number;
  col: string;
}

/** Move focus to the same column in another row (arrow keys / Enter). */
export function focusCell(from: HTMLElement, rowDelta: number): boolean {
  const table = from.closest('[data-cue-table]');
  const row = Number(from.dataset.row);
  const col = from.dataset.col;
  if (!table || !col || Number.isNaN(row)) return false;
  const next = table.querySelector<HTMLElement>(`[data-row="${row + rowDelta}"][data-col="${col}"]`);
  if (!next) return false;
  next.focus();
  if (next instanceof HTMLInputElement) next.select();
  return true;
}

export function EditableCell({
  value,
  format = (v) => v,
  parse = (t) => t,
  onCommit,
  label,
  nav,
  className,
  multiline,
  placeholder,
}: {
  value: string;
  format?: (v: string) => string;
  /** Text to value; null means invalid (the cell shows it and reverts). */
  parse?: (text: string) => string | null;
  onCommit: (value: string) => void;
  label: string;
  nav: CellNav;
  className?: string;
  multiline?: boolean;
  placeholder?: string;
}) {
  const [draft, setDraftState] = useState<string | null>(null);
  // The ref sees the draft at once: Enter commits and moves focus, and the blur that follows
  // must not commit the same text a second time.
  const draftRef = useRef<string | null>(null);
  const setDraft = (d: string | null) => {
    draftRef.current = d;
    setDraftState(d);
  };
  const [invalid, setInvalid] = useState(false);
  const shown = draft ?? format(value);

  const commit = () => {
    const text = draftRef.current;
    if (text === null) return;
    const parsed = parse(text);
    setDraft(null);
    if (parsed === null) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    if (parsed !== value) onCommit(parsed);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const el = e.currentTarget;
    if (e.key === 'Escape') {
      setDraft(null);
      setInvalid(false);
      return;
    }
    if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !(multiline && e.shiftKey)) {
      e.preventDefault();
      commit();
      focusCell(el, e.shiftKey ? -1 : 1);
      return;
    }
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && !e.altKey) {
      if (focusCell(el, e.key === 'ArrowDown' ? 1 : -1)) {
        e.preventDefault();
        commit();
      }
    }
  };

  return (
    <input
      className={`cell ${className ?? ''}`}
      value={shown}
      aria-label={label}
      aria-invalid={invalid || undefined}
      title={invalid ? 'Not understood — use H:MM:SS' : shown.length > 24 ? shown : undefined}
      data-row={nav.row}
      data-dirty={draft !== null || undefined}
      data-col={nav.col}
      placeholder={placeholder}
      onChange={(e) => {
        setDraft(e.target.value);
        setInvalid(false);
      }}
      onBlur={commit}
      onKeyDown={onKeyDown}
    />
  );
}
