/**
 * The SM's live controls above the cue table: transport (play, pause, safety hold with a reason,
 * resume, seek to a time or a cue; complete and stop apart, each confirmed, and reopen: RunEnd), the show clock, the next cues with their
 * countdowns, STANDBY / GO, the readiness board (who is standing by), GO guards, and the marks
 * and notes of the performance. Keyboard: Space = GO on the standby cue (or the next cue: GO is
 * always possible, the server's guards decide), S = standby the next cue (not while typing in a
 * field). Refusals are shown as the server words them.
 */
import './show.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { CommandFailed, type SyncClient } from '@cuebe/client';
import type { PlaybackCommand, PlaybackStatus } from '@cuebe/protocol';
import { parseOffset } from '../lib/time';
import { Countdown, ShowClock } from './ShowClock';
import { RATES, rateLabel, STATUS_LABEL } from './format';
import { GoGuards } from './GoGuards';
import { ReadinessBoard } from './ReadinessBoard';
import { RunEnd } from './RunEnd';
import { ShowMarks } from './ShowMarks';
import { useCueRows, usePlayback } from './usePlayback';

const CAN: Record<string, readonly PlaybackStatus[]> = {
  play: ['STOPPED'],
  pause: ['PLAYING'],
  safety: ['PLAYING', 'PAUSED'],
  resume: ['PAUSED', 'SAFETY'],
  go: ['PLAYING', 'PAUSED', 'SAFETY'],
};

