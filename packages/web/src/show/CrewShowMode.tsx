/**
 * Show mode on a crew phone: large type for their departments' cues. The show clock, STANDBY
 * (flashing red, full width) and GO (green) unmistakable, the next cues with countdowns, past
 * cues dimmed, the current cue kept in view. Everything follows from the playback state, so a
 * phone that joins mid-show or after a pause shows the right state at once.
 */
import './show.css';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { SyncClient } from '@cuebe/client';
import type { CueRow, Department, PlaybackState } from '@cuebe/protocol';
import { useLive } from '../live/useLive';
import { alertGo, alertStandby, enableSound, soundEnabled } from './alerts';
import { STATUS_LABEL } from './format';
import { Countdown, ShowClock } from './ShowClock';
import { useCueRows } from './usePlayback';

/** A GO stays on screen this long (then the cue is simply current). */
const GO_SHOWN_MS = 4_000;

export function CrewShowMode({ live, playback }: { live: SyncClient; playback: PlaybackState }) {
  const rows = useCueRows(live, playback);
  const departments = useLive(live, (v) => v.departments);
  const byDept = useMemo(() => new Map(departments.map((d) => [d.id, d])), [departments]);
  const standby = rows.filter((r) => r.status === 'standby');
  const upcoming = rows.filter((r) => r.status === 'upcoming');
  const goRow = useRecentGo(live, playback, rows);
  const [sound, setSound] = useState(soundEnabled());

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
        </span>
        <ShowClock live={live} next={standby[0]?.cue ?? upcoming[0]?.cue ?? null} big />
        {!sound && (
          <button className="sm-sound" onClick={() => setSound(enableSound())}>
            Enable sound
          </button>
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
        {standby.map((r) => (
          <div key={r.cue.id} className="call standby" data-testid="crew-standby" data-cue-id={r.cue.id}>
            <span className="call-word">STANDBY</span>
            <span className="call-cue">{r.cue.name}</span>
            {r.cue.location && <span className="call-detail">{r.cue.location}</span>}
            {r.cue.notes && <span className="call-detail">{r.cue.notes}</span>}
          </div>
        ))}
      </div>
      <ShowCueList live={live} rows={rows} byDept={byDept} highlighted={playback.highlightedIds} />
    </section>
  );
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
    // Keep the next call in view, the past scrolled away above it.
    // The list scrolls inside itself, so the clock and the STANDBY/GO calls above stay in view.
    const box = list.current;
    const el = focusId ? box?.querySelector<HTMLElement>(`[data-id="${focusId}"]`) : null;
    if (box && el) {
      // At once when the page opens (a late joiner sees the right place), smoothly afterwards.
      box.scrollTo({ top: el.offsetTop - box.clientHeight / 3, behavior: scrolled.current ? 'smooth' : 'instant' });
      scrolled.current = true;
    }
  }, [focusId]);
  const hl = useMemo(() => new Set(highlighted), [highlighted]);
  if (rows.length === 0) return <p className="empty">No cues for your departments.</p>;
  return (
    <ol className="show-cues" ref={list} aria-label="Cues">
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
