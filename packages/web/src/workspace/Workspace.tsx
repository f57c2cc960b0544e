/**
 * The SM's script workspace: every edit goes through the live script at once (applied here,
 * synced in the background — no Save button), with undo/redo, history and conflict notices.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Element, ElementPatch, Op, User } from '@cuebe/protocol';
import { shows } from '../api/sm';
import { usePrefs } from '../lib/prefs';
import { formatClock, formatOffset, parseClock, parseOffset } from '../lib/time';
import { Link } from '../ui/Link';
import { SmShell } from '../sm/SmShell';
import { useLiveScript } from '../live/useLiveScript';
import type { SyncClient } from '@cuebe/client';
import { useLive } from '../live/useLive';
import { SyncBadge } from '../live/SyncBadge';
import { PresenceBadge } from '../live/PresenceBadge';
import { CueTable } from './CueTable';
import type { RowActions, TimeCodec } from './CueRow';
import { deleteSelected, groupSelected, insertAt, moveOnto, ungroupSelected } from './edits';
import { describeInsertPoint, insertLine, useInsertAnchor } from './insertion';
import { HistoryPanel } from './HistoryPanel';
import { PaperworkPanel } from '../paperwork/PaperworkPanel';
import { AccountChangeToast } from '../paperwork/AccountAlerts';
import { NoticeStack, makeNotice, useNotices } from './Notices';
import { ScriptMeta } from './ScriptMeta';
import { Toolbar } from './Toolbar';
import { nextCueName, tableRows } from './rows';
import { useViewerState } from './useViewerState';
import { useEditingBy, useShowRole } from './useTeam';
import '../sm/team.css';
import { LivePanel } from '../show/LivePanel';

export default function Workspace({ user, scriptId }: { user: User; scriptId: string }) {
  const live = useLiveScript(scriptId);
  return (
    <SmShell user={user} crumbs={<Crumbs live={live} />}>
      {live ? <WorkspaceBody live={live} scriptId={scriptId} user={user} /> : <div className="loading">Loading…</div>}
    </SmShell>
  );
}

function Crumbs({ live }: { live: SyncClient | null }) {
  if (!live) return null;
  return <CrumbsLive live={live} />;
}

function CrumbsLive({ live }: { live: SyncClient }) {
  const header = useLive(live, (v) => v.script);
  const show = useQuery({
    queryKey: ['show', header?.showId],
    queryFn: () => shows.get(header!.showId),
    enabled: !!header,
  });
  return (
    <>
      <Link href="/">Shows</Link>
      {header && <Link href={`/shows/${header.showId}`}>{show.data?.show.name ?? 'Show'}</Link>}
      {header && <span aria-current="page">{header.name}</span>}
    </>
  );
}

function WorkspaceBody({ live, scriptId, user }: { live: SyncClient; scriptId: string; user: User }) {
  const prefs = usePrefs();
  const header = useLive(live, (v) => v.script);
  const closed = useLive(live, (v) => (v.status === 'closed' ? (v.closeReason ?? null) : null));
  const elements = useLive(live, (v) => v.elements);
  const departments = useLive(live, (v) => v.departments);
  const version = useLive(live, (v) => v.version ?? 0);
  const canUndo = useLive(live, (v) => v.canUndo);
  const canRedo = useLive(live, (v) => v.canRedo);
  // A viewer on the show's team reads only (docs/SPEC.md P12): edits are not even attempted.
  const readOnly = useShowRole(header?.showId) === 'viewer';
  const editingBy = useEditingBy(live, user.id);

  const viewer = useViewerState(scriptId);
  const { sort, filter, collapsed, timeMode } = viewer;
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [historyOpen, setHistoryOpen] = useState(false);
  const [paperOpen, setPaperOpen] = useState(false);
  const [conflicts, setConflicts] = useState<ReadonlyMap<string, string>>(new Map());
  const { notices, push, dismiss } = useNotices();
  const activeRow = useRef<string | null>(null);
  // Where + Cue / Ctrl+Enter add: after the row just added or explicitly selected, not the row
  // focus last passed through (docs/SPEC.md SC4).
  const insert = useInsertAnchor();
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const lastClicked = useRef<string | null>(null);
  const focusAfter = useRef<string | null>(null);

  const rows = useMemo(
    () => tableRows(elements, { sort, departments: filter, collapsed }),
    [elements, sort, filter, collapsed],
  );
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  // Selection only holds elements that still exist.
  useEffect(() => {
    setSelection((sel) => {
      const kept = [...sel].filter((id) => elements.has(id));
      return kept.length === sel.size ? sel : new Set(kept);
    });
  }, [elements]);

  useEffect(() => {
    const offConflict = live.on('conflict', (c) => {
      setConflicts((m) => new Map(m).set(c.elementId, c.message));
      push(makeNotice(c.message, 'warn'));
    });
    const offDropped = live.on('dropped', (d) => push(makeNotice(`Edit not saved: ${d.message}`, 'error')));
    const offError = live.on('error', (e) => {
      if (e.code === 'UNDO' || e.code === 'STORAGE' || e.opId) push(makeNotice(e.message, 'warn'));
    });
    return () => {
      offConflict();
      offDropped();
      offError();
    };
  }, [live, push]);

  // After adding a row, put the cursor in its name.
  useEffect(() => {
    const id = focusAfter.current;
    if (!id) return;
    const input = document.querySelector<HTMLInputElement>(`[data-id="${id}"] [data-col="name"]`);
    if (input) {
      focusAfter.current = null;
      input.focus();
      input.select();
    }
  }, [rows]);

  // submit throws (synchronously) when an edit breaks a rule here: say so instead of crashing.
  const submit = useCallback(
    (op: Op) => {
      if (readOnly)
        return push(makeNotice('You are a viewer on this show: you can read the script but not change it.', 'warn'));
      try {
        live.submit(op);
      } catch (err) {
        push(makeNotice(err instanceof Error ? err.message : String(err), 'error'));
      }
    },
    [live, push, readOnly],
  );

  const actions: RowActions = useMemo(
    () => ({
      edit: (id: string, fields: ElementPatch) => submit({ kind: 'update', id, fields }),
      remove: (id: string) => submit({ kind: 'delete', id }),
      toggleCollapse: (id: string) => viewer.toggleCollapsed(id),
      dismissConflict: (id: string) =>
        setConflicts((m) => {
          const n = new Map(m);
          n.delete(id);
          return n;
        }),
      select: (id: string, range: boolean) => {
        const list = rowsRef.current.map((r) => r.element.id);
        if (range || !selectionRef.current.has(id)) insert.choose(id);
        else insert.release(id);
        setSelection((sel) => {
          const next = new Set(sel);
          if (range && lastClicked.current && list.includes(lastClicked.current)) {
            const [a, b] = [list.indexOf(lastClicked.current), list.indexOf(id)].sort((x, y) => x - y);
            for (const rid of list.slice(a, b! + 1)) next.add(rid);
          } else if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        });
        lastClicked.current = id;
      },
    }),
    [submit, viewer.toggleCollapsed, insert],
  );

  const time: TimeCodec = useMemo(() => {
    const start = header?.plannedStart;
    if (timeMode === 'clock' && start)
      return {
        format: (ms) => formatClock(start, ms, prefs.hour24),
        parse: (t) => parseClock(start, t) ?? parseOffset(t),
      };
    return { format: formatOffset, parse: parseOffset };
  }, [timeMode, header?.plannedStart, prefs.hour24]);

  const add = useCallback(
    (type: 'CUE' | 'NOTE') => {
      // The live state, not the last render's: two adds in one breath go one after the other.
      const els = live.getSnapshot().elements;
      const point = insert.point(els);
      const anchor: Element | null = point.after ?? point.before;
      const deptId =
        type === 'CUE'
          ? anchor?.type === 'CUE' && anchor.departmentId
            ? anchor.departmentId
            : ([...filter][0] ?? departments[0]?.id ?? null)
          : null;
      const dept = departments.find((d) => d.id === deptId);
      const name = type === 'NOTE' ? 'Note' : nextCueName(els.values(), dept?.initials ?? null);
      const { op, id } = insertAt(point, { type, name, departmentId: deptId });
      focusAfter.current = id;
      activeRow.current = id;
      insert.choose(id);
      submit(op);
    },
    [live, submit, filter, departments, insert],
  );

  const selected = useCallback(() => {
    const sel = [...selection];
    if (sel.length > 0) return sel;
    return activeRow.current ? [activeRow.current] : [];
  }, [selection]);

  const group = () => {
    const op = groupSelected(elements, selected(), 'Group');
    if (op) {
      submit(op);
      setSelection(new Set());
      if (op.kind === 'group') {
        focusAfter.current = op.groupId;
        insert.choose(op.groupId);
      }
    }
  };
  const ungroup = () => {
    const op = ungroupSelected(elements, selected());
    if (op) submit(op);
    else push(makeNotice('Select a group to ungroup.', 'info'));
  };
  const remove = () => {
    const op = deleteSelected(elements, selected());
    if (op) {
      submit(op);
      setSelection(new Set());
    }
  };
  const shift = (deltaMs: number) => {
    const ids = selected();
    if (ids.length > 0 && deltaMs !== 0) submit({ kind: 'shift', ids, deltaMs });
  };

  // Keyboard: undo/redo, add, group, delete. A cell with an uncommitted draft keeps the browser's
  // own text undo.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      const target = e.target as HTMLElement | null;
      const dirty = target?.dataset?.dirty === 'true';
      const key = e.key.toLowerCase();
      if (key === 'z' && !dirty) {
        e.preventDefault();
        if (e.shiftKey) live.redo();
        else live.undo();
      } else if (key === 'y' && !dirty) {
        e.preventDefault();
        live.redo();
      } else if (key === 'enter') {
        e.preventDefault();
        (target as HTMLInputElement | null)?.blur?.();
        add(e.shiftKey ? 'NOTE' : 'CUE');
      } else if (key === 'g') {
        e.preventDefault();
        if (e.shiftKey) ungroup();
        else group();
      } else if (key === 'delete' && !dirty) {
        e.preventDefault();
        remove();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (closed) return <ClosedNotice code={closed.code} reason={closed.reason} />;
  if (!header) return <div className="loading">Loading the script…</div>;

  return (
    <main className={`workspace${historyOpen || paperOpen ? ' with-history' : ''}`}>
      <div className="ws-main">
        {/* The name is an editable field; the page's heading says it to screen readers. */}
        <h1 className="sr-only">{header.name}</h1>
        <div className="ws-head">
          <fieldset className="role-scope" disabled={readOnly}>
            <ScriptMeta header={header} submit={submit} />
          </fieldset>
          {readOnly && <span className="read-only-note">Read only — you are a viewer on this show</span>}
          <div className="ws-status">
            <SyncBadge live={live} />
            <PresenceBadge live={live} />
          </div>
        </div>
        <NotLive live={live} />
        {/* A viewer watches the show being called but does not call it (docs/SPEC.md P12). */}
        <fieldset className="role-scope" disabled={readOnly}>
          <LivePanel live={live} selection={selection} />
        </fieldset>
        <Toolbar
          departments={departments}
          selectedCount={selection.size}
          filter={filter}
          onFilter={viewer.setFilter}
          sort={sort}
          onSort={viewer.setSort}
          timeMode={timeMode}
          onTimeMode={viewer.setTimeMode}
          clockAvailable={!!header.plannedStart}
          onAdd={add}
          onGroup={group}
          onUngroup={ungroup}
          onDelete={remove}
          onShift={shift}
          onClearSelection={() => {
            for (const id of selection) insert.release(id);
            setSelection(new Set());
          }}
          insertHint={describeInsertPoint(insert.point(elements), elements)}
          undo={{ can: canUndo, run: () => live.undo() }}
          redo={{ can: canRedo, run: () => live.redo() }}
          historyOpen={historyOpen}
          onHistory={() => {
            setPaperOpen(false);
            setHistoryOpen((o) => !o);
          }}
          paperworkOpen={paperOpen}
          onPaperwork={() => {
            setHistoryOpen(false);
            setPaperOpen((o) => !o);
          }}
          performancesHref={`/scripts/${scriptId}/performances`}
        />
        <div
          className="table-wrap"
          onFocus={(e) => {
            const id = (e.target as HTMLElement).closest<HTMLElement>('[data-id]')?.dataset.id;
            if (id) activeRow.current = id;
            // The team sees which row this device is on.
            live.editing(id ?? null);
          }}
          onBlur={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) live.editing(null);
          }}
        >
          <fieldset className="role-scope" disabled={readOnly}>
            <CueTable
              rows={rows}
              departments={departments}
              selection={selection}
              collapsed={collapsed}
              conflicts={conflicts}
              editingBy={editingBy}
              insertLine={insertLine(insert.point(elements), rows)}
              dragEnabled={sort === 'script' && !readOnly}
              time={time}
              actions={actions}
              onMove={(a, o, down) => {
                const op = moveOnto(elements, a, o, down);
                if (op) submit(op);
              }}
            />
          </fieldset>
        </div>
        <p className="kbd-help muted small">
          Enter / ↑ ↓ move between rows · Esc reverts a cell · Ctrl+Enter new cue · Ctrl+Shift+Enter new note · Ctrl+G
          group · Ctrl+Z undo · Ctrl+Shift+Z redo
        </p>
      </div>
      {historyOpen && <HistoryPanel scriptId={scriptId} version={version} onClose={() => setHistoryOpen(false)} />}
      {paperOpen && (
        <PaperworkPanel scriptId={scriptId} departments={departments} onClose={() => setPaperOpen(false)} />
      )}
      <NoticeStack notices={notices} dismiss={dismiss} />
      <AccountChangeToast live={live} />
    </main>
  );
}

