/**
 * Show mode on a crew phone: a cue light first. Large type for their departments' cues. The show
 * clock, STANDBY (flashing red, full width) and GO (green) unmistakable and on top, the next cues
 * with countdowns below in a list that scrolls by itself and keeps the next call in view, past
 * cues dimmed. Each STANDBY has one large "Standing by" button: once the server holds this crew
 * member's acknowledgement the call stops flashing. Everything follows from the playback state,
 * so a phone that joins mid-show, after a pause or a reload shows the right state (acknowledged
 * or not) at once. The page around it fits the screen (docs/SPEC.md SC1): names wrap, every
 * countdown stays on screen, and change toasts get a place of their own instead of covering it.
 */
import './show.css';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { CommandFailed, type SyncClient } from '@cuebe/client';
import type { CueRow, Department, PlaybackState } from '@cuebe/protocol';
import { useLive } from '../live/useLive';
import { alertGo, alertStandby, enableSound, soundEnabled } from './alerts';
import { rateLabel, STATUS_LABEL } from './format';
import { Countdown, ShowClock } from './ShowClock';
import { OwnClockNote } from './OwnClockNote';
import { useCueRows } from './usePlayback';
import { useWakeLock } from './useWakeLock';

/** A GO stays on screen this long (then the cue is simply current). */
const GO_SHOWN_MS = 4_000;

/** A refused or unsent "Standing by" stays on screen this long. */
const ERROR_SHOWN_MS = 6_000;

export function CrewShowMode({
  live,
  playback,
  crewId,
  controls,
  toast,
}: {
  live: SyncClient;
  playback: PlaybackState;
  /** This crew member (from /api/crew-access/me); null while it loads. */
  crewId: string | null;
  /** The way back to the script list, beside the sound switch. */
  controls?: ReactNode;
  /** Change toasts, in their own place below the cues. */
  toast?: ReactNode;
}) {
  const rows = useCueRows(live, playback);
  const departments = useLive(live, (v) => v.departments);
  const byDept = useMemo(() => new Map(departments.map((d) => [d.id, d])), [departments]);
  const standby = rows.filter((r) => r.status === 'standby');
  const upcoming = rows.filter((r) => r.status === 'upcoming');
  const goRow = useRecentGo(live, playback, rows);
  const [sound, setSound] = useState(soundEnabled());
  const wake = useWakeLock(true);
  const ack = useAck(live);
  const acked = useMemo(
    () => new Set(playback.acks.filter((a) => a.crewId === crewId).map((a) => a.cueId)),
    [playback.acks, crewId],
  );

  // Sound and vibration when a call for this device arrives (not for the state it joined in).
  const seen = useRef<{ standby: string; go: string } | null>(null);
  const standbyKey = standby.map((r) => r.cue.id).join(',');
  const goKey = goRow ? `${goRow.cue.id}@${playback.lastGo?.atServerMs}` : '';
  useEffect(() => {
    const prev = seen.current;
    seen.current = { standby: standbyKey, go: goKey };
    if (!prev) return;
    if (goKey && goKey !== prev.go) alertGo();
    else if (standbyKey && standbyKey !== prev.standby) alertStandby();
  }, [standbyKey, goKey]);

  const held = playback.status === 'SAFETY' || playback.status === 'PAUSED';
  return (
    <section
      className={`show-mode status-${playback.status.toLowerCase()}${goRow ? ' is-go' : standby.length ? ' is-standby' : ''}`}
      aria-label="Show mode"
      data-testid="show-mode"
    >
      <header className="sm-head">
        <span className="sm-status" data-testid="show-status">
          {STATUS_LABEL[playback.status]}
          {playback.status === 'SAFETY' && playback.safetyReason ? ` — ${playback.safetyReason}` : ''}
          {playback.rate !== 1 && (
            <span className="sm-rate" data-testid="show-rate">
              {' '}
              · rehearsal {rateLabel(playback.rate)}
            </span>
          )}
        </span>
        <ShowClock live={live} next={standby[0]?.cue ?? upcoming[0]?.cue ?? null} big />
        <OwnClockNote live={live} />
        <div className="sm-controls">
          {controls}
          {!sound && (
            <button type="button" className="sm-sound" onClick={() => setSound(enableSound())}>
              Enable sound
            </button>
          )}
        </div>
        {(wake === 'unavailable' || wake === 'refused') && (
          <p className="sm-awake-hint" data-testid="wake-hint">
            Keep this screen on: turn off auto-lock
          </p>
        )}
      </header>
      <div aria-live="assertive" className="sm-calls">
        {held && <div className="call hold">{STATUS_LABEL[playback.status]}</div>}
        {goRow && (
          <div className="call go" data-testid="crew-go" data-cue-id={goRow.cue.id}>
            <span className="call-word">GO</span>
            <span className="call-cue">{goRow.cue.name}</span>
          </div>
        )}
        {standby.map((r) => {
          const done = acked.has(r.cue.id);
          return (
            <div
              key={r.cue.id}
              className={`call standby${done ? ' acked' : ''}`}
              data-testid="crew-standby"
              data-cue-id={r.cue.id}
              data-acked={done}
            >
              <span className="call-word">STANDBY</span>
              <span className="call-cue">{r.cue.name}</span>
              {r.cue.location && <span className="call-detail">{r.cue.location}</span>}
              {r.cue.notes && <span className="call-detail">{r.cue.notes}</span>}
              {done ? (
                <span className="call-ack done" data-testid="crew-acked">
                  Standing by ✓
                </span>
              ) : (
                <button
                  type="button"
                  className="call-ack"
                  data-testid="crew-ack"
                  disabled={ack.pending.has(r.cue.id)}
                  onClick={() => ack.send(r.cue.id)}
                >
                  Standing by
                </button>
              )}
            </div>
          );
        })}
        {ack.error && (
          <p className="call-error" role="alert" data-testid="crew-ack-error">
            Not acknowledged: {ack.error}
          </p>
        )}
      </div>
      <ShowCueList live={live} rows={rows} byDept={byDept} highlighted={playback.highlightedIds} />
      {toast}
    </section>
  );
}