export function LivePanel({ live, selection }: { live: SyncClient; selection: ReadonlySet<string> }) {
  const playback = usePlayback(live);
  const rows = useCueRows(live, playback);
  const [error, setError] = useState<{ text: string; refusedGo: boolean } | null>(null);
  const [reason, setReason] = useState('');
  const [seekText, setSeekText] = useState('');

  /** Send a command; resolves true when applied, false when refused (the refusal is shown). */
  const send = useCallback(
    (cmd: PlaybackCommand): Promise<boolean> => {
      setError(null);
      return live.command(cmd).then(
        () => true,
        (e: unknown) => {
          const text = e instanceof CommandFailed ? e.message : String(e);
          // Not confirmed is not refused: the GO may have been called (the playback state shows it).
          if (e instanceof CommandFailed && e.code === 'OUTCOME_UNKNOWN')
            setError({ text: `${cmd.kind === 'go' ? 'GO' : 'Command'} not confirmed — ${text}`, refusedGo: false });
          // A refused GO is the one refusal the SM must not miss: the cue was NOT called.
          else
            setError(
              cmd.kind === 'go' ? { text: `GO refused — ${text}`, refusedGo: true } : { text, refusedGo: false },
            );
          return false;
        },
      );
    },
    [live],
  );

  const status = playback?.status ?? 'STOPPED';
  const standby = useMemo(() => rows.filter((r) => r.status === 'standby'), [rows]);
  const upcoming = useMemo(() => rows.filter((r) => r.status === 'upcoming'), [rows]);
  const nextToStandby = upcoming[0]?.cue ?? null;
  const goTarget = standby[0]?.cue ?? nextToStandby;
  const goFromStandby = standby.length > 0;
  const current = rows.find((r) => r.status === 'current')?.cue ?? null;

  const go = useCallback(() => {
    if (goTarget && CAN.go!.includes(status)) send({ kind: 'go', cueId: goTarget.id });
  }, [goTarget, status, send]);
  const standbyNext = useCallback(() => {
    if (nextToStandby && status !== 'COMPLETE') send({ kind: 'standby', cueIds: [nextToStandby.id] });
  }, [nextToStandby, status, send]);

  useEffect(() => {
    // Keys belong to the show unless the SM is typing or answering a question (a confirm step).
    const forShow = (e: KeyboardEvent) => {
      const t = e.target instanceof HTMLElement ? e.target : null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return false;
      if (t?.closest('[role="dialog"], [role="alertdialog"]')) return false;
      return !(e.metaKey || e.ctrlKey || e.altKey);
    };
    const onKey = (e: KeyboardEvent) => {
      if (!forShow(e)) return;
      if (e.code === 'Space') {
        e.preventDefault();
        if (!e.repeat) go();
      } else if (e.key === 's' || e.key === 'S') {
        e.preventDefault();
        standbyNext();
      }
    };
    // Space is GO and nothing else: a focused button is pressed on keyup, so that is held back
    // too (SPEC L3), or Space on a focused Pause would pause the show as well as call GO.
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.code === 'Space' && forShow(e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [go, standbyNext]);

  const seek = () => {
    const cue = rows.find((r) => r.cue.name.toLowerCase() === seekText.trim().toLowerCase());
    if (cue) return send({ kind: 'seek', cueId: cue.cue.id });
    const ms = parseOffset(seekText);
    if (ms === null || ms < 0) return setError({ text: 'Seek to a time (like 1:30) or a cue name', refusedGo: false });
    send({ kind: 'seek', showMs: ms });
  };

  const can = (k: keyof typeof CAN) => CAN[k]!.includes(status);
  // The cue table's rows marked by the live state (current, standby, highlighted) without the
  // table re-rendering: a style rule per id (ids are UUIDs, checked by the schema).
  const marks = useMemo(() => {
    if (!playback) return '';
    const sel = (ids: readonly string[]) => ids.map((id) => `.table-wrap [data-id="${id}"]`).join(',');
    const rules: string[] = [];
    if (playback.currentCueId) rules.push(`${sel([playback.currentCueId])}{background:var(--go-bg)}`);
    if (playback.standbyCueIds.length) rules.push(`${sel(playback.standbyCueIds)}{outline:2px solid var(--standby)}`);
    if (playback.highlightedIds.length)
      rules.push(`${sel(playback.highlightedIds)}{box-shadow:inset 0 0 0 3px var(--accent)}`);
    return rules.join('\n');
  }, [playback]);
  return (
    <section
      className={`live-panel status-${status.toLowerCase()}`}
      aria-label="Live show controls"
      data-testid="live-panel"
    >
      <div className="lp-row">
        <span className="lp-status" data-testid="live-status">
          {STATUS_LABEL[status]}
          {status === 'SAFETY' && playback?.safetyReason ? `: ${playback.safetyReason}` : ''}
        </span>
        {playback && playback.rate !== 1 && (
          <span
            className="lp-rate"
            data-testid="live-rate"
            title="Rehearsal speed: every device's show clock runs at it"
          >
            Rehearsal {rateLabel(playback.rate)}
          </span>
        )}
        <ShowClock live={live} next={goTarget ?? nextToStandby} />
        <div className="lp-transport" role="group" aria-label="Transport">
          <button disabled={!can('play')} onClick={() => send({ kind: 'play' })}>
            ▶ Play
          </button>
          <button disabled={!can('pause')} onClick={() => send({ kind: 'pause' })}>
            ❚❚ Pause
          </button>
          <button disabled={!can('resume')} onClick={() => send({ kind: 'resume' })}>
            Resume
          </button>
          <label className="lp-speed">
            Speed{' '}
            <select
              aria-label="Speed"
              disabled={!playback || status === 'COMPLETE'}
              value={String(playback?.rate ?? 1)}
              onChange={(e) => send({ kind: 'rate', rate: Number(e.target.value) })}
            >
              {(RATES as readonly number[]).includes(playback?.rate ?? 1) ? null : (
                <option value={String(playback?.rate)}>{playback?.rate}×</option>
              )}
              {RATES.map((r) => (
                <option key={r} value={String(r)}>
                  {r === 1 ? '1× (performance)' : `${r}×`}
                </option>
              ))}
            </select>
          </label>
        </div>
        <RunEnd playback={playback} send={send} />
      </div>
      <div className="lp-row">
        <form
          className="lp-inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (!reason.trim()) return setError({ text: 'Say why the show is held', refusedGo: false });
            send({ kind: 'safety', reason: reason.trim() });
            setReason('');
          }}
        >
          <input
            aria-label="Hold reason"
            placeholder="Reason for a hold"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button className="danger" disabled={!can('safety')}>
            Safety hold
          </button>
        </form>
        <form
          className="lp-inline"
          onSubmit={(e) => {
            e.preventDefault();
            seek();
          }}
        >
          <input
            aria-label="Seek to"
            placeholder="Seek: 1:30 or a cue"
            value={seekText}
            onChange={(e) => setSeekText(e.target.value)}
            list="lp-cue-names"
          />
          <datalist id="lp-cue-names">
            {rows.map((r) => (
              <option key={r.cue.id} value={r.cue.name} />
            ))}
          </datalist>
          <button disabled={status === 'COMPLETE'}>Seek</button>
        </form>
        <button
          disabled={selection.size === 0 && (playback?.highlightedIds.length ?? 0) === 0}
          onClick={() => send({ kind: 'highlight', ids: [...selection] })}
          title="Highlight the selected rows on every device (nothing selected: clear)"
        >
          {selection.size > 0 ? `Highlight ${selection.size}` : 'Clear highlight'}
        </button>
        {playback && <GoGuards guards={playback.guards} send={send} />}
      </div>
      {playback && <ShowMarks live={live} playback={playback} send={send} />}
      <div className="lp-calls">
        <div className="lp-next" aria-label="Next cues">
          {current && (
            <div className="lp-cue current">
              <span className="lp-cue-tag">Current</span> {current.name}
            </div>
          )}
          {[...standby, ...upcoming].slice(0, 4).map((r) => (
            <div key={r.cue.id} className={`lp-cue ${r.status}`} data-testid={`lp-cue-${r.status}`}>
              <span className="lp-cue-tag">{r.status === 'standby' ? 'Standby' : 'Next'}</span>
              <span className="lp-cue-name">{r.cue.name}</span>
              <Countdown live={live} offsetMs={r.cue.offsetMs} />
            </div>
          ))}
          {rows.length === 0 && <div className="muted">No cues yet.</div>}
        </div>
        <div className="lp-call-buttons">
          <button
            className="lp-standby"
            disabled={!nextToStandby || status === 'COMPLETE'}
            onClick={standbyNext}
            aria-keyshortcuts="S"
          >
            Standby {nextToStandby?.name ?? ''} <kbd>S</kbd>
          </button>
          <button
            className="lp-go"
            data-testid="go-button"
            disabled={!goTarget || !can('go')}
            onClick={go}
            aria-keyshortcuts="Space"
          >
            GO {goTarget?.name ?? ''}
            {goTarget && !goFromStandby && <span className="lp-go-note"> not on standby</span>} <kbd>Space</kbd>
          </button>
        </div>
      </div>
      {error && (
        <p
          className={error.refusedGo ? 'lp-refused' : 'lp-error'}
          role="alert"
          data-testid={error.refusedGo ? 'go-refused' : 'live-error'}
        >
          {error.text}
        </p>
      )}
      {playback && <ReadinessBoard live={live} playback={playback} standby={standby} send={send} />}
      {marks && <style>{marks}</style>}
    </section>
  );
}