/**
 * Shown while the server cannot be reached (docs/SPEC.md SC2): what is on screen is this device's
 * copy, and edits wait on it. Its own leaf: the connection state re-renders nothing else.
 */
function NotLive({ live }: { live: SyncClient }) {
  const status = useLive(live, (v) => v.status);
  const pending = useLive(live, (v) => v.pendingCount);
  if (status !== 'offline' && status !== 'reconnecting') return null;
  return (
    <p className="not-live" role="status">
      Not live — no connection to the server. This is the script as this device last synced it
      {pending > 0 ? `, with ${pending} edit${pending === 1 ? '' : 's'} not sent yet` : ''}. Edits you make are kept on
      this device and sent when the connection is back.
    </p>
  );
}

function ClosedNotice({ code, reason }: { code: number; reason: string }) {
  return (
    <main className="page">
      <div className="card stack" role="alert">
        <h1>This script is not available</h1>
        <p className="muted">
          {code === 4004
            ? 'It was deleted, or it does not exist.'
            : code === 4003 || reason === 'logged-out'
              ? 'You are logged out or this script belongs to someone else.'
              : `The connection was closed (${reason || code}).`}
        </p>
        <Link href="/" className="btn">
          Back to your shows
        </Link>
      </div>
    </main>
  );
}