/** Sends "standing by" for a cue; the call turns steady when the state carries the ack back. */
function useAck(live: SyncClient): { send(cueId: string): void; pending: ReadonlySet<string>; error: string | null } {
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const send = useCallback(
    (cueId: string) => {
      setError(null);
      setPending((p) => new Set(p).add(cueId));
      live
        .command({ kind: 'ack', cueId })
        .catch((e: unknown) => setError(e instanceof CommandFailed ? e.message : String(e)))
        .finally(() =>
          setPending((p) => {
            const next = new Set(p);
            next.delete(cueId);
            return next;
          }),
        );
    },
    [live],
  );
  useEffect(() => {
    if (!error) return;
    const t = window.setTimeout(() => setError(null), ERROR_SHOWN_MS);
    return () => window.clearTimeout(t);
  }, [error]);
  return { send, pending, error };
}

/** The row of the last GO while it is fresh (by the synced clock); a leaf-level timer ends it. */
function useRecentGo(live: SyncClient, playback: PlaybackState, rows: CueRow[]): CueRow | null {
  const last = playback.lastGo;
  const row = last ? (rows.find((r) => r.cue.id === last.cueId) ?? null) : null;
  const [, force] = useState(0);
  const now = live.serverNow();
  const left = last && now !== null ? last.atServerMs + GO_SHOWN_MS - now : -1;
  useEffect(() => {
    if (left <= 0) return;
    const t = window.setTimeout(() => force((n) => n + 1), left + 20);
    return () => window.clearTimeout(t);
  }, [left > 0, last?.atServerMs]);
  return row && left > 0 ? row : null;
}

function ShowCueList({
  live,
  rows,
  byDept,
  highlighted,
}: {
  live: SyncClient;
  rows: CueRow[];
  byDept: ReadonlyMap<string, Department>;
  highlighted: readonly string[];
}) {
  const list = useRef<HTMLOListElement>(null);
  const scrolled = useRef(false);
  const focusId = rows.find((r) => r.status === 'standby' || r.status === 'upcoming')?.cue.id;
  useEffect(() => {
    // Keep the next call in view, the past scrolled away above it. The list scrolls inside
    // itself, so the clock and the STANDBY/GO calls above stay in view.
    const box = list.current;
    if (!box || !focusId) return;
    const follow = (smooth: boolean) => {
      const el = box.querySelector<HTMLElement>(`[data-id="${focusId}"]`);
      if (!el) return;
      // A third of the list above it when there is room, less when the list is short: the
      // next call itself is always whole.
      const above = Math.max(0, Math.min(box.clientHeight / 3, box.clientHeight - el.offsetHeight));
      box.scrollTo({ top: el.offsetTop - above, behavior: smooth ? 'smooth' : 'instant' });
    };
    // At once when the page opens (a late joiner sees the right place), smoothly afterwards.
    follow(scrolled.current);
    scrolled.current = true;
    // A call card or a toast coming and going resizes the list: keep the next call in view.
    const ro = new ResizeObserver(() => follow(false));
    ro.observe(box);
    return () => ro.disconnect();
  }, [focusId]);
  const hl = useMemo(() => new Set(highlighted), [highlighted]);
  if (rows.length === 0) return <p className="empty">No cues for your departments.</p>;
  return (
    // Focusable, so a keyboard can scroll it too.
    <ol className="show-cues" ref={list} aria-label="Cues" tabIndex={0}>
      {rows.map((r) => (
        <ShowCue
          key={r.cue.id}
          live={live}
          row={r}
          dept={r.cue.departmentId ? byDept.get(r.cue.departmentId) : undefined}
          highlighted={hl.has(r.cue.id)}
        />
      ))}
    </ol>
  );
}

const ShowCue = memo(function ShowCue({
  live,
  row,
  dept,
  highlighted,
}: {
  live: SyncClient;
  row: CueRow;
  dept: Department | undefined;
  highlighted: boolean;
}) {
  return (
    <li
      className={`show-cue ${row.status}${highlighted ? ' highlighted' : ''}`}
      style={{ ['--dept' as string]: dept?.colour ?? 'var(--border)' }}
      data-id={row.cue.id}
      data-status={row.status}
    >
      <span className="scue-name">{row.cue.name}</span>
      <span className="scue-dept">{dept?.initials ?? ''}</span>
      {row.status === 'upcoming' || row.status === 'standby' ? (
        <Countdown live={live} offsetMs={row.cue.offsetMs} />
      ) : (
        <span className="countdown mono">{row.status === 'current' ? 'now' : ''}</span>
      )}
    </li>
  );
});
